// `vault-migration:scaivault` (issue #20 item 6): its reader's refusals, and the stack program
// under mocks: a ScaiVaultSecret holding the reader's AppRole credentials as a Pulumi secret, a
// federation backend that waits for it, and a ScaiVault migration that waits for the backends.
import * as assert from "node:assert/strict";
import { readScaiVault } from "../../src/program/scaiVaultConfig";
import { dynamicType, ExampleStackMocks, isWrappedSecret, runExampleProgram } from "../support/exampleStackProgram";

const env = { VAULT_ADDR: "http://127.0.0.1:8200", VAULT_TOKEN: "env-token", SCAIVAULT_URL: "http://127.0.0.1:9", SCAIVAULT_TOKEN: "skt_unit" };
const reader = { name: "migration-reader", sources: [{ mount: "secret", kvVersion: 2, prefixes: ["shared/"] }] };
const scaivault = {
  secrets: [{ name: "federation-credentials", path: "system/federation/vault-approle", valueFrom: "reader", tags: ["federation"] }],
  federationBackends: [{ name: "vault-legacy", credentialsFrom: "federation-credentials", pathMapping: { "external/hashicorp/**": "secret/data/shared/**" }, mode: "proxy" }],
};

describe("stack config: vault-migration:scaivault", () => {
  it("refuses, each naming its key: an unknown key, a bad path, a value not from the stack, a backend without credentials, a bad mode, a missing token", () => {
    const bad = {
      url: "http://127.0.0.1:9",
      secrets: [{ name: "creds", path: "System/Creds", valueFrom: "literal", tagz: [] }],
      federationBackends: [{ name: "b", credentialsFrom: "nope", pathMapping: {}, mode: "mirror" }, { name: "c", pathMapping: { "a/**": "secret/data/**" }, mode: "proxy" }],
    };
    assert.throws(
      () => readScaiVault(bad, {}, () => undefined, true),
      (e: Error) =>
        /\[vault-migration:scaivault\.secrets\[0\]\.tagz\] is not a setting; did you mean \[tags\]\?/.test(e.message) &&
        /\[vault-migration:scaivault\.secrets\[0\]\.path\] is not a ScaiVault path/.test(e.message) &&
        /\[vault-migration:scaivault\.secrets\[0\]\.valueFrom\] must be "reader"/.test(e.message) &&
        /\[vault-migration:scaivault\.federationBackends\[0\]\.credentialsFrom\] names no entry/.test(e.message) &&
        /\[vault-migration:scaivault\.federationBackends\[0\]\.pathMapping\] must map at least one/.test(e.message) &&
        /\[vault-migration:scaivault\.federationBackends\[0\]\.mode\] must be "proxy" or "sync"/.test(e.message) &&
        /\[vault-migration:scaivault\.federationBackends\[1\]\] needs one of credentialsFrom/.test(e.message) &&
        /\[vault-migration:scaivaultToken\] is required/.test(e.message),
    );
    assert.throws(() => readScaiVault({ secrets: scaivault.secrets }, env, () => undefined, false), /valueFrom\] "reader" needs \[vault-migration:reader\]/);
    assert.equal(readScaiVault(undefined, env, () => undefined, true), undefined);
  });

  it("the stack program: the credentials secret holds {role_id, secret_id} as a secret; the backend and a ScaiVault migration wait for what they need", async () => {
    const mocks = new ExampleStackMocks({ preview: true, migrationRoleDelayMs: 0 });
    try {
      const migrations = [{ name: "billing-to-scaivault", source: { mount: "secret", prefix: "shared/" }, destination: { kind: "scaivault" } }];
      const exports = await runExampleProgram({
        config: { "vault-migration:reader": reader, "vault-migration:scaivault": scaivault, "vault-migration:migrations": migrations },
        secretConfig: { fingerprintKey: "stack-config-test-key-0123456789" },
        env,
        mocks,
        preview: true,
      });
      await mocks.settled();
      const secret = mocks.one(dynamicType("ScaiVaultSecret"), "federation-credentials");
      assert.equal(secret.inputs.path, "system/federation/vault-approle");
      assert.ok(isWrappedSecret(secret.inputs.value), "the value is a secret");
      assert.ok(isWrappedSecret(secret.inputs.token), "the token is a secret");
      const backend = mocks.one(dynamicType("ScaiVaultFederationBackend"), "vault-legacy");
      assert.equal(backend.inputs.endpoint, env.VAULT_ADDR, "the endpoint defaults to the stack's Vault");
      assert.deepEqual(backend.inputs.pathMapping, { "external/hashicorp/**": "secret/data/shared/**" });
      const deps = (name: string): string[] => mocks.requests.find((r) => r.name === name)?.dependencies ?? [];
      assert.ok(deps("vault-legacy").some((u) => u.endsWith("::federation-credentials")), `backend waits for its credentials: ${deps("vault-legacy").join(", ")}`);
      assert.ok(deps("billing-to-scaivault").some((u) => u.endsWith("::vault-legacy")), `migration waits for the backend: ${deps("billing-to-scaivault").join(", ")}`);
      assert.ok(exports && "scaivaultSecrets" in exports && "scaivaultFederationBackends" in exports);
    } finally {
      mocks.detach();
    }
  });
});
