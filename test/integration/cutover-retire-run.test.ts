// The retirement run itself on a real OpenBao server (no engine: the engine-backed flow is in
// cutover-readiness.test.ts): what it refuses and leaves alone. A copy changed since it was made is
// held, not retired; a path outside the migration's source is refused before any delete; a second
// run finds the retired version gone and deletes nothing; a source version written after the copy
// is not deleted; KV v1 is deleted; the retire identity holds only renderRetirePolicy.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { renderRetirePolicy } from "../../src/components/readerPolicy";
import { encodePlanKey } from "../../src/engine";
import { applyRun } from "../../src/migration/applyRun";
import { retireRun } from "../../src/migration/cutover/retireRun";
import { createVaultDestination } from "../../src/migration/destinations/vault/destination";
import { planRun } from "../../src/migration/planRun";
import { withDefaults } from "../../src/migration/settings";
import { VaultSource } from "../../src/migration/vaultSource";
import type { VaultConnection } from "../../src/clients/vault/connection";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";

interface Meta { current_version: number; versions: Record<string, { deletion_time: string; destroyed: boolean }> }

describe("source retirement run (real OpenBao)", function () {
  this.timeout(120_000);
  let bao: OpenBaoServer;
  let retireConn: VaultConnection;
  const key = randomBytes(32).toString("base64");
  const root = (): VaultConnection => ({ address: bao.address, auth: { method: "token", token: bao.rootToken } });
  const meta = async (p: string): Promise<Meta> => (await vaultRequest<{ data: Meta }>(bao, "GET", p))!.data;

  before(async () => {
    bao = await startOpenBaoDev();
    for (const p of ["r/a", "r/b", "r/c"]) await vaultRequest(bao, "POST", `secret/data/${p}`, { data: { v: randomBytes(8).toString("hex") } });
    await vaultRequest(bao, "POST", "kv1/r/old", { v: randomBytes(8).toString("hex") });
    await vaultRequest(bao, "POST", "sys/policies/acl/retire", { policy: renderRetirePolicy([{ mount: "secret", kvVersion: 2, prefixes: ["r/"] }, { mount: "kv1", kvVersion: 1, prefixes: ["r/"] }]) });
    const token = (await vaultRequest<{ auth: { client_token: string } }>(bao, "POST", "auth/token/create", { policies: ["retire"], no_default_policy: true }))!.auth.client_token;
    retireConn = { address: bao.address, auth: { method: "token", token } };
  });
  after(async () => bao?.stop());

  /** Copies `mount/r/` into kv2/`prefix` and returns what retireRun needs. */
  async function copied(mount: string, prefix: string): Promise<{ source: VaultSource; dest: ReturnType<typeof createVaultDestination>; run: (paths: string[]) => ReturnType<typeof retireRun> }> {
    const settings = withDefaults({ migrationId: `t/${prefix}`, mount, prefix: "r/", rules: [{ match: "**", name: "{path}" }], concurrency: 4 });
    const source = await VaultSource.open(root(), settings);
    const dest = createVaultDestination({ connection: root(), mount: "kv2", prefix, fingerprintKey: key });
    const p = await planRun(source, dest, settings, key);
    await applyRun({ items: p.plan.items, source, destination: dest, fingerprintKey: key, mappingHash: p.mappingHash, migrationId: settings.migrationId, concurrency: 2 });
    const run = (paths: string[]): ReturnType<typeof retireRun> =>
      retireRun({ retire: Object.fromEntries(paths.map((s) => [encodePlanKey({ sourcePath: s, destinationName: s.slice(mount.length + 1) }), "retire"])), source, destination: dest, retireConnection: retireConn, fingerprintKey: key, mappingHash: p.mappingHash, migrationId: settings.migrationId, concurrency: 4 });
    return { source, dest, run };
  }

  it("retires verified copies only, the version it verified, once", async () => {
    const { source, dest, run } = await copied("secret", "v2");
    try {
      // r/b's copy edited by hand, r/c's source moved on after the copy: neither is the value copied.
      await vaultRequest(bao, "POST", "kv2/data/v2/r/b", { data: { v: "edited" } });
      await vaultRequest(bao, "POST", "secret/data/r/c", { data: { v: "newer" } });
      const first = await run(["secret/r/a", "secret/r/b", "secret/r/c"]);
      assert.deepEqual(first.map((o) => [o.sourcePath, o.result]), [["secret/r/a", "retired"], ["secret/r/b", "held: copy not verified"], ["secret/r/c", "held: copy not verified"]]);
      const a = await meta("secret/metadata/r/a");
      assert.ok(a.versions["1"].deletion_time && !a.versions["1"].destroyed);
      for (const p of ["r/b", "r/c"]) assert.equal((await meta(`secret/metadata/${p}`)).versions[String((await meta(`secret/metadata/${p}`)).current_version)].deletion_time, "", `${p} untouched`);
      assert.deepEqual((await run(["secret/r/a"])).map((o) => o.result), ["already retired"]);
      await assert.rejects(run(["secret/other/x"]), /retirement refused: secret\/other\/x is outside this migration's source secret\/r\//);
    } finally {
      await Promise.all([source.close(), dest.close()]);
    }
  });

  it("deletes a verified KV v1 source (the caller asked with permanent: true)", async () => {
    const { source, dest, run } = await copied("kv1", "v1");
    try {
      assert.deepEqual((await run(["kv1/r/old"])).map((o) => o.result), ["retired"]);
      await assert.rejects(vaultRequest(bao, "GET", "kv1/r/old"), /HTTP 404/);
    } finally {
      await Promise.all([source.close(), dest.close()]);
    }
  });
});
