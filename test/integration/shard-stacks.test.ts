// Sharded stacks end to end: `npm run shard`'s script discovers the shards of a description (one
// per folder under the migration's prefix) from a real OpenBao source and writes their stack files
// into stacks/; the stack program (index.ts) then runs both stacks' `pulumi up` through the real
// engine at the same time, as a CI matrix's jobs would, into a second real OpenBao. Checked: each
// stack its own state, lock and reports; together they copy the tree exactly once, each copy
// owned by its shard's migration; a second parallel up writes nothing; `--check` finds the files
// current after Pulumi added its encryption salt to them; no seeded value in any output, state or report.
// And the script's other discoveries against the same real source: mounts, namespaces, and a
// secret right under a discovered prefix refused.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";
import type { MigrationSummary } from "../../src/resources/SecretMigration";
import { mountKv, startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, wrapStack, type TestStack } from "../support/pulumi";

interface ScriptRun {
  code: number;
  stdout: string;
  stderr: string;
}

describe("sharded stacks (npm run shard): two shard stacks' up in parallel against one OpenBao source and one OpenBao destination", function () {
  this.timeout(180_000);
  const id = randomBytes(3).toString("hex");
  const base = `shardtest-${id}`;
  const dir = path.join(repoRoot, ".state", "test", base);
  const descriptionFile = path.join(dir, "shards.json");
  const reportDir = path.join(dir, "reports");
  const stackNames = [`${base}-billing`, `${base}-web`];
  const stackFiles = stackNames.map((s) => path.join(repoRoot, "stacks", `Pulumi.${s}.yaml`));
  const seeded: string[] = [];
  const texts: Record<string, string> = {};
  let source: OpenBaoServer;
  let destination: OpenBaoServer;
  let env: Record<string, string>;
  const stacks: TestStack[] = [];

  /** The generator as a pipeline runs it (`npm run shard -- …`), with the source's address and token. */
  const shard = (...args: string[]): Promise<ScriptRun> => shardWith(descriptionFile, ...args);
  const shardWith = (file: string, ...args: string[]): Promise<ScriptRun> =>
    new Promise((resolve) =>
      execFile(process.execPath, ["--import", "tsx", "scripts/shard.ts", path.relative(repoRoot, file), ...args], { cwd: repoRoot, env: { ...process.env, VAULT_ADDR: source.address, VAULT_TOKEN: source.rootToken } }, (err, stdout, stderr) =>
        resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr }),
      ),
    );

  /** Every copy under the destination's `migrated/`: path → [version, migration id marker]. */
  async function copies(): Promise<Map<string, [number, string]>> {
    const out = new Map<string, [number, string]>();
    const walk = async (p: string): Promise<void> => {
      const listed = await vaultRequest<{ data: { keys: string[] } }>(destination, "LIST", `copies/metadata/${p}`);
      for (const k of listed?.data?.keys ?? []) {
        if (k.endsWith("/")) await walk(`${p}${k}`);
        else {
          const md = await vaultRequest<{ data: { current_version: number; custom_metadata: Record<string, string> | null } }>(destination, "GET", `copies/metadata/${p}${k}`);
          const marker = Object.entries(md?.data?.custom_metadata ?? {}).find(([key]) => key.endsWith("migration-id"))?.[1] ?? "";
          out.set(`${p}${k}`.replace(/^migrated\//, ""), [md!.data.current_version, marker]);
        }
      }
    };
    await walk("migrated/");
    return out;
  }

  const summaryOf = (outputs: Record<string, { value: unknown }>): MigrationSummary => (outputs.migrationSummaries!.value as Record<string, MigrationSummary>).apps!;

  before(async () => {
    [source, destination] = await Promise.all([startOpenBaoDev({ namespaces: ["teams/a", "teams/b"] }), startOpenBaoDev()]);
    seeded.push(source.rootToken, destination.rootToken);
    await mountKv(source, "shsrc", 2);
    await mountKv(destination, "copies", 2);
    for (const p of ["apps/billing/db", "apps/billing/api", "apps/web/session", "apps/web/cookie/key", "other/admin"]) {
      const v = `SEEDVAL-shard-${randomBytes(10).toString("hex")}`;
      seeded.push(v);
      await vaultRequest(source, "POST", `shsrc/data/${p}`, { data: { value: v } });
    }
    fs.mkdirSync(dir, { recursive: true });
    // JSON this time (the example, stacks/apps.shards.yaml, is YAML); the folders are discovered.
    const description = {
      base,
      shardBy: "prefix",
      discover: true,
      migration: {
        name: "apps",
        source: { mount: "shsrc", prefix: "apps/", kvVersion: 2 },
        destination: { kind: "vault", mount: "copies", prefix: "migrated" },
        mapping: { rules: [{ match: "**", name: "{path}" }] },
      },
      reportDir: path.relative(repoRoot, reportDir),
    };
    fs.writeFileSync(descriptionFile, JSON.stringify(description, null, 2));
    const fingerprintKey = `fp-key-${randomBytes(16).toString("hex")}`;
    seeded.push(fingerprintKey);
    const eenv = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(repoRoot, ".state", "test", "home"), passphrase: `shard-${randomBytes(8).toString("hex")}` });
    // What each matrix job has: the source's and the destination's address and token, the fingerprint key.
    env = { ...eenv, VAULT_ADDR: source.address, VAULT_TOKEN: source.rootToken, DESTINATION_VAULT_ADDR: destination.address, DESTINATION_VAULT_TOKEN: destination.rootToken, VAULT_MIGRATION_FINGERPRINT_KEY: fingerprintKey };
  });

  after(async () => {
    for (const t of stacks) await t.stack.workspace.removeStack(t.stack.name, { force: true }).catch(() => undefined);
    for (const f of stackFiles) fs.rmSync(f, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    await Promise.all([source?.stop(), destination?.stop()]);
  });

  it("the generated stacks run at once, each with its own state, lock and reports, copy the tree exactly once, and converge", async () => {
    const generated = await shard();
    assert.equal(generated.code, 0, generated.stderr);
    assert.match(generated.stdout, new RegExp(`2 shard stack\\(s\\): ${stackNames.join(", ")}`));
    assert.ok(stackFiles.every((f) => fs.existsSync(f)), generated.stdout);

    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
    for (const stackName of stackNames) {
      const stack: Stack = await LocalWorkspace.createStack({ stackName, workDir: repoRoot }, { envVars: env, pulumiHome: env.PULUMI_HOME, pulumiCommand });
      stacks.push(wrapStack(stack, { workDir: repoRoot, env, dir }));
    }

    // Both updates at once: one shared lock or state would fail one of them.
    const first = await Promise.all(stacks.map((t) => t.up()));
    assert.deepEqual(first.map((r) => summaryOf(r.outputs)).map((s) => [s.created, s.updated, s.failed]), [[2, 0, 0], [2, 0, 0]]);
    const copied = await copies();
    assert.deepEqual([...copied.keys()].sort(), ["apps/billing/api", "apps/billing/db", "apps/web/cookie/key", "apps/web/session"], "the tree under apps/, once, and nothing else");
    for (const [p, [, owner]] of copied) assert.equal(owner, `${p.startsWith("apps/billing/") ? stackNames[0] : stackNames[1]}/apps`, `${p} is owned by its shard's migration`);

    // Each stack its own state (its own file in the backend) and reports.
    const stateDir = path.join(dir, "backend", ".pulumi", "stacks", "vault-migration");
    assert.deepEqual(fs.readdirSync(stateDir).filter((f) => f.endsWith(".json")).sort(), stackNames.map((s) => `${s}.json`));
    const reported = stackNames.map((s) => {
      const report = JSON.parse(fs.readFileSync(path.join(reportDir, s, "apps.json"), "utf8")) as { items: { sourcePath: string; result: string }[] };
      texts[`report ${s}`] = JSON.stringify(report);
      return report.items.map((i) => i.sourcePath).sort();
    });
    assert.deepEqual(reported, [["shsrc/apps/billing/api", "shsrc/apps/billing/db"], ["shsrc/apps/web/cookie/key", "shsrc/apps/web/session"]]);

    // Pulumi wrote its encryption salt into both files: not staleness.
    assert.ok(stackFiles.every((f) => /^encryptionsalt: /m.test(fs.readFileSync(f, "utf8"))));
    const check = await shard("--check");
    assert.equal(check.code, 0, check.stderr);

    // The re-run, both at once again: nothing written.
    const second = await Promise.all(stacks.map((t) => t.up()));
    assert.deepEqual(second.map((r) => summaryOf(r.outputs)).map((s) => [s.created, s.updated, s.deleted, s.inSync]), [[0, 0, 0, 2], [0, 0, 0, 2]]);
    assert.deepEqual(await copies(), copied, "no copy got a new version");

    for (const t of stacks) {
      texts[`output ${t.stack.name}`] = t.output.join("");
      texts[`state ${t.stack.name}`] = await t.exportState();
    }
    texts.generator = generated.stdout + generated.stderr;
    assertNoSecrets(texts, seeded);
  });

  it("discovery against the real source: KV mounts from sys/mounts, child namespaces from sys/namespaces; a secret right under the prefix is refused", async () => {
    await mountKv(source, "strays", 1);
    await vaultRequest(source, "POST", "strays/top/leaf", { value: "x-not-a-secret" });
    await vaultRequest(source, "POST", "strays/top/team/key", { value: "x-not-a-secret" });
    const describe = async (name: string, d: Record<string, unknown>): Promise<ScriptRun> => {
      const file = path.join(dir, `${name}.yaml`);
      fs.writeFileSync(file, JSON.stringify({ base: name, migration: { name: "m" }, ...d }));
      return shardWith(file, "--list");
    };
    const mounts = await describe("kv", { shardBy: "mount", discover: { exclude: ["secret"] } });
    assert.equal(mounts.code, 0, mounts.stderr);
    // Every KV mount of the server (the dev server has its own besides these), secret/ excluded, nothing else.
    const all = await vaultRequest<{ data: Record<string, { type: string }> }>(source, "GET", "sys/mounts");
    const kvMounts = Object.entries(all!.data).filter(([, m]) => m.type === "kv").map(([p]) => p.replace(/\/$/, "")).filter((m) => m !== "secret").sort();
    assert.ok(kvMounts.includes("shsrc") && kvMounts.includes("strays"), kvMounts.join(", "));
    assert.deepEqual(JSON.parse(mounts.stdout), kvMounts.map((m) => `kv-${m}`), "the KV mounts, not sys/, identity/ or cubbyhole/, and not the excluded secret/");
    const namespaces = await describe("ns", { shardBy: "namespace", discover: true, vault: { namespace: "teams" }, migration: { name: "m", source: { mount: "secret" } } });
    assert.equal(namespaces.code, 0, namespaces.stderr);
    assert.deepEqual(JSON.parse(namespaces.stdout), ["ns-a", "ns-b"]);
    const strays = await describe("st", { shardBy: "prefix", discover: true, migration: { name: "m", source: { mount: "strays", prefix: "top" } } });
    assert.equal(strays.code, 1, strays.stdout);
    assert.match(strays.stderr, /1 secret\(s\) directly under strays\/top\/ would belong to no shard/);
  });
});
