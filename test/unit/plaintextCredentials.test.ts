// The rule that keeps credentials out of plaintext stack config (src/program/plaintextCredentials.ts).
import * as assert from "node:assert/strict";
import { CREDENTIAL_KEY_NAME, parseSecretKeys, plaintextCredentialProblems } from "../../src/program/plaintextCredentials";

const NS = "vault-migration";
const json = (v: unknown): string => JSON.stringify(v);

describe("program/plaintextCredentials", () => {
  it("names credentials by a generic rule, settings that merely mention one are not", () => {
    for (const k of ["vaultToken", "destinationVaultToken", "keyVaultAccessToken", "fingerprintKey", "clientSecret", "secretId", "secret_id", "token", "password", "apiKey", "infisicalToken", "scaivaultToken"]) assert.ok(CREDENTIAL_KEY_NAME.test(k), k);
    for (const k of ["secretIdTtl", "secretIdBoundCidrs", "tokenTtl", "tokenMaxTtl", "tokenBoundCidrs", "unwrapKey", "expiryKey", "roleId", "clientId", "credential", "type", "method", "softDeleted"]) assert.ok(!CREDENTIAL_KEY_NAME.test(k), k);
  });

  it("refuses each plaintext credential with its fix: the key for a top-level one, the --path form inside an object", () => {
    const problems = plaintextCredentialProblems(
      {
        [`${NS}:vaultToken`]: "t0k3n-value",
        [`${NS}:destinationVaultToken`]: "t0k3n-value-2",
        [`${NS}:migrations`]: json([
          { name: "a", credential: { type: "accessToken", token: "kv-t0k3n" } },
          { name: "b", destination: { kind: "vault", auth: { method: "approle", roleId: "r", secretId: "s3cr3t-id" } } },
          // A future destination's reader gets the rule without listing its keys.
          { name: "c", destination: { kind: "infisical", auth: { clientId: "x", clientSecret: "cs" }, "odd.key": { password: "p" } } },
        ]),
        [`${NS}:reader`]: json({ name: "r", secretIdTtl: "24h", tokenTtl: "1h", sources: [{ mount: "secret", kvVersion: 2 }] }),
      },
      new Set(),
      NS,
    );
    assert.deepEqual(
      problems.map((p) => p.slice(p.lastIndexOf(": ") + 2)),
      [
        "pulumi config set --secret vault-migration:vaultToken",
        "pulumi config set --secret vault-migration:destinationVaultToken",
        "pulumi config set --secret --path 'vault-migration:migrations[0].credential.token'",
        "pulumi config set --secret --path 'vault-migration:migrations[1].destination.auth.secretId'",
        "pulumi config set --secret --path 'vault-migration:migrations[2].destination.auth.clientSecret'",
        `pulumi config set --secret --path 'vault-migration:migrations[2].destination["odd.key"].password'`,
      ],
    );
    assert.match(problems[2] ?? "", /^\[vault-migration:migrations\[0\]\.credential\.token\] is a credential in plaintext config/);
    for (const v of ["t0k3n-value", "kv-t0k3n", "s3cr3t-id"]) assert.ok(!problems.join("\n").includes(v), "never echoes a value");
  });

  it("accepts secret keys (an object with a secret leaf is a secret key as a whole), empty values and other namespaces", () => {
    const config = {
      [`${NS}:vaultToken`]: "t0k3n-value",
      [`${NS}:migrations`]: json([{ name: "a", credential: { type: "accessToken", token: "kv-t0k3n" } }]),
      [`${NS}:keyVaultAccessToken`]: "",
      [`${NS}:vault`]: json({ address: "https://vault.example.com", token: "" }),
      "azure-native:clientSecret": "another provider's own",
    };
    assert.deepEqual(plaintextCredentialProblems(config, new Set([`${NS}:vaultToken`, `${NS}:migrations`]), NS), []);
  });

  it("when the engine says nothing about secret keys, nothing counts as secret and the fix says to use the environment", () => {
    const problems = plaintextCredentialProblems({ [`${NS}:vaultToken`]: "t0k3n-value" }, undefined, NS);
    assert.equal(problems.length, 1);
    assert.match(problems[0] ?? "", /pass the credential through its environment variable instead/);
    assert.equal(parseSecretKeys(undefined), undefined);
    assert.equal(parseSecretKeys("not json"), undefined);
    assert.deepEqual([...(parseSecretKeys('["vault-migration:a",1]') ?? [])], ["vault-migration:a"]);
  });
});
