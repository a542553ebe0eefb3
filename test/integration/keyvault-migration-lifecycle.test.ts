// KeyVaultMigration over time: secrets deleted in the source (orphaned or deleted), destroy
// (kept or deleted), soft-deleted names recovered, injected write failures then convergence, and
// a 429 storm with the destination's pacing matched to the vault's (scaled-down) limits.
import * as assert from "node:assert/strict";
import { vaultRequest } from "../support/openbao";
import {
  destinationValues,
  expectFailure,
  leakTexts,
  migrationStack,
  newMount,
  plannedLines,
  putKv2,
  secretValue,
  startEnv,
  stopEnv,
  type MigrationEnv,
  type MigrationParams,
} from "../support/migration";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";

async function gone(p: Promise<unknown>): Promise<boolean> {
  try {
    await p;
    return false;
  } catch (e) {
    return (e as { statusCode?: number }).statusCode === 404;
  }
}

describe("KeyVaultMigration lifecycle: deletions, destroy, faults, throttling (OpenBao → Key Vault double)", function () {
  let env: MigrationEnv;

  before(async () => {
    env = await startEnv();
  });
  after(async () => stopEnv(env));

  describe("8. deletions and destroy", () => {
    const v: Record<string, string> = {};
    const params: MigrationParams = { mount: "del", report: "del" };
    let delStack: TestStack;

    before(async () => {
      await newMount(env, "del", 2);
      for (const k of ["a", "b", "c"]) await putKv2(env, "del", k, { v: (v[k] = secretValue(env, `del-${k}`)) });
    });

    it("a secret removed from the source is kept and reported orphaned; with deletionPolicy delete it is soft-deleted", async () => {
      const t = (delStack = await migrationStack(env, "del", params));
      await t.up();
      await vaultRequest(env.bao, "DELETE", "del/metadata/b");

      env.kv.resetCounters();
      const up1 = await t.up();
      assert.match(up1.stdout, /del\/b → del-b: orphan: source deleted \(kept, orphaned\)/, up1.stdout);
      assert.deepEqual(changes(up1.summary.resourceChanges), {}, "nothing to do by default");
      assert.equal(env.kv.counters().deleteSecret, 0);
      assert.equal((await env.client.getSecret("del-b")).value, v.b, "the copy is kept");

      params.deletionPolicy = "delete";
      const pre = await t.preview(true);
      assert.deepEqual(Object.fromEntries(plannedLines(pre.stdout)), { "del/b": "delete: source deleted (deletionPolicy: delete)" }, pre.stdout);
      await t.up();
      assert.ok(await gone(env.client.getSecret("del-b")), "del-b is no longer live");
      const deleted = await env.client.getDeletedSecret("del-b");
      assert.equal(deleted.name, "del-b", "del-b is soft-deleted (recoverable), not purged");
    });

    it("a name soft-deleted in the destination is recovered when the migration needs it", async () => {
      const t = delStack;
      const poller = await env.client.beginDeleteSecret("del-a");
      await poller.pollUntilDone();
      await new Promise((r) => setTimeout(r, 300)); // the double's delete-in-progress delay
      const pre = await t.preview(true);
      assert.deepEqual(Object.fromEntries(plannedLines(pre.stdout)), { "del/a": "create: new in source" }, pre.stdout);
      env.kv.resetCounters();
      await t.up();
      assert.equal(env.kv.counters().recoverDeletedSecret, 1, "recovered, not purged");
      const s = await env.client.getSecret("del-a");
      assert.equal(s.value, v.a);
      assert.equal(s.properties.tags?.["vault-path"], "del/a");
    });

    it("a copy deleted by hand is re-created even when the new plan equals the last applied one", async () => {
      await newMount(env, "once", 2);
      const value = secretValue(env, "once-x");
      await putKv2(env, "once", "x", { v: value });
      const t = await migrationStack(env, "once", { mount: "once" });
      await t.up(); // applied plan: { "once/x → once-x": "create v1: new in source" }
      await (await env.client.beginDeleteSecret("once-x")).pollUntilDone();
      await new Promise((r) => setTimeout(r, 300));
      const res = await t.up(); // the plan is again exactly { "once/x → once-x": "create v1: new in source" }
      assert.match(res.stdout, /once\/x → once-x: create( v\d+)?: new in source/, "the component plans the re-creation");
      assert.deepEqual(changes(res.summary.resourceChanges), { update: 1 }, "the migration runs");
      assert.equal((await env.client.getSecret("once-x")).value, value);
    });

    it("pulumi destroy leaves the destination secrets by default", async () => {
      const t = delStack;
      await t.destroy();
      assert.equal((await env.client.getSecret("del-a")).value, v.a);
      assert.equal((await env.client.getSecret("del-c")).value, v.c);
    });

    it("with onDestroy: delete, pulumi destroy soft-deletes them", async () => {
      await newMount(env, "dd", 2);
      await putKv2(env, "dd", "one", { v: secretValue(env, "dd-one") });
      await putKv2(env, "dd", "two", { v: secretValue(env, "dd-two") });
      const t = await migrationStack(env, "dd", { mount: "dd", onDestroy: "delete" });
      await t.up();
      assert.equal((await destinationValues(env.client, "dd-")).size, 2);
      await t.destroy();
      assert.equal((await destinationValues(env.client, "dd-")).size, 0);
      assert.equal((await env.client.getDeletedSecret("dd-one")).name, "dd-one");
      assert.equal((await env.client.getSecret("del-c")).value, v.c, "other migrations' copies are untouched");
    });
  });

  describe("11. write failures, then convergence", () => {
    const v: Record<string, string> = {};

    it("up fails naming the failed secrets; after the faults clear, up converges to the uninterrupted result", async () => {
      await newMount(env, "flt", 2);
      for (let i = 0; i < 6; i++) await putKv2(env, "flt", `s${i}`, { v: (v[`flt-s${i}`] = secretValue(env, `flt-${i}`)) });
      const t = await migrationStack(env, "flt", { mount: "flt", concurrency: 4, report: "flt" });
      // Two writes go through, then every write fails (9 attempts each: the client's retries are exhausted).
      env.kv.setFaults({ sequence: [null, null, ...Array<"503">(400).fill("503")], operations: ["setSecret"], retryAfterSeconds: 0 });
      let msg: string;
      try {
        msg = await expectFailure(t, "up");
      } finally {
        env.kv.clearFaults();
      }
      const landed = await destinationValues(env.client, "flt-");
      assert.equal(landed.size, 2, "two secrets landed before the faults");
      const failed = Object.keys(v).filter((n) => !landed.has(n));
      assert.match(msg, /4 of 6 secret\(s\) failed/);
      for (const n of failed) assert.match(msg, new RegExp(`flt/${n.slice(4)} → ${n}`), `the message names ${n}`);

      const pre = await t.preview(true);
      assert.deepEqual([...plannedLines(pre.stdout).keys()].sort(), failed.map((n) => `flt/${n.slice(4)}`).sort(), "only the failed secrets are pending");
      await t.up();
      const final = await destinationValues(env.client, "flt-");
      assert.deepEqual(Object.fromEntries([...final].sort()), Object.fromEntries(Object.entries(v).sort()), "every secret, with its source value");
      for (const n of final.keys()) assert.equal((await env.client.getSecret(n)).properties.tags?.["original-version"], "1");
      const again = await t.up();
      assert.deepEqual(changes(again.summary.resourceChanges), {});
    });
  });

  describe("12. 429 storm: 60 secrets under scaled-down limits with matching pacing", () => {
    it("all succeed, paced under the limit: each secret written once, no 429", async () => {
      await newMount(env, "storm", 2);
      const v: Record<string, string> = {};
      for (let i = 0; i < 60; i++) await putKv2(env, "storm", `s${String(i).padStart(2, "0")}`, { v: (v[`storm-s${String(i).padStart(2, "0")}`] = secretValue(env, `storm-${i}`)) });
      const t = await migrationStack(env, "storm", {
        mount: "storm",
        // The names createKeyVaultDestination / KeyVaultSecretsClient apply (KeyVaultPacing). At commit
        // 0fe7648 KeyVaultDestinationSpec documented `writesPerWindow`/`othersPerWindow`, which were
        // passed through unchanged and silently ignored (see the report).
        destinationExtra: { pacing: { writeLimit: 20, otherLimit: 200, windowMs: 1000 } },
        // Several progress lines over the ~3 s copy (issue #25, 10).
        progressIntervalMs: 500,
        concurrency: 4,
      });
      env.kv.setThrottling({ writeLimit: 20, otherLimit: 200, windowMs: 1000 });
      env.kv.resetCounters();
      try {
        const res = await t.up();
        assert.equal(res.outputs.summary.value.created, 60);
        // What a person reads in the CLI's output: progress lines under the migration, then one final line.
        const progress = res.stdout.split("\n").filter((l) => /copying \d+\/60 \(\d+%\) \d+\.\d\/s ETA (\d+[hms]|\?)/.test(l));
        assert.ok(progress.length >= 2, `progress lines:\n${res.stdout}`);
        assert.match(res.stdout, /copied: 60 created, 0 updated, 0 deleted, 0 failed; 0 in sync in \d+\.\d s/);
      } finally {
        env.kv.setThrottling({ writeLimit: 300, otherLimit: 4000, windowMs: 10_000 });
      }
      const final = await destinationValues(env.client, "storm-");
      assert.deepEqual(Object.fromEntries([...final].sort()), Object.fromEntries(Object.entries(v).sort()));
      // Counters count throttled requests too: with pacing honoured, each secret is written once.
      assert.equal(env.kv.counters().setSecret, 60, `setSecret requests (429s included): ${env.kv.counters().setSecret}; pacing was not applied`);
    });
  });

  // A describe, so that it runs after the other describes (mocha runs a suite's own tests first).
  describe("10. secrets never leak", () => {
    it("no seeded value (nor its SHA-256) in state exports, engine output or reports", async () => {
      assertNoSecrets(await leakTexts(env), env.seeded);
    });
  });
});
