// A `pulumi up` of a VaultMigration killed with SIGKILL in the middle of the copy into OpenBao (the
// engine, the language host and the provider at once), then `pulumi cancel` and a re-run. The
// destination is reached through the fault proxy, which freezes every request once some data writes
// passed: the kill comes between two requests of a copy (after its data write, or before it).
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { VaultMigrationArgs } from "../../src/components/VaultMigration";
import { startFaultProxy, type FaultProxy } from "../support/faultProxy";
import { killTree, runPulumi, startUp, waitFor } from "../support/killedRun";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";
import { vaultMigrationStack } from "../support/vaultMigrationProgram";

type Meta = { current_version: number; versions: Record<string, unknown> };

describe("VaultMigration killed mid-copy (OpenBao → OpenBao through a fault proxy)", function () {
  this.timeout(600_000);
  let bao: OpenBaoServer;
  let proxy: FaultProxy;
  let t: TestStack | undefined;
  const seeded: string[] = [];
  before(async () => {
    bao = await startOpenBaoDev();
    proxy = await startFaultProxy(bao.address);
  });
  after(async () => {
    await t?.remove();
    await proxy?.close();
    await bao?.stop();
  });

  // vaultRequest throws on a 404: a copy not written yet.
  const meta = async (path: string): Promise<Meta | undefined> => (await vaultRequest<{ data: Meta }>(bao, "GET", path).catch(() => undefined))?.data;
  const data = async (path: string): Promise<Record<string, string> | undefined> => (await vaultRequest<{ data: { data: Record<string, string> } }>(bao, "GET", path).catch(() => undefined))?.data?.data;

  it("SIGKILL of up mid-copy (a first copy, then an update): after `pulumi cancel` the re-run finishes every secret, refuses none, adds no extra version", async () => {
    const names = Array.from({ length: 30 }, (_, i) => `s${String(i).padStart(2, "0")}`);
    const seed = async (round: number): Promise<void> => {
      for (const n of names) {
        const v = `k1lled-${round}-${n}-${randomBytes(6).toString("hex")}`;
        seeded.push(v);
        await vaultRequest(bao, "POST", `secret/data/kill/${n}`, { data: { v } });
      }
    };
    const token = { method: "token" as const, token: bao.rootToken };
    const args: VaultMigrationArgs = {
      source: { connection: { address: bao.address, auth: token }, mount: "secret", prefix: "kill/" },
      destination: { connection: { address: proxy.address, auth: token }, mount: "kv2", prefix: "copy" },
      mapping: { rules: [{ match: "**", name: "{path}" }] },
      fingerprintKey: randomBytes(32).toString("base64"),
      concurrency: 2,
    };
    t = await vaultMigrationStack("vault-kill", () => [{ name: "kill", args }]);
    const stack = t;
    const outputs: string[] = [];
    /** How many copies hold their source's current value, in exactly `versions` data versions. */
    const whole = async (versions: number): Promise<number> => {
      let done = 0;
      for (const n of names) {
        const m = await meta(`kv2/metadata/copy/kill/${n}`);
        if (m?.current_version === versions && Object.keys(m.versions).length === versions && JSON.stringify(await data(`kv2/data/copy/kill/${n}`)) === JSON.stringify(await data(`secret/data/kill/${n}`))) done++;
      }
      return done;
    };

    const killMidCopy = async (round: number): Promise<void> => {
      // Ten data writes pass, then nothing: the kill finds the copy half done, and requests waiting.
      proxy.reset({ kind: "freeze-after", n: 10, match: /^PUT \/v1\/kv2\/data\// });
      const up = startUp(stack);
      await waitFor("requests frozen", () => proxy.held > 0, 120_000);
      assert.ok(killTree(up.pid) >= 3, "the CLI, the language host and the provider were killed");
      await up.exited;
      outputs.push(up.output());
      proxy.reset();
      const done = await whole(round);
      assert.ok(done > 0 && done < names.length, `killed mid-copy: ${done} of ${names.length} copied`);
    };

    const converge = async (round: number): Promise<void> => {
      // The killed run's lock is left behind: the CLI refuses to run until it is removed.
      await assert.rejects(stack.up(), /the stack is currently locked/);
      assert.match(await runPulumi(stack, ["cancel", "--yes", "--stack", stack.stack.name]), /^exit 0\n[\s\S]*canceled/);
      assert.match(await runPulumi(stack, ["refresh", "--clear-pending-creates", "--yes", "--skip-preview", "--stack", stack.stack.name]), /^exit 0\n/);
      const preview = await stack.preview();
      assert.doesNotMatch(preview.stdout, /refuse|not created by this migration/, "nothing the killed run left is refused");
      const again = await stack.up();
      outputs.push(preview.stdout, again.stdout);
      assert.equal(await whole(round), names.length, `every secret holds its source value in ${round} version(s), none twice`);
      const third = await stack.up();
      assert.deepEqual(changes(third.summary.resourceChanges), {}, "converged: nothing left to do");
      assert.deepEqual((third.outputs.kill?.value as { pending: unknown }).pending, {}, "nothing pending");
    };

    await seed(1);
    await killMidCopy(1);
    await converge(1);
    // Every source secret changes; the update is killed half-way.
    await seed(2);
    await killMidCopy(2);
    await converge(2);
    assertNoSecrets({ state: await stack.exportState(), "engine output": stack.output.join("") + outputs.join("") }, seeded);
  });
});
