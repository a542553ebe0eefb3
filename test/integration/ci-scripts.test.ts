// scripts/ci.ts end to end: a stack of the repository's own project (stacks/Pulumi.citest-<id>.yaml)
// against a real OpenBao dev server and the Key Vault double, the script run as a child process the
// way a pipeline runs it. Checks the exit-code contract (0 clean, 2 changes pending, 1 refused or
// error), the Markdown, and that no seeded value (nor its SHA-256) is ever printed.
import * as assert from "node:assert/strict";
import { execFile, execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import { LocalWorkspace, PulumiCommand } from "@pulumi/pulumi/automation";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";
import { startKeyVaultDouble, staticTokenCredential, type KeyVaultDouble } from "../doubles/keyvault";
import { mountKv, startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets } from "../support/pulumi";

interface CiRun {
  code: number;
  stdout: string;
  stderr: string;
  markdown: string;
}

/** Table rows of one action in the Markdown: `[migration, sourcePath, destination, reason]`. */
function rows(markdown: string, action: string): string[][] {
  return markdown
    .split("\n")
    // Secret rows only (action | migration | `source` | `destination` | reason), not resource steps.
    .filter((l) => new RegExp(`^\\| ${action}( v\\d+)? \\| [^|\`]+ \\| \``).test(l))
    .map((l) =>
      l
        .slice(1, -1)
        .split(" | ")
        .map((c) => c.trim().replace(/^`|`$/g, ""))
        .slice(1),
    );
}

describe("scripts/ci.ts: preview, up and drift on a stack of this project (OpenBao → Key Vault double)", function () {
  const id = randomBytes(3).toString("hex");
  const stackName = `citest-${id}`;
  const stackFile = path.join(repoRoot, "stacks", `Pulumi.${stackName}.yaml`);
  const dir = path.join(repoRoot, ".state", "test", stackName);
  const passphrase = `ci-test-${randomBytes(8).toString("hex")}`;
  const texts: Record<string, string> = {};
  const seeded: string[] = [];
  let bao: OpenBaoServer;
  let kv: KeyVaultDouble;
  let client: SecretClient;
  let env: NodeJS.ProcessEnv;
  let kvToken: string;
  let runs = 0;

  /** The engine's CLI on this stack, as a user runs it (`pulumi config set …`, `pulumi stack export`). */
  const pulumiCli = (...args: string[]): string => execFileSync(path.join(engineBinDir(), "pulumi"), [...args, "--stack", stackName, "--non-interactive"], { cwd: repoRoot, env, encoding: "utf8", maxBuffer: 1 << 30 });

  const value = (label: string): string => {
    const v = `SEEDVAL-ci-${label}-${randomBytes(8).toString("hex")}`;
    seeded.push(v);
    return v;
  };

  /** Runs the script as a pipeline would; never blocks this process (the double serves from it). */
  function ci(mode: "preview" | "up" | "drift"): Promise<CiRun> {
    const out = path.join(dir, `run-${++runs}-${mode}.md`);
    return new Promise((resolve) => {
      execFile(process.execPath, ["--import", "tsx", "scripts/ci.ts", mode, "--stack", stackName, "--out", out], { cwd: repoRoot, env, maxBuffer: 64 << 20 }, (err, stdout, stderr) => {
        const code = err ? (typeof (err as { code?: unknown }).code === "number" ? ((err as { code: number }).code) : -1) : 0;
        const markdown = fs.existsSync(out) ? fs.readFileSync(out, "utf8") : "";
        texts[`run ${runs} ${mode} stdout`] = stdout;
        texts[`run ${runs} ${mode} stderr`] = stderr;
        texts[`run ${runs} ${mode} markdown`] = markdown;
        resolve({ code, stdout, stderr, markdown });
      });
    });
  }

  before(async function () {
    bao = await startOpenBaoDev();
    kv = await startKeyVaultDouble({ deleteDelayMs: 100, recoverDelayMs: 100 });
    const token = kv.issueToken();
    kvToken = token;
    const fingerprintKey = `fp-key-${randomBytes(16).toString("hex")}`;
    seeded.push(token, fingerprintKey, bao.rootToken);
    client = new SecretClient(kv.vaultUrl, staticTokenCredential(token), {
      tlsOptions: { ca: kv.caCertPem },
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 },
    });
    fs.mkdirSync(dir, { recursive: true });
    const caFile = path.join(dir, "keyvault-ca.pem");
    fs.writeFileSync(caFile, kv.caCertPem);

    await mountKv(bao, "ciapps", 2);
    await mountKv(bao, "cilegacy", 1);
    for (const [p, k] of [
      ["apps/billing/db", "password"],
      ["apps/web/session", "secret"],
      ["apps/web/api", "key"],
    ]) {
      await vaultRequest(bao, "POST", `ciapps/data/${p}`, { data: { [k]: value(p) } });
    }
    await vaultRequest(bao, "POST", "cilegacy/infra/ldap", { bind_password: value("ldap") });

    // Like stacks/Pulumi.local.yaml, without the reader (created by the first up, it would leave
    // the first preview's plan unknown) and the Vault-to-Vault migration.
    fs.writeFileSync(
      stackFile,
      [
        "# Made by test/integration/ci-scripts.test.ts; removed after the test.",
        "config:",
        "  vault-migration:migrations:",
        "    - name: apps-to-keyvault",
        "      source: { mount: ciapps, prefix: apps/ }",
        "      destination: { disableChallengeResourceVerification: true }",
        "      credential: { type: accessToken }",
        "      mapping:",
        "        rules:",
        '          - { match: "apps/*/*", name: "app-{1}-{2}" }',
        `      reportPath: .state/test/${stackName}/reports/apps`,
        "    - name: legacy-to-keyvault",
        "      source: { mount: cilegacy }",
        "      destination: { disableChallengeResourceVerification: true }",
        "      credential: { type: accessToken }",
        "",
      ].join("\n"),
    );
    const eenv = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(dir, "home"), passphrase });
    env = {
      ...process.env,
      ...eenv,
      VAULT_ADDR: bao.address,
      VAULT_TOKEN: bao.rootToken,
      AZURE_KEYVAULT_URL: kv.vaultUrl,
      AZURE_KEYVAULT_CA_FILE: caFile,
      AZURE_KEYVAULT_ACCESS_TOKEN: token,
      VAULT_MIGRATION_FINGERPRINT_KEY: fingerprintKey,
    };
    // `pulumi stack init`: adds the passphrase's encryptionsalt to the stack file.
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
    await LocalWorkspace.createStack({ stackName, workDir: repoRoot }, { envVars: eenv, pulumiHome: eenv.PULUMI_HOME, pulumiCommand });
  });

  after(async () => {
    fs.rmSync(stackFile, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    await kv?.stop();
    await bao?.stop();
  });

  it("preview before the first up: exit 2, every seeded secret to create", async () => {
    const r = await ci("preview");
    assert.equal(r.code, 2, r.markdown + r.stderr);
    assert.equal(r.stdout, r.markdown, "the Markdown is printed and written to --out");
    assert.match(r.markdown, new RegExp(`^## Migration preview: stack \`${stackName}\``));
    assert.match(r.markdown, /\*\*Secrets:\*\* 4 to create, 0 to update, 0 to delete/);
    const created = rows(r.markdown, "create").map(([m, p, d]) => `${m} ${p} ${d}`).sort();
    assert.deepEqual(created, [
      "apps-to-keyvault ciapps/apps/billing/db app-billing-db",
      "apps-to-keyvault ciapps/apps/web/api app-web-api",
      "apps-to-keyvault ciapps/apps/web/session app-web-session",
      "legacy-to-keyvault cilegacy/infra/ldap cilegacy-infra-ldap",
    ]);
    for (const row of rows(r.markdown, "create")) assert.equal(row[3], "new in source");
  });

  it("up: exit 0, the summary counts match", async () => {
    const r = await ci("up");
    assert.equal(r.code, 0, r.markdown + r.stderr);
    assert.match(r.markdown, /^## Migration run: stack/);
    assert.match(r.markdown, /\| apps-to-keyvault \| 3 \| 0 \| 0 \| 0 \| 0 \|/, r.markdown);
    assert.match(r.markdown, /\| legacy-to-keyvault \| 1 \| 0 \| 0 \| 0 \| 0 \|/, r.markdown);
    assert.match(r.markdown, new RegExp(`\\.state/test/${stackName}/reports/apps\\.md`));
    assert.equal((await client.getSecret("app-web-api")).properties.tags?.["vault-path"], "ciapps/apps/web/api");
  });

  it("preview after up: exit 0, clean", async () => {
    const r = await ci("preview");
    assert.equal(r.code, 0, r.markdown + r.stderr);
    assert.match(r.markdown, /No changes/);
    assert.equal(rows(r.markdown, "(create|update|delete)").length, 0, r.markdown);
  });

  it("one secret changed in OpenBao: exit 2, exactly that one update", async () => {
    await vaultRequest(bao, "POST", "ciapps/data/apps/web/session", { data: { secret: value("session-2") } });
    const r = await ci("preview");
    assert.equal(r.code, 2, r.markdown + r.stderr);
    assert.deepEqual(rows(r.markdown, "(create|update|delete)"), [["apps-to-keyvault", "ciapps/apps/web/session", "app-web-session", "source version changed"]], r.markdown);
    assert.match(r.markdown, /\| update v2 \|/);
    assert.match(r.markdown, /0 to create, 1 to update, 0 to delete/);
    const up = await ci("up");
    assert.equal(up.code, 0, up.markdown + up.stderr);
    // The run's counts: one updated (in sync counts what the run verified, not the whole mount).
    assert.match(up.markdown, /\| apps-to-keyvault \| 0 \| 1 \| 0 \| 0 \| \d+ \|/, up.markdown);
    assert.deepEqual(rows(up.markdown, "update"), [["apps-to-keyvault", "ciapps/apps/web/session", "app-web-session", "source version changed"]]);
  });

  it("a destination secret the migration did not write: exit 1, the refusal first", async () => {
    await vaultRequest(bao, "POST", "ciapps/data/apps/x/taken", { data: { v: value("taken-source") } });
    await client.setSecret("app-x-taken", value("taken-by-hand"));
    const r = await ci("preview");
    try {
      assert.equal(r.code, 1, r.markdown + r.stderr);
      const refusedAt = r.markdown.indexOf("### Refused");
      assert.ok(refusedAt > 0, r.markdown);
      assert.ok(refusedAt < r.markdown.indexOf("**Secrets:**"), "refusals come before the counts");
      assert.deepEqual(rows(r.markdown, "refuse"), [["apps-to-keyvault", "ciapps/apps/x/taken", "app-x-taken", "destination exists and was not created by this migration"]], r.markdown);
      assert.match(r.markdown, /Refused/);
    } finally {
      // Out of the plan again: the hand-made secret is not ours, so it is simply left alone.
      await vaultRequest(bao, "DELETE", "ciapps/metadata/apps/x/taken");
    }
  });

  it("up with an oversize value among new ones: exit 1, nothing written, the path named and never the value", async () => {
    const big = value("big-blob");
    await vaultRequest(bao, "POST", "ciapps/data/apps/big/blob", { data: { blob: big + "x".repeat(26_000) } });
    await vaultRequest(bao, "POST", "ciapps/data/apps/new/ok", { data: { v: value("new-ok") } });
    try {
      const r = await ci("up");
      assert.equal(r.code, 1, r.markdown + r.stderr);
      assert.match(r.markdown, /^## Migration run: stack/);
      assert.match(r.markdown, /the preview before the update failed: the update did not start, nothing was changed/, r.markdown);
      // The refused value is a row of the Refused table, with the destination's reason (issue #25, 1).
      assert.match(r.markdown, /\| refuse \| apps-to-keyvault \| `ciapps\/apps\/big\/blob` \| `app-big-blob` \| value refused by the destination \(secret \\\[ciapps\/apps\/big\/blob\\\]: value is \d+ bytes/, r.markdown);
      assert.match(r.markdown, /`apps-to-keyvault`: 1 to create, .* 1 refused/, r.markdown);
      assert.ok(!(r.markdown + r.stdout + r.stderr).includes("x".repeat(64)), "the value is not printed");
      const names: string[] = [];
      for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
      assert.ok(!names.includes("app-new-ok") && !names.includes("app-big-blob"), `nothing was written: ${names.join(", ")}`);
    } finally {
      await vaultRequest(bao, "DELETE", "ciapps/metadata/apps/big/blob");
      await vaultRequest(bao, "DELETE", "ciapps/metadata/apps/new/ok");
    }
  });

  it("a value edited by hand in the destination (tags kept): drift exits 2 naming it", async () => {
    const current = await client.getSecret("app-web-api");
    await client.setSecret("app-web-api", value("edited-by-hand"), { tags: current.properties.tags });
    const r = await ci("drift");
    assert.equal(r.code, 2, r.markdown + r.stderr);
    assert.match(r.markdown, /^## Migration drift check: stack/);
    const drifted = rows(r.markdown, "drift");
    assert.ok(
      drifted.some(([m, p, d]) => m === "apps-to-keyvault" && p === "ciapps/apps/web/api" && d === "app-web-api"),
      r.markdown,
    );
    assert.ok(!drifted.some(([, , d]) => d !== "app-web-api"), `only app-web-api drifted:\n${r.markdown}`);
  });

  it("a credential in plaintext config: preview exits 1 naming the command that fixes it; once a secret, the state holds it only encrypted", async () => {
    // Both forms: a top-level key and a leaf inside the `migrations` object (`--plaintext`: the CLI
    // itself balks at a token-like value under such a key, but a hand-edited stack file does not).
    pulumiCli("config", "set", "--plaintext", "vault-migration:keyVaultAccessToken", kvToken);
    pulumiCli("config", "set", "--plaintext", "--path", "vault-migration:migrations[0].credential.token", kvToken);
    const refused = await ci("preview");
    assert.equal(refused.code, 1, refused.markdown + refused.stderr);
    const said = refused.markdown + refused.stderr;
    assert.ok(said.includes("[vault-migration:keyVaultAccessToken] is a credential in plaintext config"), said);
    assert.ok(said.includes("pulumi config set --secret vault-migration:keyVaultAccessToken"), said);
    assert.ok(said.includes("pulumi config set --secret --path 'vault-migration:migrations[0].credential.token'"), said);

    // As the message says: the leaf made a secret (the top-level one dropped, the environment has it).
    pulumiCli("config", "rm", "vault-migration:keyVaultAccessToken");
    pulumiCli("config", "set", "--secret", "--path", "vault-migration:migrations[0].credential.token", kvToken);
    const up = await ci("up");
    assert.equal(up.code, 0, up.markdown + up.stderr);
    const state = pulumiCli("stack", "export");
    texts["state after a secret credential in migrations"] = state;
    const deployment = (JSON.parse(state) as { deployment: { resources: { type: string; inputs?: Record<string, unknown> }[] } }).deployment;
    const copied = deployment.resources.find((r) => r.type === "pulumi:providers:pulumi-nodejs")?.inputs ?? {};
    // The engine copies the project's config into the dynamic-provider plugin's inputs: `migrations`
    // there is the encrypted whole, nothing of it in the clear.
    assert.ok(isCiphertext(copied["vault-migration:migrations"]), `migrations in the state: ${JSON.stringify(copied["vault-migration:migrations"])?.slice(0, 200)}`);
    for (const [k, v] of Object.entries(copied)) if (!isCiphertext(v)) assert.doesNotMatch(`${k}=${JSON.stringify(v)}`, /token|secret|password/i, `${k} in the state holds no credential`);
    assert.ok(!state.includes(kvToken), "the token is nowhere in the state");
  });

  it("no seeded value, nor its SHA-256, in any Markdown, stdout or stderr", () => {
    assert.ok(Object.keys(texts).length >= 21);
    assertNoSecrets(texts, seeded);
  });
});

/** A secret as `pulumi stack export` writes it (without --show-secrets). */
function isCiphertext(v: unknown): boolean {
  return typeof v === "object" && v !== null && typeof (v as { ciphertext?: unknown }).ciphertext === "string";
}
