// The Infisical destination's own behaviours beyond the conformance suite, against the double:
// layouts (folder, json, one key), a secret moving between one key and several, keys a source
// dropped, `${…}` reported, whitespace and key collisions refused before any request, the
// namespace mapping and explicit rule targets in entries().
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { createInfisicalDestination } from "../../src/migration/destinations/infisical/destination";
import { mapperFor, planRun } from "../../src/migration/planRun";
import { withDefaults } from "../../src/migration/settings";
import { destinationWrite } from "../../src/migration/writes";
import type { MigrationDestination } from "../../src/migration/destination";
import type { SecretData } from "../../src/engine";
import { FakeSource } from "../doubles/fakeSource";
import { startInfisicalDouble, type InfisicalDouble } from "../doubles/infisical";

describe("Infisical destination: layouts, fidelity, mappings (double)", function () {
  this.timeout(60_000);
  let inf: InfisicalDouble;
  const key = randomBytes(24).toString("base64");
  const opened: MigrationDestination[] = [];
  const open = (o: Partial<Parameters<typeof createInfisicalDestination>[0]> = {}): MigrationDestination => {
    const d = createInfisicalDestination({ siteUrl: inf.siteUrl, auth: { method: "universal-auth", ...inf.createIdentity() }, fingerprintKey: key, mount: "kv", ...o });
    opened.push(d);
    return d;
  };
  const settings = withDefaults({ migrationId: "test/infisical", mount: "kv" });
  const writeOf = async (d: MigrationDestination, src: FakeSource, path: string) => {
    const name = mapperFor(d, { ...settings, mount: src.mount }).map({ mount: src.mount, path });
    assert.equal(name.kind, "mapped", JSON.stringify(name));
    const v = await src.read(path);
    assert.ok(v);
    return destinationWrite((name as { name: string }).name, v, { fingerprintKey: key, mappingHash: "h", migrationId: settings.migrationId });
  };
  const keysIn = (project: string, env: string, folder: string): string[] =>
    [...(inf.store.projects.find((p) => p.slug === project)?.environments.find((e) => e.slug === env)?.secrets.keys() ?? [])].filter((k) => k.startsWith(`${folder}\u0000`)).map((k) => k.split("\u0000")[1] as string).sort();

  before(async () => {
    inf = await startInfisicalDouble();
  });
  after(async () => {
    for (const d of opened) await d.close();
    await inf?.stop();
  });

  it("folder layout: keys a source dropped are removed; a secret going to one key moves to a key and leaves no folder keys", async () => {
    const d = open();
    const src = new FakeSource({ mount: "kv", kvVersion: 2 });
    src.put("apps/db", { user: "u-1", pass: "p-1", port: 5432 } as SecretData);
    const w1 = await writeOf(d, src, "apps/db");
    assert.equal(w1.name, "kv-vault/production/apps/db");
    await d.write(w1);
    assert.deepEqual(keysIn("kv-vault", "production", "/apps/db"), ["pass", "port", "user"]);
    assert.equal(inf.store.peek("kv-vault", "production", "/apps/db", "port")?.value, "5432", "a non-string JSON value keeps its JSON text");
    src.put("apps/db", { user: "u-2", pass: "p-2" });
    await d.write(await writeOf(d, src, "apps/db"));
    assert.deepEqual(keysIn("kv-vault", "production", "/apps/db"), ["pass", "user"], "the dropped key is gone");
    src.put("apps/db", { url: "postgres://u-3" });
    const w3 = await writeOf(d, src, "apps/db");
    await d.write(w3);
    assert.deepEqual(keysIn("kv-vault", "production", "/apps/db"), [], "no folder keys left behind");
    assert.equal(inf.store.peek("kv-vault", "production", "/apps", "db")?.value, "postgres://u-3");
    assert.equal(await d.storedFingerprint(w3.name), d.expectedFingerprint(w3));
    const listed = [];
    for await (const e of d.entries()) listed.push(e.name);
    assert.deepEqual(listed, ["kv-vault/production/apps/db"], "one entry, not two");
  });

  it("a create lists one folder (the appeared check), an update also the other layout's (a copy moving between one key and several), and the move still leaves nothing behind", async () => {
    const d = open({ mount: "lay" });
    const src = new FakeSource({ mount: "lay", kvVersion: 2 });
    const lists = (): number => inf.counters()["GET /api/v4/secrets"] ?? 0;
    src.put("apps/one", { url: "u-1" });
    src.put("apps/two", { user: "u-2", pass: "p-2" });
    for (const path of ["apps/one", "apps/two"]) {
      const w = { ...(await writeOf(d, src, path)), expectAbsent: true };
      inf.resetCounters();
      await d.write(w);
      assert.equal(lists(), 1, `${path}: a create lists only the folder it writes to`);
    }
    // Updates that move each copy to the other layout: the old layout's keys are found and removed.
    src.put("apps/one", { user: "u-3", pass: "p-3" });
    src.put("apps/two", { url: "u-4" });
    for (const path of ["apps/one", "apps/two"]) {
      inf.resetCounters();
      await d.write(await writeOf(d, src, path));
      assert.equal(lists(), path === "apps/one" ? 2 : 1, `${path}: an update also lists the other layout's folder`);
    }
    assert.deepEqual(keysIn("lay-vault", "production", "/apps"), ["two"], "one moved to a folder, two to a key");
    assert.deepEqual(keysIn("lay-vault", "production", "/apps/one"), ["pass", "user"]);
    assert.deepEqual(keysIn("lay-vault", "production", "/apps/two"), [], "no folder keys left behind");
  });

  it("json layout keeps a multi-key secret whole; ${…} is copied as written and reported, naming the key and no value", async () => {
    const d = open({ layout: "json" });
    const src = new FakeSource({ mount: "kv", kvVersion: 2 });
    src.put("cfg/app", { url: "https://${HOST}/x", n: "1" });
    const w = await writeOf(d, src, "cfg/app");
    const r = await d.write(w);
    assert.deepEqual(JSON.parse(inf.store.peek("kv-vault", "production", "/cfg", "app")?.value ?? ""), { n: "1", url: "https://${HOST}/x" });
    assert.equal(r.warnings.length, 1);
    assert.match(r.warnings[0] as string, /key "app" holds \$\{…\}/);
    assert.ok(!(r.warnings[0] as string).includes("HOST"));
  });

  it("refuses before any request: a whitespace-edged value (a trailing newline alone passes) and two Vault keys on one Infisical key", async () => {
    const d = open();
    const src = new FakeSource({ mount: "kv", kvVersion: 2 });
    src.put("ws/a", { value: "secret-ws-1 " });
    src.put("ws/b", { value: "pem-body\n" });
    src.put("ws/c", { "a:b": "x1", "a/b": "x2" });
    const before = inf.writes();
    assert.match(d.validate(await writeOf(d, src, "ws/a")) ?? "", /kv\/ws\/a: the value of key "a" starts or ends with whitespace/);
    assert.equal(d.validate(await writeOf(d, src, "ws/b")), undefined);
    assert.match(d.validate(await writeOf(d, src, "ws/c")) ?? "", /keys "a\/b" and "a:b" both become Infisical key "a_b"/);
    await assert.rejects(d.write(await writeOf(d, src, "ws/a")), (e: Error) => !e.message.includes("secret-ws-1"));
    assert.equal(inf.writes(), before, "nothing written");
  });

  it("Vault keys named like Object's own (constructor, __proto__, toString) are keys like any other: copied, and removed when the source drops them", async () => {
    const d = open();
    const src = new FakeSource({ mount: "kv", kvVersion: 2 });
    src.put("proto/app", JSON.parse('{"constructor":"c-1","__proto__":"p-1","toString":"t-1","user":"u-1"}') as SecretData);
    await d.write(await writeOf(d, src, "proto/app"));
    assert.deepEqual(keysIn("kv-vault", "production", "/proto/app"), ["__proto__", "constructor", "toString", "user"]);
    assert.equal(inf.store.peek("kv-vault", "production", "/proto/app", "__proto__")?.value, "p-1");
    src.put("proto/app", { user: "u-2", pass: "p-2" });
    const w = await writeOf(d, src, "proto/app");
    await d.write(w);
    assert.deepEqual(keysIn("kv-vault", "production", "/proto/app"), ["pass", "user"], "the dropped keys are gone");
    assert.equal(await d.storedFingerprint(w.name), d.expectedFingerprint(w));
  });

  it("whitespace: base64 stores an edge-whitespace value encoded, its key marked, and says so naming the key only", async () => {
    const d = open({ whitespace: "base64" });
    const src = new FakeSource({ mount: "kv", kvVersion: 2 });
    src.put("b64/a", { value: " secret-ws-2\t" });
    src.put("b64/m", { pad: "\nsecret-ws-3", plain: "secret-ws-4" });
    const wa = await writeOf(d, src, "b64/a");
    assert.equal(d.validate(wa), undefined, "accepted, not refused");
    const notices = d.notices?.(wa) ?? [];
    assert.equal(notices.length, 1);
    assert.match(notices[0] as string, /secret 'kv-vault\/production\/b64\/a': key "a" has edge whitespace/);
    assert.match(notices[0] as string, /stored base64-encoded/);
    assert.ok(!(notices[0] as string).includes("secret-ws-2"));
    await d.write(wa);
    const a = inf.store.peek("kv-vault", "production", "/b64", "a");
    assert.equal(Buffer.from(a?.value ?? "", "base64").toString("utf8"), " secret-ws-2\t", "decodes to the Vault value, whitespace kept");
    assert.ok(a?.metadata.some((m) => m.key === "migration-encoding" && m.value === "base64"));
    assert.equal(await d.storedFingerprint(wa.name), d.expectedFingerprint(wa), "verification compares what is stored");
    await d.write(await writeOf(d, src, "b64/m"));
    const pad = inf.store.peek("kv-vault", "production", "/b64/m", "pad");
    const plain = inf.store.peek("kv-vault", "production", "/b64/m", "plain");
    assert.equal(Buffer.from(pad?.value ?? "", "base64").toString("utf8"), "\nsecret-ws-3");
    assert.equal(plain?.value, "secret-ws-4", "only the key that needs it is encoded");
    assert.ok(!plain?.metadata.some((m) => m.key === "migration-encoding"));
  });

  it("a preview's value checks return the destination's notices (`${…}`), naming path and key, never the value", async () => {
    const d = open();
    const src = new FakeSource({ mount: "kv", kvVersion: 2 });
    src.put("ref/one", { url: "https://${SECRET_HOST_7}/x" });
    src.put("ref/two", { plain: "no reference" });
    const { valueNotices, refusals } = await planRun(src, d, { ...settings, include: ["ref/**"] }, key, { checkValues: true });
    assert.deepEqual(refusals, []);
    assert.equal(valueNotices.length, 1, valueNotices.join("\n"));
    assert.match(valueNotices[0] as string, /secret 'kv-vault\/production\/ref\/one': key "one" holds \$\{…\}/);
    assert.ok(!(valueNotices[0] as string).includes("SECRET_HOST_7"));
    const { valueNotices: atUp } = await planRun(src, d, { ...settings, include: ["ref/**"] }, key);
    assert.deepEqual(atUp, [], "values are read for checks only when asked (preview)");
  });

  it("namespace mapping: the mount is the environment of the configured project; a rule's explicit target is listed too", async () => {
    const rules = [{ match: "pay/*", name: "payments:prod:/{1}" }];
    const d = open({ projectMapping: "namespace", project: "root-ns", mount: "team_kv", rules });
    const src = new FakeSource({ mount: "team_kv", kvVersion: 1 });
    src.put("a/b", { value: "v-1" });
    src.put("pay/card", { value: "v-2" });
    const s = { ...settings, mount: "team_kv", rules };
    const m = mapperFor(d, s);
    assert.deepEqual(m.map({ mount: "team_kv", path: "a/b" }), { kind: "mapped", name: "root-ns/team-kv/a/b", rule: "default" });
    assert.deepEqual(m.map({ mount: "team_kv", path: "pay/card" }), { kind: "mapped", name: "payments/prod/card", rule: 0 });
    for (const p of ["a/b", "pay/card"]) await d.write(destinationWrite((m.map({ mount: "team_kv", path: p }) as { name: string }).name, (await src.read(p))!, { fingerprintKey: key, mappingHash: "h", migrationId: "ns" }));
    const names = [];
    for await (const e of d.entries()) names.push(e.name);
    assert.deepEqual(names.sort(), ["payments/prod/card", "root-ns/team-kv/a/b"]);
  });

  it("folders: 20 secrets into 20 sibling folders cost one folder create each and one listing per parent, also written concurrently; a folder made by someone else meanwhile is fine", async () => {
    const d = open({ mount: "sib" });
    const src = new FakeSource({ mount: "sib", kvVersion: 2 });
    for (let i = 0; i < 20; i++) src.put(`team/apps/s${i}`, { user: `u-${i}`, pass: `p-${i}` });
    const writes = await Promise.all(Array.from({ length: 20 }, (_, i) => writeOf(d, src, `team/apps/s${i}`)));
    inf.resetCounters();
    await Promise.all(writes.slice(0, 10).map((w) => d.write(w)));
    // Another writer makes a folder after this run listed its parent: the 400 "already exists" is taken as done.
    const project = inf.store.projects.find((p) => p.slug === "sib-vault");
    assert.ok(project);
    inf.store.createFolder({ projectId: project.id, environment: "production", name: "s15", path: "/team/apps" });
    for (const w of writes.slice(10)) await d.write(w);
    const c = inf.counters();
    const gets = c["GET /api/v2/folders"] ?? 0;
    const posts = c["POST /api/v2/folders"] ?? 0;
    // Made here: /team, /team/apps and 20 children (s15 answered 400 and re-listed once); listed: `/` once, and the parent again for the 400.
    assert.ok(posts <= 22 && gets <= 2, `folder requests: ${posts} POST, ${gets} GET`);
    for (let i = 0; i < 20; i++) assert.deepEqual(keysIn("sib-vault", "production", `/team/apps/s${i}`), ["pass", "user"]);
  });
});

describe("Infisical destination: a run stopped midway (double failing writes)", function () {
  this.timeout(60_000);
  it("copies what it can, fails the rest naming them, and a re-run finishes only the rest", async () => {
    const { applyRun } = await import("../../src/migration/applyRun");
    const { planRun } = await import("../../src/migration/planRun");
    const inf = await startInfisicalDouble();
    const key = randomBytes(24).toString("base64");
    const d = createInfisicalDestination({ siteUrl: inf.siteUrl, auth: { method: "universal-auth", ...inf.createIdentity() }, fingerprintKey: key, mount: "kv", retry: { retries: 1, baseMs: 5, maxMs: 10 } });
    try {
      const src = new FakeSource({ mount: "kv", kvVersion: 2 });
      for (let i = 0; i < 6; i++) src.put(`bulk/s${i}`, { value: `v-${i}` });
      const settings = withDefaults({ migrationId: "test/stop", mount: "kv", concurrency: 1 });
      const run = async () => {
        const p = await planRun(src, d, settings, key);
        return { p, r: await applyRun({ items: p.plan.items, source: src, destination: d, fingerprintKey: key, mappingHash: p.mappingHash, migrationId: settings.migrationId, concurrency: 1 }) };
      };
      // The server fails every write after the third (5xx, retried, then given up).
      inf.failWritesAfter(3);
      const first = await run();
      const landed = keysIn(inf);
      assert.equal(first.r.counts.failed, 6 - landed.length, "the others failed, each reported");
      assert.ok(first.r.items.filter((i) => i.result === "failed").every((i) => /failed with 500/.test(i.error ?? "")), JSON.stringify(first.r.items));
      assert.ok(landed.length >= 1 && landed.length < 6, `some landed: ${landed.join(",")}`);
      inf.failWritesAfter(undefined);
      const second = await run();
      assert.equal(second.p.plan.items.length, 6 - landed.length, "only the rest is pending");
      assert.equal(second.r.counts.failed, 0, JSON.stringify(second.r.items));
      assert.equal(keysIn(inf).length, 6);
      assert.equal((await planRun(src, d, settings, key)).plan.items.length, 0, "converged");
    } finally {
      await d.close();
      await inf.stop();
    }
  });
});

function keysIn(inf: InfisicalDouble): string[] {
  return [...(inf.store.projects.find((p) => p.slug === "kv-vault")?.environments.find((e) => e.slug === "production")?.secrets.keys() ?? [])];
}
