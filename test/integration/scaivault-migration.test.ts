// ScaiVaultMigration through the real engine (CLI + language host, see
// test/support/vaultMigrationProgram.ts), a real OpenBao source and the ScaiVault contract double.
// One stack serves every assertion: a seed-001 subtree copy with tags, description and
// max_versions; a paced copy with a time budget that stops, reports the rest pending and resumes
// to completion without a duplicate version; a re-run that writes nothing; collisions after
// mapping and writes under a proxy-mode mapping refused at preview with nothing written; and the
// leak scan of state, output and reports.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { ScaiVaultMigrationArgs } from "../../src/components/ScaiVaultMigration";
import { ScaiVaultClient } from "../../src/clients/scaivault";
import type { MigrationSummary } from "../../src/resources/SecretMigration";
import { startScaiVaultDouble, type ScaiVaultDouble } from "../doubles/scaivault";
import { repoRoot } from "../support/migration";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";
import { vaultMigrationStack, type VaultMigrationParams } from "../support/vaultMigrationProgram";

describe("ScaiVaultMigration (real engine, real OpenBao, ScaiVault double)", function () {
  this.timeout(600_000);
  let bao: OpenBaoServer;
  let sv: ScaiVaultDouble;
  let svToken: string;
  let admin: ScaiVaultClient;
  let t: TestStack;
  const key = randomBytes(32).toString("base64");
  const seeded: string[] = [];
  const reportDir = path.join(repoRoot, ".state", "test", `sv-reports-${randomBytes(3).toString("hex")}`);
  const val = (label: string): string => {
    const v = `sv-seed-${label}-${randomBytes(6).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const BULK = 6;
  let params: VaultMigrationParams = [];

  const puts = (prefix: string): number => sv.requests().filter((r) => r.op === "putSecret" && r.status < 300 && (r.arg ?? "").startsWith(prefix)).length;
  const summaries = (outputs: Record<string, { value: unknown }>): Record<string, MigrationSummary> =>
    Object.fromEntries(Object.entries(outputs).map(([k, v]) => [k, (v.value as { summary: MigrationSummary }).summary]));

  before(async () => {
    fs.mkdirSync(reportDir, { recursive: true });
    [bao, sv] = await Promise.all([startOpenBaoDev(), startScaiVaultDouble({ limits: { write: 100 } })]);
    svToken = sv.issueToken(["secrets:read", "secrets:write", "secrets:list", "secrets:delete", "federation:read"], "sa:migration");
    seeded.push(svToken, bao.rootToken, key);
    admin = new ScaiVaultClient({ url: sv.url, token: sv.issueToken(["admin"], "sa:admin"), pacing: false });
    await vaultRequest(bao, "POST", "kv2/data/apps/billing/db", { data: { user: "billing", password: val("db") } });
    await vaultRequest(bao, "POST", "kv2/data/apps/billing/stripe", { data: { key: val("stripe") } });
    for (let i = 0; i < BULK; i++) await vaultRequest(bao, "POST", `kv2/data/bulk/s${i}`, { data: { v: val(`bulk-${i}`) } });
    await vaultRequest(bao, "POST", "kv2/data/bad/Team/DB", { data: { v: val("upper") } });
    await vaultRequest(bao, "POST", "kv2/data/bad/team/db", { data: { v: val("lower") } });
    await vaultRequest(bao, "POST", "kv2/data/bad/proxied/x", { data: { v: val("proxied") } });
    // Seed 001 §4: a proxy-mode backend fronting `external/hashicorp/**`.
    await admin.putSecret("infra/hashicorp/approle", { data: { role_id: "r", secret_id: "s" }, secret_type: "json" });
    await admin.createBackend({ name: "hashicorp-production", type: "hashicorp-vault", config: { endpoint: bao.address, auth_method: "approle", auth_config_path: "infra/hashicorp/approle", tls_verify: true }, path_mapping: { "external/hashicorp/**": "kv2/data/**" }, mode: "proxy" });

    const conn = { address: bao.address, auth: { method: "token" as const, token: bao.rootToken } };
    const common = (over: Partial<ScaiVaultMigrationArgs>): ScaiVaultMigrationArgs => ({ source: { connection: conn, mount: "kv2" }, destination: { url: sv.url }, token: svToken, fingerprintKey: key, ...over }) as ScaiVaultMigrationArgs;
    params = [
      {
        name: "billing",
        kind: "scaivault",
        args: common({
          source: { connection: conn, mount: "kv2", prefix: "apps/billing" },
          destination: { url: sv.url, tags: ["migrated-from-vault", "team-billing"], maxVersions: 5 },
          mapping: { rules: [{ match: "apps/billing/db", name: "environments/production/billing/database" }, { match: "apps/billing/*", name: "environments/production/billing/{1}" }] },
          reportPath: path.join(reportDir, "billing"),
        }),
      },
      {
        name: "bulk",
        kind: "scaivault",
        // Two writes a second, a one-second budget: a run cannot copy all six.
        args: common({ source: { connection: conn, mount: "kv2", prefix: "bulk" }, destination: { url: sv.url, pacing: { writeLimit: 2, windowMs: 1000, headroom: 1 } }, maxDuration: "1s", concurrency: 2, reportPath: path.join(reportDir, "bulk") }),
      },
    ];
    t = await vaultMigrationStack("scaivault", () => params);
  });
  after(async () => {
    await t?.remove();
    await admin?.close();
    await Promise.all([sv?.stop(), bao?.stop()]);
    fs.rmSync(reportDir, { recursive: true, force: true });
  });

  it("preview lists every secret and writes nothing", async () => {
    sv.resetRequests();
    const p = await t.preview();
    const out = p.stdout + t.output.join("");
    assert.match(out, /kv2\/apps\/billing\/db → environments\/production\/billing\/database\s*: "create v1: new in source"/);
    assert.match(out, /kv2\/bulk\/s0 → kv2\/bulk\/s0\s*: "create v1: new in source"/);
    assert.equal(puts(""), 0, "no PUT at preview");
  });

  it("up copies the subtree with tags, description and max_versions; the time-boxed copy stops cleanly with the rest pending; later ups continue to completion, each secret written once", async () => {
    sv.resetRequests();
    const first = await t.up();
    const s1 = summaries(first.outputs as Record<string, { value: unknown }>);
    assert.equal(s1.billing?.created, 2);
    assert.ok((s1.bulk?.pending ?? 0) > 0, `the budget stopped the bulk copy: ${JSON.stringify(s1.bulk)}`);
    assert.equal((s1.bulk?.created ?? 0) + (s1.bulk?.pending ?? 0), BULK);
    assert.equal(s1.bulk?.failed, 0);
    assert.match(t.output.join(""), /time budget \(maxDuration\) used up: \d+ secret\(s\) pending/);
    const db = await admin.getSecret("environments/production/billing/database");
    const src = (await vaultRequest<{ data: { data: Record<string, string> } }>(bao, "GET", "kv2/data/apps/billing/db"))!.data.data;
    assert.deepEqual(db?.data, src, "the copy reads back equal (seed 001's diff, built in)");
    assert.equal(db?.metadata?.description, "Migrated from vault: kv2/apps/billing/db");
    assert.deepEqual(db?.metadata?.tags?.slice(0, 2), ["migrated-from-vault", "team-billing"]);
    assert.ok(db?.metadata?.tags?.includes("migration-id=test/billing") || db?.metadata?.tags?.some((x) => x.startsWith("migration-id=")), "markers as tags");
    assert.equal(sv.store.secrets.get("environments/production/billing/database")?.maxVersions, 5);
    assert.equal(sv.store.secrets.get("environments/production/billing/database")?.secretType, "json");

    let runs = 1;
    let last = s1.bulk as MigrationSummary;
    while ((last.pending ?? 0) > 0) {
      assert.ok(runs < 8, "the copy converges");
      const before = last.pending as number;
      const next = summaries((await t.up()).outputs as Record<string, { value: unknown }>);
      last = next.bulk as MigrationSummary;
      assert.ok((last.pending ?? 0) < before || (last.created ?? 0) > 0, "each run moves on");
      runs++;
    }
    for (let i = 0; i < BULK; i++) assert.deepEqual(sv.versionsOf(`kv2/bulk/s${i}`), [1], `kv2/bulk/s${i}: one version, no duplicate`);
    assert.equal(puts("kv2/bulk/"), BULK, "each bulk secret PUT exactly once over all runs");
    assert.equal(puts("environments/"), 2, "the finished subtree was not written again while the bulk copy resumed");
  });

  it("a no-change re-run makes zero PUTs and shows no changes", async () => {
    sv.resetRequests();
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), {});
    assert.equal(puts(""), 0);
  });

  it("collisions after mapping (Team/DB and team/db) and a write under a proxy-mode mapping are refused at preview, naming both paths and the backend; nothing is written", async () => {
    const conn = { address: bao.address, auth: { method: "token" as const, token: bao.rootToken } };
    const good = params;
    params = [...good, { name: "bad", kind: "scaivault", args: { source: { connection: conn, mount: "kv2", prefix: "bad" }, destination: { url: sv.url }, token: svToken, fingerprintKey: key, mapping: { rules: [{ match: "bad/proxied/**", name: "external/hashicorp/{1}" }] } } }];
    sv.resetRequests();
    try {
      await assert.rejects(t.preview(), (e: Error) => {
        const m = e.message;
        assert.match(m, /kv2\/bad\/Team\/DB/);
        assert.match(m, /kv2\/bad\/team\/db/);
        assert.match(m, /hashicorp-production/);
        return true;
      });
      assert.equal(puts(""), 0, "nothing written");
    } finally {
      params = good;
    }
  });

  it("leak scan: no seeded value, token or key in state, engine output or reports", async () => {
    const texts: Record<string, string> = { state: await t.exportState(), output: t.output.join("\n") };
    for (const f of fs.readdirSync(reportDir)) texts[`report ${f}`] = fs.readFileSync(path.join(reportDir, f), "utf8");
    assert.ok(Object.keys(texts).some((k) => k.startsWith("report ")), "reports were written");
    assertNoSecrets(texts, seeded);
  });
});
