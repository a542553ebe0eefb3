import * as assert from "node:assert/strict";
import { readMigrations } from "../../src/program/migrationConfig";

describe("stack config: destination.kind vault", () => {
  it("reads address/namespace/mount/prefix, the token from config or env, and keeps Key Vault entries as they were", () => {
    const raw = [
      { name: "to-ns", source: { mount: "secret", prefix: "shared/" }, destination: { kind: "vault", namespace: "consolidated", mount: "secret", prefix: "migrated", copyMetadata: true } },
      { name: "to-kv", source: { mount: "legacy" }, destination: { vaultUrl: "https://x.vault.azure.net" } },
    ];
    const [v, k] = readMigrations(raw, { VAULT_ADDR: "http://127.0.0.1:8200", DESTINATION_VAULT_TOKEN: "env-token-123" });
    assert.equal(v?.kind, "vault");
    if (v?.kind !== "vault") return;
    assert.deepEqual(v.destination, { namespace: "consolidated", mount: "secret", prefix: "migrated", copyMetadata: true, address: "http://127.0.0.1:8200" });
    assert.deepEqual(v.auth, { method: "token", token: "env-token-123" });
    assert.equal(k?.kind, "azure-keyvault");
    const [c] = readMigrations(raw.slice(0, 1), { DESTINATION_VAULT_ADDR: "https://b:8200" }, undefined, "config-token-456");
    assert.deepEqual(c?.kind === "vault" && [c.destination.address, c.auth], ["https://b:8200", { method: "token", token: "config-token-456" }]);
  });

  it("approle auth, and problems named by key", () => {
    const [a] = readMigrations([{ name: "m", source: { mount: "s" }, destination: { kind: "vault", address: "https://b", mount: "kv", auth: { method: "approle", roleId: "r", secretId: "s" } } }], {});
    assert.deepEqual(a?.kind === "vault" && a.auth, { method: "approle", roleId: "r", secretId: "s" });
    assert.throws(
      () => readMigrations([{ name: "m", source: { mount: "s" }, destination: { kind: "vault", kvVersion: 3, replayVersions: "yes" } }], {}),
      (e: Error) => /destination\.address\] is required/.test(e.message) && /destination\.mount\] is required/.test(e.message) && /kvVersion\] must be 1 or 2/.test(e.message) && /replayVersions\] must be true or false/.test(e.message) && /a token is needed/.test(e.message),
    );
  });
});
