// A `pulumi up` killed with SIGKILL in the middle of the copy (the engine, the language host and
// the provider all at once, as when a CI runner cancels a job), then run again.
import * as assert from "node:assert/strict";
import { alive, commandLine, descendants, killTree, runPulumi, startUp, waitFor } from "../support/killedRun";
import { destinationValues, leakTexts, migrationStack, newMount, putKv2, secretValue, startEnv, stopEnv, type MigrationEnv, type MigrationParams } from "../support/migration";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";

/** Kills `pulumi up` once `writes` setSecret requests reached the double, and checks what landed by then. */
async function killMidCopy(env: MigrationEnv, t: TestStack, writes: number, total: number, prefix: string, expected: Record<string, string>, previous: Record<string, string>): Promise<string> {
  env.kv.resetCounters();
  const up = startUp(t);
  await waitFor(`${writes} writes`, () => env.kv.counters().setSecret >= writes, 120_000);
  const killed = killTree(up.pid);
  assert.ok(killed >= 3, `the CLI, the language host and the provider were killed (${killed} processes)`);
  await up.exited;
  const landed = await destinationValues(env.client, prefix);
  const done = [...landed].filter(([n, value]) => expected[n] === value).length;
  assert.ok(done > 0 && done < total, `killed mid-copy: ${done} of ${total} copied`);
  // A write is whole (value and marker tags in one request): each copy holds the new value or the previous one.
  for (const [n, value] of landed) assert.ok(value === expected[n] || value === previous[n], `${n} holds the new or the previous value`);
  return up.output();
}

describe("KeyVaultMigration killed mid-copy (OpenBao → Key Vault double)", function () {
  let env: MigrationEnv;
  before(async () => {
    env = await startEnv();
  });
  after(async () => stopEnv(env));

  it("SIGKILL of up mid-copy (first copy, an update, the CLI alone): after `pulumi cancel` the re-run copies the rest and converges", async () => {
    await newMount(env, "kill", 2);
    const names = Array.from({ length: 30 }, (_, i) => `s${String(i).padStart(2, "0")}`);
    const v: Record<string, string> = {};
    for (const n of names) await putKv2(env, "kill", n, { v: (v[`kill-${n}`] = secretValue(env, `kill-${n}`)) });
    // Paced to 5 writes a second, so the copy is still running when the kill comes.
    const params: MigrationParams = { mount: "kill", concurrency: 2, destinationExtra: { pacing: { writeLimit: 5, otherLimit: 400, windowMs: 1000 } } };
    const t = await migrationStack(env, "kill", params);

    const converge = async (o: { progress: boolean }): Promise<void> => {
      // The killed run's lock is left behind: the CLI refuses to run until it is removed.
      await assert.rejects(t.up(), /the stack is currently locked/);
      assert.match(await runPulumi(t, ["cancel", "--yes", "--stack", t.stack.name]), /^exit 0\n[\s\S]*canceled/);
      // A killed create stays a pending operation until a refresh drops it; that is safe here: the
      // migration's create re-plans against the destination's markers, so nothing is lost or doubled.
      const refresh = await runPulumi(t, ["refresh", "--clear-pending-creates", "--yes", "--skip-preview", "--stack", t.stack.name]);
      assert.match(refresh, /^exit 0\n/);
      const again = await t.up();
      // A copy of over 5 s reports progress (the provider's stderr, which the engine shows under the stack).
      if (o.progress) assert.match(again.stdout, /copying \d+\/\d+ \(\d+%\) [\d.]+\/s ETA \d+s/, "progress with an ETA");
      const final = await destinationValues(env.client, "kill-");
      assert.deepEqual(Object.fromEntries([...final].sort()), Object.fromEntries(Object.entries(v).sort()), "every secret, with its current source value");
      const third = await t.up();
      assert.deepEqual(changes(third.summary.resourceChanges), {}, "converged: nothing left to do");
      assert.doesNotMatch(third.stdout, /pending operations/, "the interrupted operation is gone from the state");
      assert.deepEqual(third.outputs.pending.value, {}, "nothing pending");
    };

    const killedOutput = [await killMidCopy(env, t, 6, names.length, "kill-", v, {})];
    await converge({ progress: true });

    // Every source secret changes; the update is killed half-way.
    const previous = { ...v };
    for (const n of names) await putKv2(env, "kill", n, { v: (v[`kill-${n}`] = secretValue(env, `kill2-${n}`)) });
    killedOutput.push(await killMidCopy(env, t, 6, names.length, "kill-", v, previous));
    await converge({ progress: true });

    // Only the CLI dies (the OOM killer, say): the processes it started must not outlive it for long.
    const before = { ...v };
    for (const n of names) await putKv2(env, "kill", n, { v: (v[`kill-${n}`] = secretValue(env, `kill3-${n}`)) });
    env.kv.resetCounters();
    const up = startUp(t);
    await waitFor("6 writes", () => env.kv.counters().setSecret >= 6, 120_000);
    const started = descendants(up.pid);
    const providers = started.filter((p) => commandLine(p).includes("dynamic-provider"));
    assert.equal(providers.length, 1, "one dynamic-provider process");
    process.kill(up.pid, "SIGKILL");
    await up.exited;
    killedOutput.push(up.output());
    try {
      // The provider notices at its next progress line (every 5 s) and exits, instead of spinning on
      // EPIPE errors forever. (Pulumi's Go language host stays behind, idle: not ours to fix.)
      await waitFor("the provider to exit", () => !alive(providers[0]), 60_000);
    } finally {
      for (const p of started) if (alive(p)) killTree(p);
    }
    const landed = await destinationValues(env.client, "kill-");
    for (const [n, value] of landed) assert.ok(value === v[n] || value === before[n], `${n} holds the new or the previous value`);
    await converge({ progress: false });
    assertNoSecrets({ ...(await leakTexts(env)), "output of the killed runs": killedOutput.join("") }, env.seeded);
  });
});
