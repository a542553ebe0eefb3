// The stack program (index.ts) under mocks: what a user meets on a first stack of their own.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { dynamicType, ExampleStackMocks, runExampleProgram, unwrapSecrets, type StackExports } from "../support/exampleStackProgram";

const migrations = [{ name: "apps", source: { mount: "secret", prefix: "apps/" }, destination: { vaultUrl: "https://kv-x.vault.azure.net" }, credential: { type: "default" } }];

async function run(config: Record<string, unknown>, env: Record<string, string>): Promise<{ exports?: StackExports; error?: unknown; mocks: ExampleStackMocks }> {
  const mocks = new ExampleStackMocks({ preview: true, migrationRoleDelayMs: 0 });
  try {
    const exports = await runExampleProgram({ config, secretConfig: { fingerprintKey: "stack-config-test-key-0123456789" }, env, mocks, preview: true });
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
});
