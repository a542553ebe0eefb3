// The stack program (index.ts) under mocks: what a user meets on a first stack of their own.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { dynamicType, ExampleStackMocks, isWrappedSecret, runExampleProgram, unwrapSecrets, type StackExports } from "../support/exampleStackProgram";

const migrations = [{ name: "apps", source: { mount: "secret", prefix: "apps/" }, destination: { vaultUrl: "https://kv-x.vault.azure.net" }, credential: { type: "default" } }];

async function run(config: Record<string, unknown>, env: Record<string, string>, secretConfig: Record<string, string> = {}): Promise<{ exports?: StackExports; error?: unknown; mocks: ExampleStackMocks }> {
  const mocks = new ExampleStackMocks({ preview: true, migrationRoleDelayMs: 0 });
  try {
    const exports = await runExampleProgram({ config, secretConfig: { fingerprintKey: "stack-config-test-key-0123456789", ...secretConfig }, env, mocks, preview: true });
    await mocks.settled();
    return { exports, mocks };
  } catch (error) {
    return { error, mocks };
  } finally {
    mocks.detach();
  }
}

describe("stack program: configuration (mocks)", () => {
  it("VAULT_ADDR and VAULT_TOKEN are enough for migrations, without a vault-migration:vault object", async () => {
    const r = await run({ "vault-migration:migrations": migrations }, { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "env-token" });
    assert.equal(r.error, undefined, String(r.error));
    assert.ok(r.mocks.registrations.some((x) => x.type === "vault-migration:migration:KeyVaultMigration" && x.name === "apps"));
  });

  it("exports only the outputs the stack has (no undefined output, which Pulumi warns about on every run)", async () => {
    const r = await run({ "vault-migration:migrations": migrations }, { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "env-token" });
    assert.deepEqual(Object.keys(r.exports ?? {}).sort(), ["migrationPendingCounts", "migrationSummaries"]);
  });

  it("a configuration error is one line naming the key, raised as a RunError (printed without a stack trace)", async () => {
    const r = await run({ "vault-migration:migrations": [{ ...migrations[0], exlude: ["x/**"] }] }, { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "env-token" });
    assert.ok(r.error instanceof pulumi.RunError, `got ${String(r.error)}`);
    assert.match((r.error as Error).message, /\[vault-migration:migrations\[0\]\.exlude\] is not a setting/);
    const missing = await run({ "vault-migration:migrations": migrations }, {});
    assert.ok(missing.error instanceof pulumi.RunError, `got ${String(missing.error)}`);
    assert.match((missing.error as Error).message, /\[vault-migration:vault\.address\] is required \(or set VAULT_ADDR\)/);
  });

  it("unknown keys in the vault and reader objects are refused with the nearest valid one: a misplaced prefixes would widen the reader to the whole mount", async () => {
    const env = { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "env-token" };
    const r = await run(
      {
        "vault-migration:vault": { adress: "http://127.0.0.1:1" },
        "vault-migration:reader": { name: "reader", sources: [{ mount: "secret", kvVersion: 2, prefix: ["apps/"] }], prefixes: ["apps/"] },
      },
      env,
    );
    assert.ok(r.error instanceof pulumi.RunError, `got ${String(r.error)}`);
    const message = (r.error as Error).message;
    assert.match(message, /\[vault-migration:vault\.adress\] is not a setting; did you mean \[address\]\?/);
    assert.match(message, /\[vault-migration:reader\.prefixes\] is not a setting/);
    assert.match(message, /\[vault-migration:reader\.sources\[0\]\.prefix\] is not a setting; did you mean \[prefixes\]\?/);
    assert.deepEqual(r.mocks.registrations.filter((x) => /VaultPolicy|MigrationReader/.test(x.type)), [], "no reader registered");
  });

  it("a CA bundle stays out of the Vault resources' diff: their endpoint shows its SHA-256, the PEM is a secret input (issue #25, 7)", async () => {
    const fs = await import("node:fs");
    const os = await import("node:os");
    const path = await import("node:path");
    const pem = "-----BEGIN CERTIFICATE-----\nMIIBfakecaforthetest\n-----END CERTIFICATE-----\n";
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), "ca-")), "ca.pem");
    fs.writeFileSync(file, pem);
    const reader = { name: "reader", sources: [{ mount: "secret", kvVersion: 2 }] };
    const r = await run({ "vault-migration:vault": { address: "https://vault.example:8200", caCertFile: file }, "vault-migration:reader": reader }, { VAULT_TOKEN: "env-token" });
    assert.equal(r.error, undefined, String(r.error));
    const vaultResources = r.mocks.registrations.filter((x) => /VaultPolicy|VaultAppRole|VaultAuthMount|VaultAppRoleSecretId/.test(x.type));
    assert.ok(vaultResources.length >= 3, vaultResources.map((x) => x.type).join(", "));
    for (const x of vaultResources) {
      const endpoint = unwrapSecrets(x.inputs.endpoint) as Record<string, unknown>;
      assert.equal(endpoint.caCertPem, undefined, `${x.type}: no PEM in the shown endpoint`);
      assert.match(String(endpoint.caCertSha256), /^[0-9a-f]{64}$/, x.type);
      assert.equal(unwrapSecrets(x.inputs.caBundle), pem, `${x.type}: the PEM travels as its own input`);
      assert.notEqual(JSON.stringify(x.inputs.caBundle), JSON.stringify(pem), `${x.type}: and as a secret`);
    }
  });

  it("a migration with cutover.retireSource gets a SourceRetirement, and the stack's reader a separate retire policy and AppRole", async () => {
    const reader = { name: "reader", sources: [{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }] };
    const withCutover = [{ ...migrations[0], cutover: { auditLogs: ["/var/log/vault/"], retireSource: true } }];
    const r = await run({ "vault-migration:vault": { address: "http://127.0.0.1:1" }, "vault-migration:reader": reader, "vault-migration:migrations": withCutover }, { VAULT_TOKEN: "env-token" });
    assert.equal(r.error, undefined, String(r.error));
    const of = (cls: string): string[] => r.mocks.registrations.filter((x) => x.type === dynamicType(cls)).map((x) => String(unwrapSecrets(x.inputs.name ?? x.inputs.roleName ?? x.name)));
    assert.deepEqual(of("VaultPolicy").sort(), ["reader", "reader-retire"]);
    assert.deepEqual(of("VaultAppRole").sort(), ["reader", "reader-retire"]);
    assert.deepEqual(of("SourceRetirement"), ["apps-retire"]);
    // Without retireSource: no retire identity, no retirement resource.
    const plain = await run({ "vault-migration:vault": { address: "http://127.0.0.1:1" }, "vault-migration:reader": reader, "vault-migration:migrations": [{ ...migrations[0], cutover: { auditLogs: ["/var/log/vault/"] } }] }, { VAULT_TOKEN: "env-token" });
    assert.equal(plain.error, undefined, String(plain.error));
    assert.equal(plain.mocks.registrations.filter((x) => x.type === dynamicType("SourceRetirement") || String(unwrapSecrets(x.inputs.name)) === "reader-retire").length, 0);
  });

  it("the reader's secretIdNumUses reaches its AppRole (secret_id_num_uses), and a bad one is refused naming the key", async () => {
    const reader = { name: "reader", sources: [{ mount: "secret", kvVersion: 2 }], secretIdNumUses: 3 };
    const env = { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "env-token" };
    const r = await run({ "vault-migration:reader": reader }, env);
    assert.equal(r.error, undefined, String(r.error));
    const role = unwrapSecrets(r.mocks.one(dynamicType("VaultAppRole"), "reader-role").inputs) as { secretIdNumUses?: unknown };
    assert.equal(role.secretIdNumUses, 3);
    const bad = await run({ "vault-migration:reader": { ...reader, secretIdNumUses: -1 } }, env);
    assert.ok(bad.error instanceof pulumi.RunError, `got ${String(bad.error)}`);
    assert.match((bad.error as Error).message, /\[vault-migration:reader\.secretIdNumUses\] must be a whole number/);
  });

  describe("credentials in plaintext config are refused, naming the command that makes each a secret", () => {
    const env = { VAULT_ADDR: "http://127.0.0.1:1" };
    const TOKEN = "plaintext-vault-token-4f1d";
    const CLIENT_SECRET = "plaintext-client-secret-9a2c";

    it("a top-level key (vaultToken) and nested ones (vault.token, a migration's clientSecret), all in one error before any resource", async () => {
      const r = await run(
        {
          "vault-migration:vaultToken": TOKEN,
          "vault-migration:vault": { address: "http://127.0.0.1:1", token: TOKEN },
          "vault-migration:migrations": [{ ...migrations[0], credential: { type: "clientSecret", tenantId: "t", clientId: "c", clientSecret: CLIENT_SECRET } }],
        },
        env,
      );
      assert.ok(r.error instanceof pulumi.RunError, `got ${String(r.error)}`);
      const message = (r.error as Error).message;
      assert.match(message, /\[vault-migration:vaultToken\] is a credential in plaintext config .*: pulumi config set --secret vault-migration:vaultToken$/m);
      assert.match(message, /\[vault-migration:vault\.token\] .*: pulumi config set --secret --path 'vault-migration:vault\.token'$/m);
      assert.match(message, /\[vault-migration:migrations\[0\]\.credential\.clientSecret\] .*: pulumi config set --secret --path 'vault-migration:migrations\[0\]\.credential\.clientSecret'$/m);
      for (const v of [TOKEN, CLIENT_SECRET]) assert.ok(!message.includes(v), "the message never echoes a value");
      assert.deepEqual(r.mocks.registrations.map((x) => x.type), [], "refused before any resource is registered");
    });

    it("a plaintext fingerprintKey is refused too", async () => {
      const mocks = new ExampleStackMocks({ preview: true, migrationRoleDelayMs: 0 });
      try {
        await assert.rejects(
          runExampleProgram({ config: { "vault-migration:fingerprintKey": "plaintext-fingerprint-key-0123456789", "vault-migration:migrations": migrations }, secretConfig: {}, env: { ...env, VAULT_TOKEN: "env-token" }, mocks, preview: true }),
          /\[vault-migration:fingerprintKey\] is a credential in plaintext config .*: pulumi config set --secret vault-migration:fingerprintKey/,
        );
      } finally {
        mocks.detach();
      }
    });

    it("the same credentials set as secrets are accepted: the top-level key, and an object with a secret leaf (the whole object is then secret)", async () => {
      const secretObjects = JSON.stringify(["vault-migration:fingerprintKey", "vault-migration:vaultToken", "vault-migration:vault", "vault-migration:migrations"]);
      const r = await run(
        {
          "vault-migration:vault": { address: "http://127.0.0.1:1", token: TOKEN },
          "vault-migration:migrations": [{ ...migrations[0], credential: { type: "clientSecret", tenantId: "t", clientId: "c", clientSecret: CLIENT_SECRET } }],
        },
        { ...env, PULUMI_CONFIG_SECRET_KEYS: secretObjects },
        { vaultToken: TOKEN },
      );
      assert.equal(r.error, undefined, String(r.error));
      assert.ok(r.mocks.registrations.some((x) => x.type === "vault-migration:migration:KeyVaultMigration" && x.name === "apps"));
    });

    it("vault.token (a secret) is the admin token when vaultToken and VAULT_TOKEN are absent", async () => {
      const r = await run(
        { "vault-migration:vault": { address: "http://127.0.0.1:1", token: TOKEN }, "vault-migration:migrations": migrations },
        { ...env, PULUMI_CONFIG_SECRET_KEYS: JSON.stringify(["vault-migration:fingerprintKey", "vault-migration:vault"]) },
      );
      assert.equal(r.error, undefined, String(r.error));
    });
  });
  it("infisicalSync: the writer's AppRole, the connection and each sync, the client secret and secret_id as secrets; an overlap or an unknown migration in after is a RunError before any of them is registered", async () => {
    const sync = { projectId: "p-1", auth: { clientId: "id-1" }, connection: { name: "vault-main", gatewayId: "0b1f6c4e-1d2a-4c3b-9a8e-7f6d5c4b3a21" }, syncs: [{ name: "app", environment: "prod", secretPath: "/app", mount: "secret", path: "apps/web", keySchema: "INF_{{secretKey}}" }] };
    const env = { VAULT_ADDR: "http://127.0.0.1:1", VAULT_TOKEN: "env-token" };
    const r = await run({ "vault-migration:infisicalSync": sync }, env, { infisicalClientSecret: "client-secret-for-test" });
    assert.equal(r.error, undefined, String(r.error));
    const byType = (cls: string) => r.mocks.registrations.filter((x) => x.type === dynamicType(cls));
    assert.equal(r.mocks.registrations.filter((x) => x.type === "vault-migration:infisical:InfisicalSyncWriter").length, 1);
    assert.match(String(unwrapSecrets(byType("VaultPolicy")[0]?.inputs.policy)), /path "secret\/data\/apps\/web" \{\n {2}capabilities = \["create", "read", "update"\]/);
    const conn = byType("InfisicalVaultConnection")[0];
    assert.equal(conn?.inputs.instanceUrl, "http://127.0.0.1:1", "the stack's Vault by default");
    assert.ok(isWrappedSecret(conn?.inputs.auth), "auth (the client secret) is a Pulumi secret");
    const s = byType("InfisicalVaultSync")[0];
    assert.equal(s?.inputs.disableSecretDeletion, true, "deletion disabled unless set");
    assert.equal(s?.inputs.keySchema, "INF_{{secretKey}}");
    assert.deepEqual(Object.keys(r.exports ?? {}).sort(), ["infisicalConnectionId", "infisicalSyncPolicy", "infisicalSyncs"]);
    const clash = await run({ "vault-migration:infisicalSync": { ...sync, syncs: [...sync.syncs, { name: "other", environment: "prod", mount: "secret", path: "apps/web" }] } }, env, { infisicalClientSecret: "client-secret-for-test" });
    assert.ok(clash.error instanceof pulumi.RunError, `got ${String(clash.error)}`);
    assert.match((clash.error as Error).message, /"app" and "other" both write Vault secret\/apps\/web and would erase each other's keys/);
    assert.equal(clash.mocks.registrations.length, 0);
    const unknownAfter = await run({ "vault-migration:infisicalSync": { ...sync, after: ["no-such-migration"] } }, env, { infisicalClientSecret: "client-secret-for-test" });
    assert.ok(unknownAfter.error instanceof pulumi.RunError, `got ${String(unknownAfter.error)}`);
    assert.match((unknownAfter.error as Error).message, /\[vault-migration:infisicalSync\.after\] names no migration of this stack: no-such-migration/);
    assert.equal(unknownAfter.mocks.registrations.filter((x) => /Infisical/.test(x.type)).length, 0, "refused before the writer, the connection or a sync is registered");
  });
});
