// Migrations into Infisical through the real engine (InfisicalMigration programs run by the CLI and
// language host) from a real OpenBao dev server into the Infisical contract double: both project
// mappings and a rule set in one stack, a re-run that writes nothing, a changed secret as one
// pending line, preview refusals with nothing written, and a leak scan of state, output and reports.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import type { InfisicalMigrationArgs } from "../../src/components/InfisicalMigration";
import { repoRoot } from "../../scripts/lib/engine";
import { startInfisicalDouble, type InfisicalDouble } from "../doubles/infisical";
import { plannedLines } from "../support/migration";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, type TestStack } from "../support/pulumi";
import { infisicalMigrationStack, type InfisicalMigrationParams } from "../support/infisicalMigrationProgram";

describe("InfisicalMigration (engine, OpenBao → Infisical double)", function () {
  this.timeout(600_000);
  let bao: OpenBaoServer;
  let inf: InfisicalDouble;
  let stack: TestStack;
  let identity: { clientId: string; clientSecret: string };
  const seeded: string[] = [];
  const fingerprintKey = randomBytes(32).toString("base64");
  const reportDir = path.join(repoRoot, ".state", "test", `infisical-reports-${randomBytes(3).toString("hex")}`);
  const val = (label: string): string => {
    const v = `s33d-${label}-${randomBytes(6).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const put2 = (p: string, data: Record<string, string>): Promise<unknown> => vaultRequest(bao, "POST", `kv2/data/${p}`, { data });
  const put1 = (p: string, data: Record<string, string>): Promise<unknown> => vaultRequest(bao, "POST", `kv1/${p}`, data);
  const stored = (project: string, env: string, folder: string, key: string): string | undefined => inf.store.peek(project, env, folder, key)?.value;

  let extraKv2Rules: InfisicalMigrationArgs["mapping"] | undefined;
  const params = (): InfisicalMigrationParams => {
    const common = (name: string) => ({
      fingerprintKey,
      auth: { method: "universal-auth" as const, ...identity },
      reportPath: path.join(reportDir, name),
    });
    const source = (mount: string, prefix: string) => ({ connection: { address: bao.address, auth: { method: "token" as const, token: bao.rootToken } }, mount, prefix });
    return [
      // Seed 000's "key-vault" mapping: one project per KV mount (kv2 → kv2-vault), environment production.
      { name: "bymount", args: { ...common("bymount"), source: source("kv2", "apps"), destination: { siteUrl: inf.siteUrl, projectMapping: "mount" } } },
      // Seed 000's "namespace" mapping: the namespace's project, one environment per mount (kv1), KV v1.
      { name: "byns", args: { ...common("byns"), source: source("kv1", "svc"), destination: { siteUrl: inf.siteUrl, projectMapping: "namespace", project: "root-ns" } } },
      // Explicit rules: a glob to a project, environment and folder of one's choosing.
      {
        name: "ruled",
        args: {
          ...common("ruled"),
          source: source("kv2", "team"),
          destination: { siteUrl: inf.siteUrl, layout: "json" },
          mapping: extraKv2Rules ?? { rules: [{ match: "team/*/creds", name: "payments:stage:/from-vault/{1}" }] },
        },
      },
    ];
  };

  before(async () => {
    bao = await startOpenBaoDev();
    inf = await startInfisicalDouble();
    identity = inf.createIdentity();
    seeded.push(identity.clientSecret, bao.rootToken, fingerprintKey);
    fs.mkdirSync(reportDir, { recursive: true });
    await put2("apps/web/db", { user: val("user"), pass: val("pass") });
    await put2("apps/web/api", { token: val("api") });
    await put1("svc/queue", { url: val("queue") });
    await put2("team/alpha/creds", { id: val("alpha-id"), secret: val("alpha-secret") });
    stack = await infisicalMigrationStack("infisical-migration", params);
  });
  after(async () => {
    await stack?.remove();
    await inf?.stop();
    await bao?.stop();
    fs.rmSync(reportDir, { recursive: true, force: true });
  });

  it("copies with both project mappings and a rule set, finds its projects again, and a re-run writes nothing", async () => {
    const preview = await stack.preview();
    const lines = plannedLines(preview.stdout);
    assert.deepEqual([...lines.entries()].sort(), [
      ["kv1/svc/queue", "create: new in source"],
      ["kv2/apps/web/api", "create: new in source"],
      ["kv2/apps/web/db", "create: new in source"],
      ["kv2/team/alpha/creds", "create: new in source"],
    ]);
    assert.equal(inf.writes(), 0, "a preview writes nothing");
    await stack.up();
    // mount mapping: a multi-key secret is a folder of keys, a one-key secret one key.
    assert.ok(stored("kv2-vault", "production", "/apps/web/db", "user")?.startsWith("s33d-user-"));
    assert.ok(stored("kv2-vault", "production", "/apps/web/db", "pass")?.startsWith("s33d-pass-"));
    assert.ok(stored("kv2-vault", "production", "/apps/web", "api")?.startsWith("s33d-api-"));
    // namespace mapping: the mount is the environment.
    assert.ok(stored("root-ns", "kv1", "/svc", "queue")?.startsWith("s33d-queue-"));
    // the rule's explicit target, layout json.
    const creds = JSON.parse(stored("payments", "stage", "/from-vault", "alpha") ?? "{}") as Record<string, string>;
    assert.deepEqual(Object.keys(creds).sort(), ["id", "secret"]);
    assert.deepEqual(inf.store.projects.map((p) => p.slug).sort(), ["kv2-vault", "payments", "root-ns"], "one project each, none duplicated");

    inf.resetCounters();
    const again = await stack.up();
    assert.deepEqual(changes(again.summary.resourceChanges), {}, "no change");
    assert.equal(inf.writes(), 0, "no write on a no-change run");
    assert.equal(inf.store.projects.length, 3, "the projects were found again, not created anew");
  });

  it("a changed source secret is exactly one pending line, and up writes it", async () => {
    // The new value holds `${…}`: the preview warns about it (path and key, not the value) before up.
    await put2("apps/web/api", { token: `${val("api2")}/\${REF_HOST}` });
    const preview = await stack.preview();
    const lines = plannedLines(preview.stdout);
    assert.deepEqual([...lines.entries()], [["kv2/apps/web/api", "update: source version changed"]]);
    // The engine prints a program's log lines on stderr.
    assert.match(preview.stderr, /warning: .*secret 'kv2-vault\/production\/apps\/web\/api': key "api" holds \$\{…\}/);
    inf.resetCounters();
    await stack.up();
    assert.ok(stored("kv2-vault", "production", "/apps/web", "api")?.startsWith("s33d-api2-"));
    assert.equal(inf.writes(), 1, "one key written");
  });

  it("refuses at preview, naming each, with nothing written: a whitespace-edged value, two sources on one name, two keys on one Infisical key", async () => {
    await put2("apps/pad", { value: ` ${val("padded")}` });
    await put2("apps/x.y", { value: val("dot") });
    await put2("apps/x-y", { value: val("dash") });
    await put2("apps/keys", { "a:b": val("colon"), "a/b": val("slash") });
    inf.resetCounters();
    await assert.rejects(stack.preview(), (e: Error) => {
      assert.match(e.message, /kv2\/apps\/pad: the value of key "pad" starts or ends with whitespace/);
      assert.match(e.message, /kv2\/apps\/x\.y/);
      assert.match(e.message, /kv2\/apps\/x-y/);
      assert.match(e.message, /keys "a\/b" and "a:b" both become Infisical key "a_b"/);
      return true;
    });
    await assert.rejects(stack.up());
    assert.equal(inf.writes(), 0, "nothing written by the refused preview and up");
    for (const p of ["apps/pad", "apps/x.y", "apps/x-y", "apps/keys"]) await vaultRequest(bao, "DELETE", `kv2/metadata/${p}`);
    assert.deepEqual(changes((await stack.up()).summary.resourceChanges), {}, "converged once the sources are fixed");
  });

  it("leak scan: no seeded value, client secret or access token in state, engine output or reports", async () => {
    const texts: Record<string, string> = { "engine output": stack.output.join(""), "state export": await stack.exportState() };
    for (const f of fs.readdirSync(reportDir)) texts[`report ${f}`] = fs.readFileSync(path.join(reportDir, f), "utf8");
    assert.ok(Object.keys(texts).length >= 8, "reports were written");
    assertNoSecrets(texts, [...seeded, ...inf.issuedTokens()]);
  });
});

describe("InfisicalMigration (engine): a run that outlives its access token and meets 429s", function () {
  this.timeout(600_000);
  let bao: OpenBaoServer;
  let inf: InfisicalDouble;
  let stack: TestStack;
  const seeded: string[] = [];
  const fingerprintKey = randomBytes(32).toString("base64");
  const reportDir = path.join(repoRoot, ".state", "test", `infisical-long-${randomBytes(3).toString("hex")}`);

  before(async () => {
    bao = await startOpenBaoDev();
    // Tokens live 2 s (renewable to 4 s): a run of some seconds renews and logs in again mid-run.
    // 30 secrets requests per 2 s window and no pacing on our side: the run meets 429s.
    inf = await startInfisicalDouble({ tokenTtlSeconds: 2, tokenMaxTtlSeconds: 4, plan: { secretsPerMinute: 30 }, rateWindowMs: 2_000 });
    const identity = inf.createIdentity();
    seeded.push(identity.clientSecret, bao.rootToken, fingerprintKey);
    fs.mkdirSync(reportDir, { recursive: true });
    for (let i = 0; i < 40; i++) {
      const v = `s33d-long-${i}-${randomBytes(6).toString("hex")}`;
      seeded.push(v);
      await vaultRequest(bao, "POST", `kv2/data/bulk/s${i}`, { data: { value: v } });
    }
    stack = await infisicalMigrationStack("infisical-long", () => [
      {
        name: "long",
        args: {
          fingerprintKey,
          auth: { method: "universal-auth" as const, ...identity },
          reportPath: path.join(reportDir, "long"),
          concurrency: 8,
          source: { connection: { address: bao.address, auth: { method: "token" as const, token: bao.rootToken } }, mount: "kv2", prefix: "bulk" },
          destination: { siteUrl: inf.siteUrl, pacing: false },
        },
      },
    ]);
  });
  after(async () => {
    await stack?.remove();
    await inf?.stop();
    await bao?.stop();
    fs.rmSync(reportDir, { recursive: true, force: true });
  });

  it("copies everything: tokens renewed or re-acquired mid-run, 429s ridden out; a re-run writes nothing; nothing secret leaks", async () => {
    inf.resetCounters();
    await stack.up();
    const keys = [...(inf.store.projects.find((p) => p.slug === "kv2-vault")?.environments.find((e) => e.slug === "production")?.secrets.keys() ?? [])];
    assert.equal(keys.length, 40, "every secret copied");
    const c = inf.counters();
    assert.ok(inf.throttled() > 0, "the run met 429s");
    assert.ok((c["POST /api/v1/auth/token/renew"] ?? 0) + (c["POST /api/v1/auth/universal-auth/login"] ?? 0) > 2, `tokens renewed or re-acquired: ${JSON.stringify(c)}`);
    const report = JSON.parse(fs.readFileSync(path.join(reportDir, "long.json"), "utf8")) as { counts: Record<string, number> };
    assert.equal(report.counts.failed ?? 0, 0, "no secret failed");
    inf.resetCounters();
    const again = await stack.up();
    assert.deepEqual(changes(again.summary.resourceChanges), {});
    assert.equal(inf.writes(), 0, "no write on a no-change run");
    assertNoSecrets({ output: stack.output.join(""), state: await stack.exportState(), report: fs.readFileSync(path.join(reportDir, "long.json"), "utf8") }, [...seeded, ...inf.issuedTokens()]);
  });
});
