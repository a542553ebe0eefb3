// The run code (planRun → applyRun → verifyRun → report) on the in-memory FakeSource and
// FakeDestination: no server, no network, a few milliseconds per case.
import * as assert from "node:assert/strict";
import { resolveExpiry, toMarkdown, type MigrationReport, type PlanItem } from "../../../src/engine";
import { applyRun } from "../../../src/migration/applyRun";
import { planRun, type RunPlan } from "../../../src/migration/planRun";
import { settingsMappingHash, withDefaults, type MigrationSettings } from "../../../src/migration/settings";
import { verifyRun } from "../../../src/migration/verifyRun";
import { destinationWrite } from "../../../src/migration/writes";
import { FakeDestination, type FakeDestinationOptions } from "../../doubles/fakeDestination";
import { FakeSource } from "../../doubles/fakeSource";

const KEY = "run-test-fingerprint-key-0123456789";
const MID = "stack/apps";

function settings(over: Partial<MigrationSettings> = {}): MigrationSettings {
  return withDefaults({ migrationId: MID, mount: "secret", prefix: "apps", concurrency: 4, ...over });
}

function fake(over: Partial<FakeDestinationOptions> = {}): FakeDestination {
  return new FakeDestination({ fingerprintKey: KEY, ...over });
}

async function plan(source: FakeSource, dest: FakeDestination, s: MigrationSettings = settings()): Promise<RunPlan> {
  return planRun(source, dest, s, KEY, { checkValues: true });
}

/** What the migration resource does at `up`: apply the pending items, report the notices. */
async function apply(source: FakeSource, dest: FakeDestination, p: RunPlan, s: MigrationSettings = settings(), extra: { onWarning?: (w: readonly string[]) => void; items?: readonly PlanItem[] } = {}): Promise<MigrationReport> {
  return applyRun({
    items: extra.items ?? p.plan.items,
    source,
    destination: dest,
    fingerprintKey: KEY,
    mappingHash: p.mappingHash,
    migrationId: s.migrationId,
    concurrency: s.concurrency,
    inSync: p.plan.inSync,
    notices: [...p.plan.skipped, ...p.plan.orphaned],
    ...(extra.onWarning ? { onWarning: extra.onWarning } : {}),
  });
}

async function run(source: FakeSource, dest: FakeDestination, s: MigrationSettings = settings()): Promise<{ plan: RunPlan; report: MigrationReport }> {
  const p = await plan(source, dest, s);
  return { plan: p, report: await apply(source, dest, p, s) };
}

function brief(items: readonly PlanItem[]): string[] {
  return items.map((i) => `${i.action} ${i.destinationName}: ${i.reason}`);
}

function results(r: MigrationReport): string[] {
  return r.items.map((i) => `${i.result} ${i.destinationName}`).sort();
}

/** A tree under `secret/apps`: db (two keys), api (custom_metadata), web. */
function tree(kvVersion: 1 | 2 = 2): FakeSource {
  const s = new FakeSource({ kvVersion, prefix: "apps" });
  s.put("apps/db", { user: "svc-db", password: "pw-db-1" });
  s.put("apps/api", { token: "tok-api-1" }, { customMetadata: { owner: "team-a" } });
  s.put("apps/web", { session: "sess-web-1" });
  return s;
}

describe("migration run on the fakes (plan → apply → verify → report)", () => {
  for (const kv of [2, 1] as const) {
    it(`KV v${kv}: creates, then a re-run is a no-op with no write, then a changed value is one update`, async () => {
      const source = tree(kv);
      const dest = fake();
      const first = await run(source, dest);
      assert.deepEqual(brief(first.plan.plan.items), ["create secret/apps/api: new in source", "create secret/apps/db: new in source", "create secret/apps/web: new in source"]);
      assert.deepEqual(results(first.report), ["created secret/apps/api", "created secret/apps/db", "created secret/apps/web"]);
      assert.equal(dest.writes, 3);
      assert.deepEqual(dest.value("secret/apps/db"), { user: "svc-db", password: "pw-db-1" });
      assert.equal(dest.markers("secret/apps/db")?.migrationId, MID);

      const reads = source.counters.valueReads;
      const again = await run(source, dest);
      assert.deepEqual(brief(again.plan.plan.items), []);
      assert.equal(again.report.inSync, 3);
      assert.equal(again.report.items.length, 0);
      assert.equal(dest.calls.write, 3, "no write on a no-change run");
      assert.equal(source.counters.valueReads, reads, "a no-change run reads no value");
      if (kv === 2) assert.equal(source.counters.inventoryValueReads, 0, "KV v2 inventory is metadata only");

      source.put("apps/web", { session: "sess-web-2" });
      const third = await run(source, dest);
      assert.deepEqual(brief(third.plan.plan.items), [`update secret/apps/web: ${kv === 2 ? "source version changed" : "source value changed"}`]);
      assert.deepEqual(results(third.report), ["updated secret/apps/web"]);
      assert.deepEqual(dest.value("secret/apps/web"), { session: "sess-web-2" });
      assert.equal(dest.writes, 4);
      assert.deepEqual(brief((await plan(source, dest)).plan.items), []);
    });
  }

  it("KV v2: a custom_metadata edit (no new version) is an update for metadata alone", async () => {
    const source = tree();
    const dest = fake();
    await run(source, dest);
    source.setCustomMetadata("apps/api", { owner: "team-b" });
    const { plan: p, report } = await run(source, dest);
    assert.deepEqual(brief(p.plan.items), ["update secret/apps/api: source metadata changed"]);
    assert.deepEqual(results(report), ["updated secret/apps/api"]);
    assert.equal(dest.record("secret/apps/api")?.versions.at(-1)?.tags["meta-owner"], "team-b");
  });

  it("one failing secret does not stop the others: it is reported, redacted, and the next run copies only it", async () => {
    const source = tree();
    const dest = fake();
    // The fake echoes the request body in its error, as a careless service might.
    dest.inject({ method: "write", name: "secret/apps/db", echoValue: true });
    const { report } = await run(source, dest);
    assert.deepEqual(results(report), ["created secret/apps/api", "created secret/apps/web", "failed secret/apps/db"]);
    const failed = report.items.find((i) => i.result === "failed");
    assert.match(failed?.error ?? "", /write of 'secret\/apps\/db' failed \(injected\)/);
    assert.match(failed?.error ?? "", /\[REDACTED\]/);
    for (const text of [JSON.stringify(report), toMarkdown(report)]) assert.ok(!text.includes("pw-db-1"), "no value in the report");

    dest.clearFailures();
    const again = await run(source, dest);
    assert.deepEqual(brief(again.plan.plan.items), ["create secret/apps/db: new in source"]);
    assert.deepEqual(results(again.report), ["created secret/apps/db"]);
  });

  it("a write that answers success but stores nothing fails the read-back verification", async () => {
    const source = tree();
    const dest = fake();
    dest.inject({ method: "write", name: "secret/apps/api", mode: "silent" });
    const { report } = await run(source, dest);
    assert.deepEqual(results(report), ["created secret/apps/db", "created secret/apps/web", "failed secret/apps/api"]);
    assert.match(report.items.find((i) => i.result === "failed")?.error ?? "", /verification failed: secret\/apps\/api does not hold the value just written/);
  });

  it("a failing read-back and a source gone since planning each fail their secret only", async () => {
    const source = tree();
    const dest = fake();
    const p = await plan(source, dest);
    source.remove("apps/web");
    dest.inject({ method: "storedFingerprint", name: "secret/apps/api", times: 1 });
    const report = await apply(source, dest, p);
    assert.deepEqual(results(report), ["created secret/apps/db", "failed secret/apps/api", "failed secret/apps/web"]);
    assert.match(report.items.find((i) => i.destinationName === "secret/apps/web")?.error ?? "", /source secret\/apps\/web v1 is gone since planning; the next run re-plans it/);
    assert.match(report.items.find((i) => i.destinationName === "secret/apps/api")?.error ?? "", /storedFingerprint of 'secret\/apps\/api' failed/);
  });

  it("a failing listing fails the plan (a partial listing would look like missing copies)", async () => {
    const dest = fake();
    dest.inject({ method: "entries", times: 1 });
    await assert.rejects(plan(tree(), dest), /entries failed \(injected\)/);
    assert.equal(dest.calls.write, 0);
  });

  it("warnings of a write reach the report and onWarning; the copy is still made", async () => {
    const source = new FakeSource({ prefix: "apps" });
    source.put("apps/labelled", { v: "val-labelled" }, { customMetadata: { a: "1", b: "2", c: "3", [`long-${"k".repeat(80)}`]: "4" } });
    const dest = fake({ metadataLimits: { maxKeys: 2, maxKeyLength: 64 } });
    const p = await plan(source, dest);
    const seen: string[] = [];
    const report = await apply(source, dest, p, settings(), { onWarning: (w) => seen.push(...w) });
    assert.deepEqual(results(report), ["created secret/apps/labelled"]);
    assert.deepEqual(report.warnings, [
      "fake://destination: secret 'secret/apps/labelled': secret [secret/apps/labelled]: custom_metadata [c] dropped: at most 2 keys",
      `fake://destination: secret 'secret/apps/labelled': secret [secret/apps/labelled]: custom_metadata [long-${"k".repeat(59)}…] dropped: key over 64 characters`,
    ]);
    assert.deepEqual(seen, report.warnings);
    assert.match(toMarkdown(report), /## Warnings/);
  });

  it("orphans and deletionPolicy delete act only on this migration's id and scope (secret/apps, not secret/apps2)", async () => {
    const dest = fake();
    const source = tree();
    await run(source, dest);
    // Same migration id, sibling prefix secret/apps2 (its scope is its own).
    const apps2 = new FakeSource({ prefix: "apps2" });
    apps2.put("apps2/db", { password: "pw-apps2" });
    await run(apps2, dest, settings({ prefix: "apps2" }));
    // Another migration under secret/apps.
    const other = new FakeSource({ prefix: "apps" });
    other.put("apps/theirs", { v: "theirs" });
    await run(other, dest, settings({ migrationId: "stack/other" }));
    // A seed 003 copy (markers without a mapping hash) and a stranger, both under our names.
    dest.seedForeign("secret/apps/legacy", { v: "legacy" }, { "migrated-from": "hashicorp-vault", "vault-path": "secret/apps/legacy" });
    dest.seedForeign("secret/apps/stranger", { v: "stranger" });
    source.remove("apps/web");

    const kept = await run(source, dest);
    assert.deepEqual(brief(kept.plan.plan.items), []);
    assert.deepEqual(brief(kept.plan.plan.orphaned), ["orphan secret/apps/web: source deleted (kept, orphaned)"]);
    assert.deepEqual(results(kept.report), ["orphaned secret/apps/web"]);
    assert.equal(dest.calls.remove, 0);

    const del = await run(source, dest, settings({ deletionPolicy: "delete" }));
    assert.deepEqual(brief(del.plan.plan.items), ["delete secret/apps/web: source deleted (deletionPolicy: delete)"]);
    assert.deepEqual(results(del.report), ["deleted secret/apps/web"]);
    assert.equal(dest.calls.remove, 1, "one removal, nothing else");
    assert.equal(dest.record("secret/apps/web")?.deleted, true, "soft-deleted, recoverable");
    assert.deepEqual(dest.names(), ["secret/apps/api", "secret/apps/db", "secret/apps/legacy", "secret/apps/stranger", "secret/apps/theirs", "secret/apps2/db"]);

    // A mapping change leaves the old name unclaimed: "no longer mapped", and only ours.
    const renamed = await plan(source, dest, settings({ deletionPolicy: "delete", rules: [{ match: "**", name: "renamed/{path}" }] }));
    assert.deepEqual(brief(renamed.plan.items.filter((i) => i.action === "delete")), [
      "delete secret/apps/api: no longer mapped (deletionPolicy: delete)",
      "delete secret/apps/db: no longer mapped (deletionPolicy: delete)",
    ]);
  });

  it("a duration expiryKey re-planned twice gives no change: the source's updated time travels from plan to apply", async () => {
    const source = new FakeSource({ prefix: "apps" });
    source.put("apps/cert", { pem: "pem-1" }, { customMetadata: { ttl: "720h" } });
    const s = settings({ expiryKey: "ttl" });
    const dest = fake({ expiry: { metadataKey: "ttl" } });
    const first = await run(source, dest, s);
    assert.deepEqual(results(first.report), ["created secret/apps/cert"]);
    assert.deepEqual(first.report.warnings, []);
    const v = await source.read("apps/cert");
    assert.ok(v?.secret.updatedTime);
    const expected = new Date(Date.parse(v.secret.updatedTime) + 720 * 3_600_000).toISOString();
    assert.equal(dest.record("secret/apps/cert")?.versions.at(-1)?.expiresOn, expected, "expiry counted from the version's write time, not from now");
    for (let i = 0; i < 2; i++) {
      const again = await plan(source, dest, s);
      assert.deepEqual(brief(again.plan.items), [], `re-plan ${i + 1}`);
    }
    assert.equal(dest.calls.write, 1);
  });

  it("a write without the source's updated time would not resolve the duration (what the plan-to-apply carry prevents)", async () => {
    const source = new FakeSource({ prefix: "apps" });
    source.put("apps/cert", { pem: "pem-1" }, { customMetadata: { ttl: "720h" } });
    const v = await source.read("apps/cert");
    assert.ok(v);
    const ctx = { fingerprintKey: KEY, mappingHash: settingsMappingHash("fake", settings({ expiryKey: "ttl" })), migrationId: MID };
    const w = destinationWrite("secret/apps/cert", v, ctx);
    assert.equal(w.source.updatedTime, v.secret.updatedTime, "destinationWrite keeps the updated time");
    const { updatedTime: _dropped, ...withoutTime } = w.source;
    void _dropped;
    assert.match(resolveExpiry(withoutTime, { metadataKey: "ttl" }).warning?.message ?? "", /no updated time/);
  });

  it("verify sees a value edited by hand under our markers (the plan cannot); an edit without markers is planned", async () => {
    const source = tree();
    const dest = fake();
    await run(source, dest);
    dest.editByHand("secret/apps/db", { user: "svc-db", password: "set-by-hand" }, { keepMarkers: true });
    assert.deepEqual(brief((await plan(source, dest)).plan.items), [], "markers unchanged: the plan sees nothing");
    const v = await verifyRun(source, dest, settings(), KEY);
    assert.deepEqual(v.drift.map((i) => `${i.action} ${i.destinationName}: ${i.reason} (${i.detail})`), ["update secret/apps/db: destination changed by hand (stored value differs)"]);
    assert.equal(v.verified, 3);

    dest.editByHand("secret/apps/web", { session: "also-by-hand" });
    const p = await plan(source, dest);
    assert.deepEqual(brief(p.plan.items), ["update secret/apps/web: destination changed by hand"]);
    const drift = (await verifyRun(source, dest, settings(), KEY)).drift;
    assert.deepEqual(brief(drift), ["update secret/apps/web: destination changed by hand", "update secret/apps/db: destination changed by hand"]);
    const report = await apply(source, dest, p, settings(), { items: drift });
    assert.deepEqual(results(report), ["updated secret/apps/db", "updated secret/apps/web"]);
    assert.deepEqual((await verifyRun(source, dest, settings(), KEY)).drift, []);
    assert.deepEqual(dest.value("secret/apps/db"), { user: "svc-db", password: "pw-db-1" });
  });

  it("a failing read-back during verify (refresh) is rethrown with every form of the value cut out", async () => {
    const source = tree();
    const dest = fake();
    await run(source, dest);
    // The destination's error quotes the stored value, as an SDK parse error quotes a body.
    dest.inject({ method: "storedFingerprint", name: "secret/apps/db", echoValue: true });
    const e = await verifyRun(source, dest, settings(), KEY).then(() => assert.fail("verify should fail"), (x: unknown) => x as Error);
    assert.match(String(e), /storedFingerprint of 'secret\/apps\/db' failed \(injected\)/);
    assert.match(String(e), /\[REDACTED\]/);
    const shown = `${String(e)}\n${e.stack ?? ""}\n${JSON.stringify(e)}`;
    for (const v of ["pw-db-1", "svc-db"]) assert.ok(!shown.includes(v), `${v} in ${shown}`);
  });

  it("a foreign secret under a mapped name is refused and never written; adopt and overwrite take it over", async () => {
    const source = tree();
    const dest = fake();
    dest.seedForeign("secret/apps/api", { token: "someone-elses" });
    const { plan: p, report } = await run(source, dest);
    assert.deepEqual(brief(p.plan.items.filter((i) => i.action === "refuse")), ["refuse secret/apps/api: destination exists and was not created by this migration"]);
    assert.deepEqual(results(report), ["created secret/apps/db", "created secret/apps/web"]);
    assert.deepEqual(dest.value("secret/apps/api"), { token: "someone-elses" });
    for (const existing of ["adopt", "overwrite"] as const) {
      const q = await plan(source, dest, settings({ existing }));
      assert.deepEqual(brief(q.plan.items), [`update secret/apps/api: ${existing === "adopt" ? "adopting" : "overwriting"} existing destination secret`]);
    }
    await run(source, dest, settings({ existing: "overwrite" }));
    assert.deepEqual(dest.value("secret/apps/api"), { token: "tok-api-1" });
    assert.deepEqual(brief((await plan(source, dest)).plan.items), []);
  });

  it("names that differ only in case collide on a case-insensitive destination and not on a case-sensitive one", async () => {
    const source = new FakeSource({ prefix: "apps" });
    source.put("apps/Token", { v: "upper" });
    source.put("apps/token", { v: "lower" });
    const insensitive = await plan(source, fake({ caseSensitive: false }));
    assert.deepEqual(brief(insensitive.plan.items), ["refuse secret/apps/Token: destination name collision", "refuse secret/apps/token: destination name collision"]);
    const dest = fake({ caseSensitive: true });
    const { report } = await run(source, dest);
    assert.deepEqual(results(report), ["created secret/apps/Token", "created secret/apps/token"]);
  });

  it("a value over the destination's limit fails the plan's value check naming the path, and apply refuses the whole run before its first write", async () => {
    const source = tree();
    source.put("apps/blob", { blob: `big-${"x".repeat(300)}` });
    const dest = fake({ maxValueBytes: 256 });
    const p = await plan(source, dest);
    const problem = "fake://destination: secret [secret/apps/blob]: value is 304 bytes (UTF-8), over the destination limit of 256";
    assert.deepEqual(p.problems, [problem]);
    // What `pulumi up --skip-preview` applies: the plan without its preview's value check.
    await assert.rejects(apply(source, dest, p), (e: Error) => e.message === `nothing was written; 1 problem(s) found before the first write:\n  - ${problem}`);
    assert.equal(dest.calls.write, 0, "not even the valid values were written");
    // The check streams: each value read once and dropped, the other three secrets included.
    assert.equal(dest.calls.validate, 8, "four values checked at planning, four again before writing");
    // With the oversize value gone from the source, the re-run converges.
    source.remove("apps/blob");
    const { report } = await run(source, dest);
    assert.deepEqual(results(report), ["created secret/apps/api", "created secret/apps/db", "created secret/apps/web"]);
  });

  it("skipped sources and disabled copies are reported with their reason, nothing done", async () => {
    const source = tree();
    const dest = fake();
    await run(source, dest);
    source.put("apps/api", { token: "tok-api-2" });
    source.deleteVersion("apps/api");
    dest.disable("secret/apps/web");
    source.put("apps/web", { session: "sess-web-2" });
    const { plan: p, report } = await run(source, dest);
    assert.deepEqual(brief(p.plan.items), []);
    assert.deepEqual(brief(p.plan.skipped), ["skip secret/apps/api: source version deleted", "skip secret/apps/web: destination disabled"]);
    assert.deepEqual(results(report), ["skipped secret/apps/api", "skipped secret/apps/web"]);
    assert.equal(dest.calls.write, 3);
  });

  it("a removed copy is recovered by the next write where the destination soft-deletes, or fails clearly when told to", async () => {
    const source = tree();
    const dest = fake();
    await run(source, dest);
    await dest.remove("secret/apps/web");
    const again = await run(source, dest);
    assert.deepEqual(results(again.report), ["created secret/apps/web"]);
    assert.equal(dest.record("secret/apps/web")?.versions.length, 2, "recovered: the old version is kept under the new one");

    const strict = fake({ softDeleted: "fail" });
    await run(source, strict);
    await strict.remove("secret/apps/web");
    const failed = await run(source, strict);
    assert.deepEqual(results(failed.report), ["failed secret/apps/web"]);
    assert.match(failed.report.items[0]?.error ?? "", /secret 'secret\/apps\/web' is soft-deleted; recover or purge it/);
  });
  it("paths the mapping excludes are counted by rule (never read), reported, and a copy of an excluded path is 'no longer mapped'", async () => {
    const source = tree();
    source.put("apps/tmp/a", { x: "tmp-a-value" });
    source.put("apps/tmp/b", { x: "tmp-b-value" });
    const dest = fake();
    // First everything is copied, then tmp/ and web are excluded: their copies are orphans of an unmapped source.
    await run(source, dest);
    const s = settings({ exclude: ["apps/tmp/**", "apps/web"] });
    const reads = source.counters.valueReads;
    const p = await plan(source, dest, s);
    assert.equal(p.plan.counts.excluded, 3);
    assert.equal(p.plan.counts.sources, 5);
    const byRule = [...p.plan.exclusions].sort((a, b) => a.by.localeCompare(b.by));
    assert.deepEqual(byRule, [
      { by: 'exclude[0] "apps/tmp/**"', count: 2, examples: ["secret/apps/tmp/a", "secret/apps/tmp/b"] },
      { by: 'exclude[1] "apps/web"', count: 1, examples: ["secret/apps/web"] },
    ]);
    assert.deepEqual(p.plan.orphaned.map((o) => `${o.sourcePath}: ${o.reason}`).sort(), [
      "secret/apps/tmp/a: no longer mapped (kept, orphaned)",
      "secret/apps/tmp/b: no longer mapped (kept, orphaned)",
      "secret/apps/web: no longer mapped (kept, orphaned)",
    ]);
    assert.equal(source.counters.valueReads, reads, "an excluded path is never read");
    const report = await applyRun({ items: p.plan.items, source, destination: dest, fingerprintKey: KEY, mappingHash: p.mappingHash, migrationId: MID, concurrency: 2, inSync: p.plan.inSync, exclusions: p.plan.exclusions });
    assert.equal(report.excluded.count, 3);
    assert.match(toMarkdown(report), /\| exclude\[0\] "apps\/tmp\/\*\*" \| 2 \| `?secret\/apps\/tmp\/a`?, `?secret\/apps\/tmp\/b`? \|/);
    assert.match(toMarkdown(report), /Excluded by the mapping: 3/);
  });

  it("include: paths no pattern matches are excluded under one rule", async () => {
    const source = tree();
    const p = await plan(source, fake(), settings({ include: ["apps/db"] }));
    assert.deepEqual(p.plan.exclusions.map((g) => `${g.by}: ${g.count}`), ["include (no pattern matched): 2"]);
    assert.equal(p.plan.counts.excluded, 2);
    assert.deepEqual(brief(p.plan.items), ["create secret/apps/db: new in source"]);
  });

  it("maxDuration: past the time budget no further secret starts; the rest is reported pending, nothing half-written, and the next run copies exactly the rest", async () => {
    const source = new FakeSource({ kvVersion: 2, prefix: "apps" });
    for (let i = 0; i < 6; i++) source.put(`apps/s${i}`, { value: `v-${i}` });
    const dest = fake();
    // A clock that moves only when a secret is written: each write "takes" 1,000 ms.
    let clock = 0;
    const write = dest.write.bind(dest);
    dest.write = async (w) => {
      clock += 1000;
      return write(w);
    };
    const s = settings({ concurrency: 1 });
    const p = await plan(source, dest, s);
    const first = await applyRun({ items: p.plan.items, source, destination: dest, fingerprintKey: KEY, mappingHash: p.mappingHash, migrationId: s.migrationId, concurrency: 1, maxDurationMs: 2500, now: () => clock });
    assert.equal(first.counts.created, 3, JSON.stringify(first.items));
    assert.equal(first.counts.pending, 3);
    assert.equal(first.counts.failed, 0);
    assert.ok(toMarkdown(first).includes("pending"), "the report lists the pending secrets");
    assert.equal(dest.writes, 3);
    const again = await plan(source, dest, s);
    assert.deepEqual(brief(again.plan.items), [3, 4, 5].map((i) => `create secret/apps/s${i}: new in source`));
    const rest = await apply(source, dest, again, s);
    assert.equal(rest.counts.created, 3);
    assert.equal(rest.counts.pending, 0);
    assert.equal(dest.writes, 6, "each secret written exactly once over the two runs");
    assert.deepEqual(brief((await plan(source, dest, s)).plan.items), [], "converged");
  });
});
