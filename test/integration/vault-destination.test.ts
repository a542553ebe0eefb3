// Vault/OpenBao as a migration destination, through the real engine (VaultMigration programs run
// by the CLI and language host; see test/support/vaultMigrationProgram.ts for why not inline) on two real OpenBao dev servers: metadata copy, KV v1 ↔ v2, version replay,
// namespace to namespace, no writes on a re-run, check-and-set conflicts, no value in state/output.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { VaultMigrationArgs } from "../../src/components/VaultMigration";
import { applyRun } from "../../src/migration/applyRun";
import { createVaultDestination } from "../../src/migration/destinations/vault/destination";
import { planRun } from "../../src/migration/planRun";
import { settingsMappingHash, withDefaults } from "../../src/migration/settings";
import { VaultSource } from "../../src/migration/vaultSource";
import { contentFingerprint, fingerprint } from "../../src/engine";
import type { VaultConnectionArgs } from "../../src/resources/vaultResourceInputs";
import { mountKv, startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";
import { vaultMigrationStack } from "../support/vaultMigrationProgram";

type Meta = { current_version: number; updated_time: string; max_versions: number; cas_required: boolean; delete_version_after: string; custom_metadata: Record<string, string> | null; versions: Record<string, unknown> };

describe("Vault/OpenBao as a migration destination (two real OpenBao servers)", function () {
  this.timeout(240_000);
  let a: OpenBaoServer; // source
  let b: OpenBaoServer; // destination (namespaces team-a, team-b for the namespace case)
  const key = randomBytes(32).toString("base64");
  const seeded: string[] = [];
  const val = (label: string): string => {
    const v = `s3eded-${label}-${randomBytes(6).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const conn = (s: OpenBaoServer, namespace?: string): VaultConnectionArgs => ({ address: s.address, auth: { method: "token", token: s.rootToken }, ...(namespace ? { namespace } : {}) });
  const meta = async (s: OpenBaoServer, path: string, namespace?: string): Promise<Meta> => (await vaultRequest<{ data: Meta }>(s, "GET", path, undefined, namespace ? { namespace } : {}))!.data;
  const data = async (s: OpenBaoServer, path: string, namespace?: string): Promise<Record<string, string>> =>
    (await vaultRequest<{ data: { data: Record<string, string> } }>(s, "GET", path, undefined, namespace ? { namespace } : {}))!.data.data;
  const identity = { rules: [{ match: "**", name: "{path}" }] };
  const stacks: TestStack[] = [];
  /** current_version and updated_time of KV v2 secrets: they change if anything was written. */
  const snapshot = async (s: OpenBaoServer, paths: string[], namespace?: string): Promise<string> =>
    JSON.stringify(await Promise.all(paths.map(async (p) => {
      const m = await meta(s, p, namespace);
      return [p, m.current_version, m.updated_time];
    })));
  const v1 = async (s: OpenBaoServer, path: string): Promise<Record<string, string>> => (await vaultRequest<{ data: Record<string, string> }>(s, "GET", path))!.data;
  const versions = async (s: OpenBaoServer, path: string, n: number): Promise<string[]> => {
    const out: string[] = [];
    for (let v = 1; v <= n; v++) out.push((await vaultRequest<{ data: { data: { v: string } } }>(s, "GET", `${path}?version=${v}`))!.data.data.v);
    return out;
  };

  // The source's audit log: which source reads a run makes (issue #22: no settings GET per copy).
  const audit = join(tmpdir(), `vault-dest-audit-${process.pid}-${randomBytes(4).toString("hex")}.log`);
  const auditLines = (): string[] => readFileSync(audit, "utf8").split("\n").filter((l) => l.trim() !== "");
  const metadataReads = (lines: readonly string[], path: string): number =>
    lines.filter((l) => {
      const e = JSON.parse(l) as { type?: string; request?: { operation?: string; path?: string } };
      return e.type === "request" && e.request?.operation === "read" && e.request.path === path;
    }).length;

  before(async () => {
    [a, b] = await Promise.all([startOpenBaoDev({ namespaces: ["team-a"], auditLog: audit }), startOpenBaoDev({ namespaces: ["team-a", "team-b"] })]);
    // app/db: two versions, custom_metadata (one key spoofing a reserved marker key), settings.
    await vaultRequest(a, "POST", "secret/data/app/db", { data: { user: "app", password: val("db-v1") } });
    await vaultRequest(a, "POST", "secret/data/app/db", { data: { user: "app", password: val("db-v2") } });
    await vaultRequest(a, "POST", "secret/metadata/app/db", { custom_metadata: { owner: "team-app", "migrated-from": "spoofed" }, max_versions: 7, cas_required: true, delete_version_after: "720h" });
    await vaultRequest(a, "POST", "secret/data/app/api", { data: { token: val("api") } });
    // hist/x: three versions for replay.
    for (let i = 1; i <= 3; i++) await vaultRequest(a, "POST", "secret/data/hist/x", { data: { v: val(`hist-${i}`) } });
    await vaultRequest(a, "POST", "kv1/legacy/ldap", { bind_password: val("ldap") });
    await vaultRequest(a, "POST", "kv1/legacy/smtp", { password: val("smtp"), user: "mailer" });
    await mountKv(a, "secret", 2, { namespace: "team-a" });
    await vaultRequest(a, "POST", "secret/data/ns/one", { data: { v: val("ns-one") } }, { namespace: "team-a" });
    await mountKv(b, "secret", 2, { namespace: "team-b" });
    await mountKv(b, "secret", 2, { namespace: "team-a" });
    await vaultRequest(b, "POST", "secret/data/local/one", { data: { v: val("local-one") } }, { namespace: "team-b" });
  });
  after(async () => {
    for (const t of stacks) await t.remove();
    await Promise.all([a?.stop(), b?.stop()]);
    rmSync(audit, { force: true });
  });

  describe("one stack, six migrations: v2→v2 with metadata, replay, v1→v2, v2→v1, namespace→namespace across servers and within one", () => {
    let t: TestStack;
    // Every KV v2 destination secret, to prove a re-run writes nothing.
    const v2Copies = ["kv2/metadata/copy/app/db", "kv2/metadata/copy/app/api", "kv2/metadata/replay/hist/x", "kv2/metadata/fromv1/kv1/legacy/ldap", "kv2/metadata/fromv1/kv1/legacy/smtp"];
    before(async () => {
      const migrations: { name: string; args: VaultMigrationArgs }[] = [
        { name: "v2v2", args: { source: { connection: conn(a), mount: "secret", prefix: "app/" }, destination: { connection: conn(b), mount: "kv2", prefix: "copy" }, mapping: identity, fingerprintKey: key } },
        { name: "replay", args: { source: { connection: conn(a), mount: "secret", prefix: "hist/" }, destination: { connection: conn(b), mount: "kv2", prefix: "replay", replayVersions: true }, mapping: identity, fingerprintKey: key } },
        { name: "v1v2", args: { source: { connection: conn(a), mount: "kv1", prefix: "legacy/" }, destination: { connection: conn(b), mount: "kv2", prefix: "fromv1" }, fingerprintKey: key } },
        { name: "v2v1", args: { source: { connection: conn(a), mount: "secret", prefix: "app/" }, destination: { connection: conn(b), mount: "kv1", prefix: "tov1" }, mapping: identity, fingerprintKey: key } },
        { name: "ns", args: { source: { connection: conn(a, "team-a"), mount: "secret", prefix: "ns/" }, destination: { connection: conn(b, "team-b"), mount: "secret" }, mapping: identity, fingerprintKey: key } },
        { name: "ns-same", args: { source: { connection: conn(b, "team-b"), mount: "secret", prefix: "local/" }, destination: { connection: conn(b, "team-a"), mount: "secret", prefix: "from-team-b" }, mapping: identity, fingerprintKey: key } },
      ];
      t = await vaultMigrationStack("vault-dest", () => migrations);
      stacks.push(t);
    });

    it("copies everything with markers and metadata", async () => {
      const seen = auditLines().length;
      const up = await t.up();
      assert.deepEqual(changes(up.summary.resourceChanges), { create: 13 }); // stack + 6 × (component, run)
      // The state holds the plan once, in the migration resources' inputs: not again in the components'.
      const resources = (JSON.parse(await t.exportState()) as { deployment: { resources: { type: string; inputs?: Record<string, unknown>; outputs?: Record<string, unknown> }[] } }).deployment.resources;
      const components = resources.filter((r) => r.type === "vault-migration:migration:VaultMigration");
      assert.equal(components.length, 6);
      for (const c of components) assert.ok(!("pending" in (c.outputs ?? {})), `no plan in a component's outputs: ${Object.keys(c.outputs ?? {}).join(", ")}`);
      const planned = resources.filter((r) => r.type.endsWith(":SecretMigration")).map((r) => Object.keys((r.inputs?.__pending ?? {}) as object).length);
      assert.equal(planned.reduce((x, y) => x + y, 0), 9, `the plan applied, in the migration resources' inputs: ${planned.join(", ")}`);
      // The source's settings came with the plan (state's hidden __sourceSettings): app/db's metadata
      // is read by the inventories of v2v2 and v2v1 only, not again by v2v2's write; a replay still
      // reads hist/x's at its write, for the live versions.
      const during = auditLines().slice(seen);
      assert.equal(metadataReads(during, "secret/metadata/app/db"), 2, "app/db: two plans, no write-time read");
      assert.equal(metadataReads(during, "secret/metadata/hist/x"), 2, "hist/x: its plan and its replay");
      // v2 → v2: data, copied custom_metadata (reserved keys win), settings, markers.
      const d = await data(b, "kv2/data/copy/app/db");
      assert.deepEqual(d, await data(a, "secret/data/app/db"));
      const m = await meta(b, "kv2/metadata/copy/app/db");
      const cm = m.custom_metadata ?? {};
      assert.equal(cm.owner, "team-app", "source custom_metadata copied");
      assert.equal(cm["migrated-from"], "hashicorp-vault", "reserved keys win over source keys");
      assert.equal(cm["migration-dropped-keys"], "migrated-from");
      assert.equal(cm["vault-path"], "secret/app/db");
      assert.equal(cm["original-version"], "2");
      assert.equal(cm["migration-dest-version"], "1");
      assert.equal(cm["migration-fingerprint"], fingerprint(key, "secret/app/db", d));
      assert.ok(cm["migration-mapping"] && cm["migration-metadata"]);
      assert.equal(m.max_versions, 7);
      assert.equal(m.cas_required, true);
      assert.equal(m.delete_version_after, "720h0m0s");
      // Replay: same number of versions, same order.
      assert.equal((await meta(b, "kv2/metadata/replay/hist/x")).current_version, 3);
      assert.deepEqual(await versions(b, "kv2/data/replay/hist/x", 3), await versions(a, "secret/data/hist/x", 3));
      // v1 → v2 and v2 → v1 (markers of KV v1 copies beside the data).
      assert.deepEqual(await data(b, "kv2/data/fromv1/kv1/legacy/ldap"), await v1(a, "kv1/legacy/ldap"));
      assert.equal((await meta(b, "kv2/metadata/fromv1/kv1/legacy/smtp")).custom_metadata?.["vault-path"], "kv1/legacy/smtp");
      assert.deepEqual(await v1(b, "kv1/tov1/app/db"), await data(a, "secret/data/app/db"));
      const marker = await v1(b, "kv1/tov1/.vault-migration/app/db");
      assert.equal(marker["vault-path"], "secret/app/db");
      assert.equal(marker["original-version"], "2");
      // Namespace to namespace: across servers, and within one server.
      assert.deepEqual(await data(b, "secret/data/ns/one", "team-b"), await data(a, "secret/data/ns/one", "team-a"));
      assert.deepEqual(await data(b, "secret/data/from-team-b/local/one", "team-a"), await data(b, "secret/data/local/one", "team-b"));
    });

    it("a re-run writes nothing, and refresh finds no drift", async () => {
      const before = (await snapshot(b, v2Copies)) + (await snapshot(b, ["secret/metadata/ns/one"], "team-b")) + (await snapshot(b, ["secret/metadata/from-team-b/local/one"], "team-a"));
      const v1Before = JSON.stringify([await v1(b, "kv1/tov1/app/db"), await v1(b, "kv1/tov1/.vault-migration/app/db")]);
      const again = await t.up();
      assert.deepEqual(changes(again.summary.resourceChanges), {});
      for (const [name, o] of Object.entries(again.outputs)) assert.deepEqual((o.value as { pending: unknown }).pending, {}, `${name} has nothing pending`);
      const refresh = await t.refresh();
      assert.deepEqual(changes(refresh.summary.resourceChanges), {});
      const after = (await snapshot(b, v2Copies)) + (await snapshot(b, ["secret/metadata/ns/one"], "team-b")) + (await snapshot(b, ["secret/metadata/from-team-b/local/one"], "team-a"));
      assert.equal(after, before, "no KV v2 destination write on a re-run");
      assert.equal(JSON.stringify([await v1(b, "kv1/tov1/app/db"), await v1(b, "kv1/tov1/.vault-migration/app/db")]), v1Before);
    });

    it("sees hand writes (KV v2: a version not ours; KV v1: a value unlike its marker) and new source versions; repairs them", async () => {
      await vaultRequest(b, "POST", "kv2/data/copy/app/api", { options: { cas: 1 }, data: { token: "hand-edited" } });
      await vaultRequest(b, "POST", "kv1/tov1/app/api", { token: "hand-edited" });
      await vaultRequest(a, "POST", "secret/data/hist/x", { data: { v: val("hist-4") } });
      const preview = await t.preview();
      const lines = preview.stdout.split("\n").filter((l) => / → /.test(l)).join("\n");
      assert.match(lines, /secret\/app\/api → app\/api[^\n]*update v1: destination changed by hand/);
      assert.match(lines, /secret\/hist\/x → hist\/x[^\n]*update v4: source version changed/);
      await t.up();
      assert.deepEqual(await data(b, "kv2/data/copy/app/api"), await data(a, "secret/data/app/api"));
      assert.equal((await meta(b, "kv2/metadata/copy/app/api")).current_version, 3, "repaired on top, with check-and-set");
      assert.deepEqual(await v1(b, "kv1/tov1/app/api"), await data(a, "secret/data/app/api"));
      assert.equal((await meta(b, "kv2/metadata/replay/hist/x")).current_version, 4, "only the new version is added");
      assert.deepEqual(await versions(b, "kv2/data/replay/hist/x", 4), await versions(a, "secret/data/hist/x", 4));
    });

    it("no value in state or engine output", async () => {
      assertNoSecrets({ state: await t.exportState(), output: t.output.join("") }, seeded);
    });
  });

  describe("two migrations into one destination: each owns only its copies (migration id, scope with a / boundary)", () => {
    let t: TestStack;
    let params: { name: string; args: VaultMigrationArgs }[];
    before(async () => {
      await vaultRequest(a, "POST", "secret/data/apps/x", { data: { v: val("apps-x") } });
      await vaultRequest(a, "POST", "secret/metadata/apps/x", { custom_metadata: { expires: "720h" } });
      await vaultRequest(a, "POST", "secret/data/apps2/y", { data: { v: val("apps2-y") } });
      const twin = (prefix: string): VaultMigrationArgs => ({
        source: { connection: conn(a), mount: "secret", prefix },
        destination: { connection: conn(b), mount: "kv2", prefix: "twin" },
        mapping: identity,
        fingerprintKey: key,
        onDestroy: "delete",
        // Vault destinations set no expiry: the key must not make every run re-plan the copy.
        expiryKey: "expires",
      });
      params = [
        { name: "apps", args: twin("apps/") },
        { name: "apps2", args: twin("apps2/") },
      ];
      t = await vaultMigrationStack("twins", () => params);
      stacks.push(t);
      await t.up();
    });

    it("each copy names its migration, and a second up changes nothing", async () => {
      assert.equal((await meta(b, "kv2/metadata/twin/apps/x")).custom_metadata?.["migration-id"], "test/apps");
      assert.equal((await meta(b, "kv2/metadata/twin/apps2/y")).custom_metadata?.["migration-id"], "test/apps2");
      const before = await snapshot(b, ["kv2/metadata/twin/apps/x", "kv2/metadata/twin/apps2/y"]);
      const again = await t.up();
      assert.deepEqual(changes(again.summary.resourceChanges), {});
      assert.equal(await snapshot(b, ["kv2/metadata/twin/apps/x", "kv2/metadata/twin/apps2/y"]), before);
    });

    it("destroying the secret/apps migration (onDestroy: delete) removes its copies only, not secret/apps2's", async () => {
      params = params.filter((p) => p.name !== "apps");
      const res = await t.up();
      assert.deepEqual(changes(res.summary.resourceChanges), { delete: 2 });
      const gone = await meta(b, "kv2/metadata/twin/apps/x");
      assert.ok((gone.versions["1"] as { deletion_time: string }).deletion_time, "our copy is soft-deleted");
      const kept = await meta(b, "kv2/metadata/twin/apps2/y");
      assert.equal((kept.versions["1"] as { deletion_time: string }).deletion_time, "", "the other migration's copy is untouched");
      assert.deepEqual(await data(b, "kv2/data/twin/apps2/y"), await data(a, "secret/data/apps2/y"));
    });
  });

  it("a concurrent writer between read and check-and-set fails that secret only, and is not overwritten", async () => {
    await vaultRequest(a, "POST", "secret/data/cas/one", { data: { v: val("cas-one") } });
    await vaultRequest(a, "POST", "secret/data/cas/two", { data: { v: val("cas-two") } });
    await vaultRequest(b, "POST", "kv2/data/cas/cas/one", { data: { v: "someone-else-v1" } });
    const settings = withDefaults({ migrationId: "test/cas", mount: "secret", prefix: "cas/", existing: "overwrite", concurrency: 4 });
    const source = await VaultSource.open({ address: a.address, auth: { method: "token", token: a.rootToken } }, settings);
    // The source's metadata read (asked of its history) happens after the destination's version read
    // and before the CAS write: a hand write there is a real race with the migration.
    const history = source.history!;
    const racing = {
      details: async (path: string) => {
        if (path === "cas/one") await vaultRequest(b, "POST", "kv2/data/cas/cas/one", { data: { v: "someone-else-v2" } });
        return history.details(path);
      },
      readVersion: (path: string, version: number) => history.readVersion(path, version),
    };
    const dest = createVaultDestination({ connection: { address: b.address, auth: { method: "token", token: b.rootToken } }, mount: "kv2", prefix: "cas", fingerprintKey: key, sourceHistory: racing });
    try {
      const items = [
        { sourcePath: "secret/cas/one", mount: "secret", destinationName: "cas/one", action: "update" as const, reason: "overwriting existing destination secret" as const, sourceVersion: 1 },
        { sourcePath: "secret/cas/two", mount: "secret", destinationName: "cas/two", action: "create" as const, reason: "new in source" as const, sourceVersion: 1 },
      ];
      const report = await applyRun({ items, source, destination: dest, fingerprintKey: key, mappingHash: settingsMappingHash(dest.kind, settings, dest.shaping), migrationId: settings.migrationId, concurrency: 2 });
      assert.equal(report.counts.failed, 1);
      assert.equal(report.counts.created, 1);
      const failed = report.items.find((i) => i.result === "failed");
      assert.equal(failed?.destinationName, "cas/one");
      assert.match(failed?.error ?? "", /changed concurrently \(check-and-set expected version 1\); nothing was overwritten/);
      assert.deepEqual(await data(b, "kv2/data/cas/cas/one"), { v: "someone-else-v2" }, "the concurrent write survives");
      assertNoSecrets({ report: JSON.stringify(report) }, seeded);
    } finally {
      await Promise.all([source.close(), dest.close()]);
    }
  });

  it("a secret someone else writes under a name planned as a create, after planning, is refused and kept (KV v2 and KV v1)", async () => {
    await vaultRequest(a, "POST", "secret/data/appear/one", { data: { v: val("appear-one") } });
    await vaultRequest(a, "POST", "secret/data/appear/two", { data: { v: val("appear-two") } });
    const settings = withDefaults({ migrationId: "test/appear", mount: "secret", prefix: "appear/", concurrency: 2, rules: identity.rules });
    const source = await VaultSource.open({ address: a.address, auth: { method: "token", token: a.rootToken } }, settings);
    const open = (mount: string) => createVaultDestination({ connection: { address: b.address, auth: { method: "token", token: b.rootToken } }, mount, prefix: "appear", fingerprintKey: key });
    for (const mount of ["kv2", "kv1"]) {
      const dest = open(mount);
      try {
        const { plan, mappingHash } = await planRun(source, dest, settings, key);
        assert.deepEqual(plan.items.map((i) => [i.destinationName, i.action]).sort(), [["appear/one", "create"], ["appear/two", "create"]], mount);
        // After planning, someone else writes appear/one (no markers of ours).
        await vaultRequest(b, "POST", mount === "kv2" ? "kv2/data/appear/appear/one" : "kv1/appear/appear/one", mount === "kv2" ? { data: { v: "someone-else" } } : { v: "someone-else" });
        const report = await applyRun({ items: plan.items, source, destination: dest, fingerprintKey: key, mappingHash, migrationId: settings.migrationId, concurrency: 2 });
        assert.equal(report.counts.created, 1, mount);
        const failed = report.items.find((i) => i.result === "failed");
        assert.equal(failed?.destinationName, "appear/one", mount);
        assert.match(failed?.error ?? "", /was absent when planned and now exists, not written by this migration; nothing was overwritten/, mount);
        const kept = mount === "kv2" ? await data(b, "kv2/data/appear/appear/one") : await v1(b, "kv1/appear/appear/one");
        assert.deepEqual(kept, { v: "someone-else" }, `${mount}: the stranger's secret survives`);
        if (mount === "kv2") assert.equal((await meta(b, "kv2/metadata/appear/appear/one")).custom_metadata, null, "kv2: its metadata is untouched (no markers of ours)");
        // The next run plans it again: now it is someone else's, and `existing: fail` refuses it.
        const again = await planRun(source, dest, settings, key);
        assert.deepEqual(again.plan.items.filter((i) => i.action !== "skip").map((i) => [i.destinationName, i.action]), [["appear/one", "refuse"]], mount);
        assertNoSecrets({ report: JSON.stringify(report) }, seeded);
      } finally {
        await dest.close();
      }
    }
    await source.close();
  });

  it("refuses a destination path it did not write, naming it (the component fails the preview on it)", async () => {
    await vaultRequest(b, "POST", "kv2/data/foreign/app/api", { data: { token: "not-ours" } });
    const settings = withDefaults({ migrationId: "test/foreign", mount: "secret", prefix: "app/", rules: [{ match: "**", name: "{path}" }], concurrency: 4 });
    const source = await VaultSource.open({ address: a.address, auth: { method: "token", token: a.rootToken } }, settings);
    const dest = createVaultDestination({ connection: { address: b.address, auth: { method: "token", token: b.rootToken } }, mount: "kv2", prefix: "foreign", fingerprintKey: key });
    try {
      const { plan } = await planRun(source, dest, settings, key, { checkValues: true });
      const refused = plan.items.filter((i) => i.action === "refuse");
      assert.deepEqual(refused.map((i) => [i.destinationName, i.reason]), [["app/api", "destination exists and was not created by this migration"]]);
      assert.deepEqual(plan.items.filter((i) => i.action === "create").map((i) => i.destinationName), ["app/db"]);
    } finally {
      await Promise.all([source.close(), dest.close()]);
    }
    assert.equal((await meta(b, "kv2/metadata/foreign/app/api")).current_version, 1);
  });

  it("copies stamped before fingerprints bound the source path (version 1) are in sync, not hand edits; the next write restamps them, KV v2 without a new data version", async () => {
    const settings = withDefaults({ migrationId: "test/legacy", mount: "kv1", prefix: "legacy/", rules: identity.rules, concurrency: 4 });
    const source = await VaultSource.open({ address: a.address, auth: { method: "token", token: a.rootToken } }, settings);
    const open = (mount: string, prefix: string): ReturnType<typeof createVaultDestination> => createVaultDestination({ connection: { address: b.address, auth: { method: "token", token: b.rootToken } }, mount, prefix, fingerprintKey: key });
    const dests = { v2: open("kv2", "legacy2"), v1: open("kv1", "legacy1") };
    const names = ["legacy/ldap", "legacy/smtp"];
    const marker = { v2: (n: string) => `kv2/metadata/legacy2/${n}`, v1: (n: string) => `kv1/legacy1/.vault-migration/${n}` };
    try {
      for (const d of Object.values(dests)) {
        const p = await planRun(source, d, settings, key);
        await applyRun({ items: p.plan.items, source, destination: d, fingerprintKey: key, mappingHash: p.mappingHash, migrationId: settings.migrationId, concurrency: 2 });
      }
      // What an earlier release wrote: the marker of the value alone.
      const sourceData = Object.fromEntries(await Promise.all(names.map(async (n) => [n, await v1(a, `kv1/${n}`)] as const)));
      for (const n of names) {
        const legacy = contentFingerprint(key, sourceData[n] as Record<string, string>);
        const m = await meta(b, marker.v2(n));
        await vaultRequest(b, "POST", marker.v2(n), { custom_metadata: { ...m.custom_metadata, "migration-fingerprint": legacy } });
        await vaultRequest(b, "POST", marker.v1(n), { ...(await v1(b, marker.v1(n))), "migration-fingerprint": legacy });
      }
      const versionsBefore = await snapshot(b, names.map((n) => `kv2/metadata/legacy2/${n}`));
      for (const [kind, d] of Object.entries(dests)) {
        const { plan } = await planRun(source, d, settings, key);
        assert.deepEqual(plan.items.map((i) => `${i.destinationName}: ${i.action} ${i.reason}`), [], `${kind}: the upgrade rewrites nothing`);
        assert.equal(plan.inSync, 2, `${kind}: both copies in sync`);
      }
      // A mapping change makes the next run write them: the current marker replaces the old one.
      const changed = withDefaults({ ...settings, expiryKey: "expires" });
      for (const d of Object.values(dests)) {
        const p = await planRun(source, d, changed, key);
        assert.deepEqual(p.plan.items.map((i) => i.reason), ["mapping changed", "mapping changed"]);
        const report = await applyRun({ items: p.plan.items, source, destination: d, fingerprintKey: key, mappingHash: p.mappingHash, migrationId: settings.migrationId, concurrency: 2 });
        assert.equal(report.counts.failed, 0, JSON.stringify(report.items));
      }
      assert.equal(await snapshot(b, names.map((n) => `kv2/metadata/legacy2/${n}`)).then((s) => JSON.parse(s).map((x: unknown[]) => x[1]).join()), JSON.parse(versionsBefore).map((x: unknown[]) => x[1]).join(), "KV v2: metadata only, no new data version");
      for (const n of names) {
        const current = fingerprint(key, `kv1/${n}`, sourceData[n] as Record<string, string>);
        assert.equal((await meta(b, marker.v2(n))).custom_metadata?.["migration-fingerprint"], current, `${n} restamped (KV v2)`);
        assert.equal((await v1(b, marker.v1(n)))["migration-fingerprint"], current, `${n} restamped (KV v1)`);
      }
    } finally {
      await Promise.all([source.close(), dests.v2.close(), dests.v1.close()]);
    }
  });
});
