// Runs the stack program itself (index.ts) with stacks/Pulumi.azure-example.yaml's configuration as a
// `pulumi up` under mocks (setMocks with preview=false). azure-native stays mocked (its plugin cannot
// be fetched here), but the deployed vault's URI is a local Key Vault (the test double, with its own
// CA), the source is a local OpenBao dev server seeded with KV v2 secrets, and this project's dynamic
// resources run for real: their serialized providers check and create in plain node processes, as
// the dynamic-provider host would. So the reader is really created in OpenBao, the program really
// plans with the reader's credentials, and the migration really copies into the vault the
// deployment reported, after the migration identity's role assignment.
//
// The test changes only what cannot be real offline, on the parsed config object (the rest of the
// YAML is used as it is):
//   - vault.address: the OpenBao dev server instead of https://vault.example.com:8200, and its root
//     token as VAULT_TOKEN (as the file tells a CI job to pass it);
//   - the migration's credential: {type: accessToken} instead of {type: default}
//     (DefaultAzureCredential needs Azure AD), with a token the double issued as the secret config
//     keyVaultAccessToken (a credential in plaintext config is refused);
//   - destination.caCertFile: the double's CA (a real vault has a publicly trusted certificate);
//   - destination.disableChallengeResourceVerification: true (the double serves 127.0.0.1, not
//     *.vault.azure.net).
// The fingerprint key is set as the file says a user does (a secret config value), never in the YAML.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { SecretClient } from "@azure/keyvault-secrets";
import type { MigrationSummary } from "../../src/resources/SecretMigration";
import { startKeyVaultDouble, staticTokenCredential, type KeyVaultDouble } from "../doubles/keyvault";
import {
  ExampleStackMocks,
  NetworkProbe,
  dynamicType,
  exampleStackConfig,
  isWrappedSecret,
  runExampleProgram,
  unwrapSecrets,
  valueOf,
  type StackExports,
} from "../support/exampleStackProgram";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";

const SECRET_MIGRATION = dynamicType("SecretMigration");
const ROLE_DELAY_MS = 300;

/** Seeded under the example's source (mount `secret`, prefix `apps/`), with the names its mapping rule gives. */
const IN_SCOPE: { path: string; name: string; keys: string[] }[] = [
  { path: "apps/web/session", name: "app-web-session", keys: ["value"] },
  { path: "apps/billing/db", name: "app-billing-db", keys: ["username", "password"] },
  { path: "apps/billing/api-key", name: "app-billing-api-key", keys: ["value"] },
];
/** Outside the reader's policy and the migration's prefix. */
const OUT_OF_SCOPE = "other/admin";

describe("stack program with the azure-example stack's configuration: an up against a local OpenBao and Key Vault (mocks)", function () {
  let bao: OpenBaoServer | undefined;
  let kv: KeyVaultDouble | undefined;
  let client: SecretClient;
  let workDir: string;
  const seeded = new Map<string, Record<string, string>>();
  const values: string[] = [];
  const config = exampleStackConfig();
  const migration = (config["vault-migration:migrations"] as Record<string, unknown>[])[0];
  const migrationName = migration.name as string;
  const reportPath = migration.reportPath as string;
  const reportFiles = [`${reportPath}.json`, `${reportPath}.md`].map((f) => path.resolve(f));
  const savedReports = new Map<string, Buffer>();
  const reportDir = path.dirname(reportFiles[0]);
  const reportDirExisted = fs.existsSync(reportDir);
  let mocks: ExampleStackMocks;
  let program: StackExports;
  let summaries: Record<string, MigrationSummary>;
  const probe = new NetworkProbe();

  before(async () => {
    bao = await startOpenBaoDev();
    kv = await startKeyVaultDouble({ deleteDelayMs: 100, recoverDelayMs: 100 });
    const kvToken = kv.issueToken();
    client = new SecretClient(kv.vaultUrl, staticTokenCredential(kv.issueToken(["read"])), {
      tlsOptions: { ca: kv.caCertPem },
      disableChallengeResourceVerification: true,
      retryOptions: { maxRetries: 3, retryDelayInMs: 20, maxRetryDelayInMs: 200 },
    });
    for (const s of [...IN_SCOPE, { path: OUT_OF_SCOPE, keys: ["value"] }]) {
      const data = Object.fromEntries(s.keys.map((k) => [k, `SEEDVAL-${k}-${randomBytes(12).toString("hex")}`]));
      await vaultRequest(bao, "POST", `secret/data/${s.path}`, { data });
      seeded.set(s.path, data);
      values.push(...Object.values(data));
    }
    workDir = fs.mkdtempSync(path.join(os.tmpdir(), "azure-example-"));
    const caFile = path.join(workDir, "keyvault-ca.pem");
    fs.writeFileSync(caFile, kv.caCertPem);
    // The report goes where the example says, relative to the project directory: keep what is there.
    for (const f of reportFiles) if (fs.existsSync(f)) savedReports.set(f, fs.readFileSync(f));

    // The substitutions listed at the top of this file, and nothing else.
    (config["vault-migration:vault"] as Record<string, unknown>).address = bao.address;
    assert.deepEqual(migration.credential, { type: "default" }, "the example uses DefaultAzureCredential");
    migration.credential = { type: "accessToken" };
    assert.equal((migration.destination as Record<string, unknown>).vaultUrl, undefined, "the example writes to the vault it deploys");
    migration.destination = { ...(migration.destination as Record<string, unknown>), caCertFile: caFile, disableChallengeResourceVerification: true };

    // The deployed vault reports the double's URL, with the trailing slash Azure's vaultUri has.
    mocks = new ExampleStackMocks({ preview: false, vaultUri: `${kv.vaultUrl}/`, migrationRoleDelayMs: ROLE_DELAY_MS });
    const rootToken = bao.rootToken;
    try {
      await probe.record(async () => {
        program = await runExampleProgram({
          config,
          secretConfig: { fingerprintKey: `fp-${randomBytes(16).toString("hex")}`, keyVaultAccessToken: kvToken },
          env: { VAULT_TOKEN: rootToken },
          mocks,
          preview: false,
        });
        let known: Record<string, MigrationSummary> | undefined;
        void valueOf<Record<string, MigrationSummary>>(program.migrationSummaries).then((v) => (known = v));
        await mocks.until("the migration's summary", () => known !== undefined);
        summaries = known as Record<string, MigrationSummary>;
        await mocks.settled();
      });
    } finally {
      mocks.detach();
    }
  });

  after(async () => {
    await kv?.stop();
    await bao?.stop();
    if (workDir) fs.rmSync(workDir, { recursive: true, force: true });
    for (const f of reportFiles) {
      const saved = savedReports.get(f);
      if (saved) fs.writeFileSync(f, saved);
      else fs.rmSync(f, { force: true });
    }
    if (!reportDirExisted && fs.existsSync(reportDir) && fs.readdirSync(reportDir).length === 0) fs.rmdirSync(reportDir);
  });

  it("creates the reader's policy and AppRole in OpenBao; its credentials read the migration's source only", async () => {
    assert.ok(bao);
    assert.deepEqual(mocks.registrations.filter((r) => r.error).map((r) => `${r.type} ${r.name}: ${r.error}`), []);
    assert.deepEqual(mocks.programErrors, [], "no output of the program failed");
    const policyState = mocks.one(dynamicType("VaultPolicy"), "migration-reader-policy").state;
    const policy = await vaultRequest(bao, "GET", "sys/policies/acl/migration-reader");
    assert.equal(policy?.data?.policy, policyState?.policy, "the policy the provider created is in OpenBao");
    assert.match(String(policy?.data?.policy), /path "secret\/data\/apps\/\*"/);
    const role = await vaultRequest(bao, "GET", "auth/approle/role/migration-reader");
    assert.deepEqual(role?.data?.token_policies, ["migration-reader"]);
    const roleId = await vaultRequest(bao, "GET", "auth/approle/role/migration-reader/role-id");
    const exportedRoleId = await valueOf<string>(program.readerRoleId);
    assert.equal(roleId?.data?.role_id, exportedRoleId, "the stack exports the role_id OpenBao holds");

    // The exported credentials log in, read the migration's source, and nothing outside it.
    const login = await vaultRequest<{ auth: { client_token: string; policies: string[] } }>(bao, "POST", "auth/approle/login", {
      role_id: exportedRoleId,
      secret_id: await valueOf<string>(program.readerSecretId),
    });
    assert.ok(login);
    assert.deepEqual(login.auth.policies.sort(), ["default", "migration-reader"]);
    const token = login.auth.client_token;
    await vaultRequest(bao, "GET", `secret/data/${IN_SCOPE[0].path}`, undefined, { token });
    await assert.rejects(vaultRequest(bao, "GET", `secret/data/${OUT_OF_SCOPE}`, undefined, { token }), /HTTP 403/);
  });

  it("copies the seeded secrets into the vault the deployment reported, under the names of the example's mapping rule", async () => {
    assert.ok(kv);
    const vaultUri = await valueOf<string>(program.keyVaultUri);
    assert.equal(vaultUri, `${kv.vaultUrl}/`);
    const destination = unwrapSecrets(mocks.one(SECRET_MIGRATION, migrationName).inputs.destination) as { vaultUrl?: string };
    assert.equal(destination.vaultUrl, vaultUri, "the migration's destination is the deployment's vaultUri");

    const names: string[] = [];
    for await (const p of client.listPropertiesOfSecrets()) names.push(p.name);
    assert.deepEqual(names.sort(), IN_SCOPE.map((s) => s.name).sort(), "exactly the in-scope secrets, named app-<team>-<name>");
    for (const s of IN_SCOPE) {
      const data = seeded.get(s.path) as Record<string, string>;
      const got = await client.getSecret(s.name);
      if (s.keys.length === 1) assert.equal(got.value, data.value, `${s.name} holds the single value`);
      else assert.deepEqual(JSON.parse(got.value ?? ""), data, `${s.name} holds the keys as JSON`);
      assert.equal(got.properties.tags?.["vault-path"], `secret/${s.path}`);
    }
  });

  it("reports the copies in the migration's summary output, its pending count and its report", async () => {
    const summary = summaries[migrationName];
    assert.ok(summary, `a summary for ${migrationName}: ${JSON.stringify(summaries)}`);
    assert.deepEqual({ created: summary.created, updated: summary.updated, deleted: summary.deleted, failed: summary.failed }, { created: IN_SCOPE.length, updated: 0, deleted: 0, failed: 0 });
    const pending = await valueOf<Record<string, number>>(program.migrationPendingCounts);
    assert.deepEqual(pending, { [migrationName]: IN_SCOPE.length }, "the plan the program made had one line per secret");
    for (const f of reportFiles) assert.ok(fs.existsSync(f), `report ${f} written`);
  });

  it("started the copy only once the migration identity's role assignment existed", () => {
    const ra = mocks.migrationRoleAssignment();
    const raUrn = mocks.requests.find((q) => q.type === ra.type && q.name === ra.name)?.urn;
    const request = mocks.requests.find((q) => q.type === "vault-migration:migration:KeyVaultMigration" && q.name === migrationName);
    assert.ok(raUrn && request?.dependencies.includes(raUrn), "KeyVaultMigration depends on the role assignment");
    const run = mocks.one(SECRET_MIGRATION, migrationName);
    assert.ok(ra.finished !== undefined && run.started > ra.finished, `the copy (event ${run.started}) after the role assignment was created (event ${ra.finished})`);
  });

  it("talked to the two local servers only", () => {
    // The program planned in this process (the providers ran in their own processes).
    assert.ok(probe.attempts.length > 0, "the plan read OpenBao and listed the vault");
    const kvPort = kv ? new URL(kv.vaultUrl).port : "";
    const baoPort = bao ? new URL(bao.address).port : "";
    for (const a of probe.attempts) assert.match(a, new RegExp(`127\\.0\\.0\\.1:(${kvPort}|${baoPort})\\b`), `unexpected connection: ${a}`);
  });

  it("hands credentials to the resources as secrets and puts no seeded value in any recorded input, state, output or report", async () => {
    const run = mocks.one(SECRET_MIGRATION, migrationName);
    for (const k of ["sourceAuth", "destinationCredentials", "fingerprintKey"]) assert.ok(isWrappedSecret(run.inputs[k]), `${k} arrives wrapped as a secret`);
    const texts: Record<string, string> = {
      registrations: JSON.stringify(mocks.registrations),
      requests: JSON.stringify(mocks.requests),
      summaries: JSON.stringify(summaries),
      pending: JSON.stringify(await valueOf<unknown>(program.migrationPendingCounts)),
    };
    for (const f of reportFiles) texts[f] = fs.readFileSync(f, "utf8");
    for (const [where, text] of Object.entries(texts)) {
      for (const v of values) assert.ok(!text.includes(v), `a seeded value appears in ${where}`);
    }
  });
});
