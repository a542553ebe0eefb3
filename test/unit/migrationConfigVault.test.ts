import * as assert from "node:assert/strict";
import { readMigrations } from "../../src/program/migrationConfig";

describe("stack config: migrations", () => {
  it("vault: reads address/namespace/mount/prefix, the token from config or env, and keeps Key Vault entries as they were", () => {
    const raw = [
      { name: "to-ns", source: { mount: "secret", prefix: "shared/" }, destination: { kind: "vault", namespace: "consolidated", mount: "secret", prefix: "migrated", copyMetadata: true } },
      { name: "to-kv", source: { mount: "legacy" }, destination: { vaultUrl: "https://x.vault.azure.net" } },
    ];
    const [v, k] = readMigrations(raw, { VAULT_ADDR: "http://127.0.0.1:8200", DESTINATION_VAULT_TOKEN: "env-token-123" });
    assert.equal(v?.kind, "vault");
    assert.deepEqual(v?.destination, { namespace: "consolidated", mount: "secret", prefix: "migrated", copyMetadata: true, address: "http://127.0.0.1:8200" });
    assert.deepEqual(v?.credentials, { auth: { method: "token", token: "env-token-123" } });
    assert.equal(k?.kind, "azure-keyvault");
    assert.deepEqual(k?.credentials, { credential: { type: "default" } });
    const secrets: Record<string, string> = { destinationVaultToken: "config-token-456" };
    const [c] = readMigrations(raw.slice(0, 1), { DESTINATION_VAULT_ADDR: "https://b:8200" }, (key) => secrets[key]);
    assert.deepEqual([c?.destination.address, c?.credentials], ["https://b:8200", { auth: { method: "token", token: "config-token-456" } }]);
  });

  it("vault: approle auth, and problems named by key", () => {
    const [a] = readMigrations([{ name: "m", source: { mount: "s" }, destination: { kind: "vault", address: "https://b", mount: "kv", auth: { method: "approle", roleId: "r", secretId: "s" } } }], {});
    assert.deepEqual(a?.credentials, { auth: { method: "approle", roleId: "r", secretId: "s" } });
    // Spec problems (mount, kvVersion, flags) are the driver's, checked by the component at preview.
    assert.throws(
      () => readMigrations([{ name: "m", source: { mount: "s" }, destination: { kind: "vault" } }], {}),
      (e: Error) => /destination\.address\] is required/.test(e.message) && /a token is needed/.test(e.message),
    );
  });

  it("Key Vault without vaultUrl asks the stack for its deployment's URI", () => {
    const [k] = readMigrations([{ name: "m", source: { mount: "s" } }], {});
    assert.deepEqual(k?.fromStack, { vaultUrl: "keyVaultUri" });
  });

  it("unknown keys anywhere in an entry are errors naming the key and the nearest valid one", () => {
    assert.throws(
      () => readMigrations([{ name: "m", source: { mount: "s", prefixes: ["a/"] }, exclude: ["x/**"], mapping: { exlude: ["y/**"] }, destination: { kind: "nope" } }], {}),
      (e: Error) => /destination\.kind\] must be one of "azure-keyvault", "vault"/.test(e.message),
    );
    assert.throws(
      () => readMigrations([{ name: "m", source: { mount: "s", prefixes: ["a/"] }, exclude: ["x/**"], mapping: { exlude: ["y/**"] } }], {}),
      (e: Error) =>
        /\[vault-migration:migrations\[0\]\.source\.prefixes\] is not a setting; did you mean \[prefix\]\?/.test(e.message) &&
        /\[vault-migration:migrations\[0\]\.exclude\] is not a setting/.test(e.message) &&
        /\[vault-migration:migrations\[0\]\.mapping\.exlude\] is not a setting; did you mean \[exclude\]\?/.test(e.message),
    );
  });
});
