// KeyVaultMigration through the real engine, against a real OpenBao dev server and the Key Vault
// double: per-secret preview, zero writes when in sync, KV v1, value shaping and tags, skipped
// versions, hand edits and refresh drift — and no seeded value anywhere in state, output or reports.
import * as assert from "node:assert/strict";
import { MIGRATED_FROM } from "../../src/engine/types";
import { vaultRequest } from "../support/openbao";
import {
  destinationValues,
  leakTexts,
  migrationStack,
  newMount,
  plannedLines,
  putKv1,
  putKv2,
  readReport,
  reportBase,
  secretValue,
  startEnv,
  stopEnv,
  type MigrationEnv,
  type MigrationParams,
} from "../support/migration";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";

describe("KeyVaultMigration through the real engine (OpenBao → Key Vault double)", function () {
  let env: MigrationEnv;
  const writes = () => {
    const c = env.kv.counters();
    return { setSecret: c.setSecret, updateSecret: c.updateSecret, deleteSecret: c.deleteSecret };
  };

  before(async () => {
    env = await startEnv();
  });
  after(async () => stopEnv(env));

  describe("KV v2: per-secret preview and zero writes when in sync", () => {
    let t: TestStack;
    const params: MigrationParams = { mount: "mig1", exclude: ["tmp/**"], report: "mig1" };

    before(async () => {
      await newMount(env, "mig1", 2);
      for (const p of ["apps/a", "apps/b", "apps/c"]) await putKv2(env, "mig1", p, { password: secretValue(env, p) });
      await putKv2(env, "mig1", "tmp/scratch", { password: secretValue(env, "scratch") });
      t = await migrationStack(env, "mig1", params);
      // A fresh stack's diff shows every input: the double's CA bundle appears as its SHA-256, not
      // as kilobytes of PEM (issue #25, 7).
      const fresh = await t.preview(true);
      assert.doesNotMatch(fresh.stdout, /BEGIN CERTIFICATE/);
      assert.match(fresh.stdout, /caCertSha256\s*:\s*"[0-9a-f]{64}"/);
      env.kv.resetCounters();
      const res = await t.up();
      assert.equal(env.kv.counters().setSecret, 3, "the first up writes the three secrets");
      assert.equal(res.outputs.summary.value.created, 3);
    });

    it("1. preview lists exactly the changed and the new secret, with reasons; up writes exactly those", async () => {
      await putKv2(env, "mig1", "apps/b", { password: secretValue(env, "b2") });
      await putKv2(env, "mig1", "apps/d", { password: secretValue(env, "d") });
      env.kv.resetCounters();
      const pre = await t.preview(true);
      const lines = plannedLines(pre.stdout);
      assert.deepEqual(
        Object.fromEntries(lines),
        { "mig1/apps/b": "update: source version changed", "mig1/apps/d": "create: new in source" },
        `preview lines:\n${pre.stdout}`,
      );
      assert.match(pre.stdout, /mig1\/apps\/b → mig1-apps-b/);
      // No pending diff line and no log line names a secret in sync. (The `pending` stack output of
      // this test program still shows the previous run's lines as removed, "- …: create v1: …":
      // a stack output is printed old against new. The resource's diff does not: see below.)
      const mentions = pre.stdout.split("\n").filter((l) => /mig1\/apps\/[ac] → /.test(l) && !/^\s*-/.test(l));
      assert.deepEqual(mentions, [], "secrets in sync are not listed");
      // The resource's diff shows only the new plan, not the applied one against it (issue #23).
      const resourceDiff = pre.stdout.slice(0, pre.stdout.indexOf("--outputs:--"));
      assert.ok(!/mig1\/apps\/[ac] → /.test(resourceDiff) && !/=> "(create|update|delete)/.test(resourceDiff), resourceDiff);
      assert.deepEqual(writes(), { setSecret: 0, updateSecret: 0, deleteSecret: 0 }, "preview writes nothing");

      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), { update: 1 });
      assert.equal(env.kv.counters().setSecret, 2, "exactly the two pending secrets are written");
      assert.equal(res.outputs.summary.value.created, 1);
      assert.equal(res.outputs.summary.value.updated, 1);
      const got = await env.client.getSecret("mig1-apps-b");
      assert.equal(got.properties.tags?.["original-version"], "2");
    });

    it("2. up twice with nothing changed: no resource change and no write; outputs and report describe that run", async () => {
      const first = await t.up();
      const written = first.outputs.summary.value;
      const before = readReport(reportBase(env, "mig1"));
      env.kv.resetCounters();
      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), {});
      assert.deepEqual(writes(), { setSecret: 0, updateSecret: 0, deleteSecret: 0 });
      // The excluded path is counted, by its rule, in the plan line and the report (issue #25, 2).
      const log = t.output.join("");
      assert.match(log, /plan: 0 to create, 0 to update, 0 to delete, 4 in sync, 0 skipped, 0 orphaned, 1 excluded/);
      // The plan names its migration and both ends in full (issue #25, 7).
      assert.match(log, /migration id test\/m: mig1\/ at http:\/\/127\.0\.0\.1:\d+ → https:\/\/[^\s]+/);
      assert.match(log, /excluded by exclude\[0\] "tmp\/\*\*": 1 \(mig1\/tmp\/scratch\)/);
      // Outputs describe this run, not the last one that wrote (issue #25, 3); the last write's time is kept.
      const s = res.outputs.summary.value;
      assert.deepEqual({ ...s, lastWriteAt: undefined }, { created: 0, updated: 0, deleted: 0, failed: 0, inSync: 4, skipped: 0, orphaned: 0, excluded: 1, lastWriteAt: undefined });
      assert.equal(s.lastWriteAt, written.lastWriteAt ?? s.lastWriteAt);
      assert.ok(typeof s.lastWriteAt === "string" && s.lastWriteAt <= before.finishedAt, "lastWriteAt is the last write's time");
      // The report is rewritten by the run with nothing to write.
      const report = readReport(reportBase(env, "mig1"));
      assert.ok(report.finishedAt > before.finishedAt, "a fresh report");
      assert.equal(report.inSync, 4);
      assert.deepEqual(report.items, []);
      assert.deepEqual(report.excluded, { count: 1, byRule: [{ by: 'exclude[0] "tmp/**"', count: 1, examples: ["mig1/tmp/scratch"] }] });
      // And a preview of the next no-change run shows no change at all, outputs included.
      const pre = await t.preview(true);
      assert.deepEqual(changes(pre.changeSummary), {});
      assert.doesNotMatch(pre.stdout, /summary/, pre.stdout);
    });
  });

  describe("3. KV v1 source", () => {
    let t: TestStack;
    const params: MigrationParams = { mount: "legacy1" };

    before(async () => {
      await newMount(env, "legacy1", 1);
      await putKv1(env, "legacy1", "svc/x", { token: secretValue(env, "v1x") });
      await putKv1(env, "legacy1", "svc/y", { token: secretValue(env, "v1y") });
      t = await migrationStack(env, "legacy1", params);
      await t.up();
    });

    it("a changed value is found by fingerprint and updated; unchanged → no write", async () => {
      const x2 = secretValue(env, "v1x2");
      await putKv1(env, "legacy1", "svc/x", { token: x2 });
      const pre = await t.preview(true);
      assert.deepEqual(Object.fromEntries(plannedLines(pre.stdout)), { "legacy1/svc/x": "update: source value changed" }, pre.stdout);
      env.kv.resetCounters();
      await t.up();
      assert.equal(env.kv.counters().setSecret, 1);
      assert.equal((await env.client.getSecret("legacy1-svc-x")).value, x2);
      env.kv.resetCounters();
      const again = await t.up();
      assert.deepEqual(changes(again.summary.resourceChanges), {});
      assert.deepEqual(writes(), { setSecret: 0, updateSecret: 0, deleteSecret: 0 });
    });
  });

  describe("4. values, tags and expiry", () => {
    const params: MigrationParams = { mount: "vals", unwrapKey: "value", expiryKey: "expires" };
    const v: Record<string, string> = {};
    let t: Awaited<ReturnType<typeof migrationStack>>;

    before(async () => {
      await newMount(env, "vals", 2);
      v.single = secretValue(env, "single");
      v.user = secretValue(env, "user");
      v.pass = secretValue(env, "pass");
      v.wrapped = secretValue(env, "wrapped");
      v.note = secretValue(env, "note");
      await putKv2(env, "vals", "db/single", { password: v.single }, { owner: "team-a", expires: "2031-01-01" });
      await putKv2(env, "vals", "db/multi", { user: v.user, pass: v.pass });
      await putKv2(env, "vals", "db/wrapped", { value: v.wrapped, note: v.note });
      v.rotating = secretValue(env, "rotating");
      await putKv2(env, "vals", "db/rotating", { password: v.rotating }, { expires: "720h" });
      t = await migrationStack(env, "vals", params);
      await t.up();
    });

    it("a duration expiry counts from the source version's write time, and a second up changes nothing", async () => {
      const s = await env.client.getSecret("vals-db-rotating");
      const meta = (await vaultRequest<{ data: { versions: Record<string, { created_time: string }> } }>(env.bao, "GET", "vals/metadata/db/rotating"))!.data;
      const written = Date.parse((meta.versions["1"] as { created_time: string }).created_time);
      // Key Vault keeps expiry in whole seconds (Unix time).
      assert.equal(s.properties.expiresOn?.getTime(), Math.floor((written + 720 * 3600 * 1000) / 1000) * 1000);
      // The plan's updated time reached the copy: the markers match, so nothing is re-planned.
      env.kv.resetCounters();
      const again = await t.up();
      assert.deepEqual(changes(again.summary.resourceChanges), {});
      assert.deepEqual(writes(), { setSecret: 0, updateSecret: 0, deleteSecret: 0 });
    });

    it("single key → text/plain, with markers, custom_metadata tags and expiry", async () => {
      const s = await env.client.getSecret("vals-db-single");
      assert.equal(s.value, v.single);
      assert.equal(s.properties.contentType, "text/plain");
      const tags = s.properties.tags ?? {};
      assert.equal(tags["migrated-from"], MIGRATED_FROM);
      assert.equal(tags["vault-path"], "vals/db/single");
      assert.equal(tags["original-version"], "1");
      assert.equal(tags["vault-owner"], "team-a");
      assert.equal(tags["vault-expires"], "2031-01-01");
      assert.equal(s.properties.expiresOn?.toISOString(), "2031-01-01T00:00:00.000Z");
    });

    it("multi key → canonical JSON, application/json, no expiry without the key", async () => {
      const s = await env.client.getSecret("vals-db-multi");
      assert.equal(s.properties.contentType, "application/json");
      assert.deepEqual(JSON.parse(s.value ?? ""), { user: v.user, pass: v.pass });
      assert.equal(s.properties.expiresOn, undefined);
      assert.equal(s.properties.tags?.["vault-path"], "vals/db/multi");
    });

    it("unwrapKey → only that key's value, as text/plain", async () => {
      const s = await env.client.getSecret("vals-db-wrapped");
      assert.equal(s.value, v.wrapped);
      assert.equal(s.properties.contentType, "text/plain");
    });
  });

  describe("5. deleted and destroyed source versions", () => {
    const params: MigrationParams = { mount: "gone", report: "gone" };

    before(async () => {
      await newMount(env, "gone", 2);
      await putKv2(env, "gone", "deleted", { v: secretValue(env, "deleted") });
      await putKv2(env, "gone", "destroyed", { v: secretValue(env, "destroyed") });
      await putKv2(env, "gone", "live", { v: secretValue(env, "live") });
      await vaultRequest(env.bao, "DELETE", "gone/data/deleted");
      await vaultRequest(env.bao, "PUT", "gone/destroy/destroyed", { versions: [1] });
    });

    it("are skipped (not copied), and the preview names them with the reason", async () => {
      const t = await migrationStack(env, "gone", params);
      const pre = await t.preview(true);
      assert.deepEqual(Object.fromEntries(plannedLines(pre.stdout)), { "gone/live": "create: new in source" }, pre.stdout);
      const res = await t.up();
      // The component logs every plan line, skipped ones included, during the run.
      assert.match(res.stdout, /gone\/deleted → gone-deleted: skip v\d+: source version deleted/, res.stdout);
      assert.match(res.stdout, /gone\/destroyed → gone-destroyed: skip v\d+: source version destroyed/);
      const names = [...(await destinationValues(env.client, "gone-")).keys()];
      assert.deepEqual(names, ["gone-live"]);
    });

    it("appear in the report JSON with their reason", async () => {
      const report = readReport(reportBase(env, "gone"));
      const byPath = new Map(report.items.map((i) => [i.sourcePath, i]));
      assert.equal(byPath.get("gone/live")?.result, "created");
      assert.equal(byPath.get("gone/deleted")?.reason, "source version deleted", `report items: ${JSON.stringify(report.items)}`);
      assert.equal(byPath.get("gone/destroyed")?.reason, "source version destroyed");
    });
  });

  describe("6. a destination edited by hand", () => {
    const v: Record<string, string> = {};

    before(async () => {
      await newMount(env, "hand", 2);
      v.a = secretValue(env, "hand-a");
      v.b = secretValue(env, "hand-b");
      await putKv2(env, "hand", "a/x", { v: v.a });
      await putKv2(env, "hand", "b/x", { v: v.b });
    });

    it("(a) a new value without our tags: preview says 'destination changed by hand' and up restores it", async () => {
      const t = await migrationStack(env, "hand-a", { mount: "hand", prefix: "a" });
      await t.up();
      await env.client.setSecret("hand-a-x", secretValue(env, "hand-a-edit"));
      env.kv.resetCounters();
      const pre = await t.preview(true).catch((e: Error) => assert.fail(`preview failed instead of planning an update:\n${e.message.slice(0, 600)}`));
      assert.deepEqual(Object.fromEntries(plannedLines(pre.stdout)), { "hand/a/x": "update: destination changed by hand" }, pre.stdout);
      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), { update: 1 });
      const s = await env.client.getSecret("hand-a-x");
      assert.equal(s.value, v.a);
      assert.equal(s.properties.tags?.["vault-path"], "hand/a/x");
    });

    it("(b) a new value keeping our tags: refresh reports drift and the next up restores the source value", async () => {
      const t = await migrationStack(env, "hand-b", { mount: "hand", prefix: "b" });
      await t.up();
      const before = await env.client.getSecret("hand-b-x");
      await env.client.setSecret("hand-b-x", secretValue(env, "hand-b-edit"), { tags: before.properties.tags, contentType: before.properties.contentType });
      const refreshed = await t.refresh();
      assert.equal(refreshed.summary.resourceChanges?.update, 1, `refresh should report the migration as changed:\n${refreshed.stdout}`);
      const state = JSON.parse(await t.exportState()) as { deployment: { resources: { type: string; outputs?: { drift?: Record<string, string> } }[] } };
      const migration = state.deployment.resources.find((r) => r.type.endsWith(":SecretMigration"));
      const drift = migration?.outputs?.drift ?? {};
      assert.deepEqual(Object.keys(drift), ["hand/b/x → hand-b-x"]);
      assert.match(drift["hand/b/x → hand-b-x"], /^update v1: destination changed by hand/);

      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), { update: 1 });
      assert.equal((await env.client.getSecret("hand-b-x")).value, v.b);
    });
  });

  // A describe, so that it runs after the other describes (mocha runs a suite's own tests first).
  describe("10. secrets never leak", () => {
    it("no seeded value (nor its SHA-256) in state exports, engine output or reports", async () => {
      assertNoSecrets(await leakTexts(env), env.seeded);
    });
  });
});
