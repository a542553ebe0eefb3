// `vault-migration:infisicalSync`: the stack config of the Infisical Vault connection and its syncs.
import * as assert from "node:assert/strict";
import { readInfisicalSync } from "../../src/program/infisicalSyncConfig";

describe("stack config: infisicalSync", () => {
  const secrets: Record<string, string> = { infisicalClientSecret: "client-secret-value" };
  const secret = (k: string): string | undefined => secrets[k];
  const base = { projectId: "p-1", auth: { clientId: "id-1" }, connection: { name: "vault-main" }, syncs: [{ name: "app", environment: "prod", secretPath: "/app", mount: "secret", path: "apps/web" }] };

  it("reads the connection, the writer defaults and the syncs", () => {
    const s = readInfisicalSync(base, {}, secret);
    assert.equal(s?.siteUrl, "https://app.infisical.com");
    assert.deepEqual(s?.auth, { method: "universal-auth", clientId: "id-1", clientSecret: "client-secret-value" });
    assert.equal(s?.connection.method, "app-role");
    assert.deepEqual(s?.writer, { name: "infisical-sync", kvVersion: 2, manageAuthMount: false });
    assert.equal(s?.syncs[0]?.secretPath, "/app");
    assert.equal(readInfisicalSync(undefined, {}, secret), undefined);
    assert.deepEqual(s?.after, []);
  });

  it("the project's id from INFISICAL_SYNC_PROJECT_ID when not set; after: the migrations the syncs wait for, a list of names", () => {
    const { projectId: _p, ...noProject } = base;
    const s = readInfisicalSync({ ...noProject, after: ["apps-to-infisical"] }, { INFISICAL_SYNC_PROJECT_ID: "p-env" }, secret);
    assert.equal(s?.projectId, "p-env");
    assert.deepEqual(s?.after, ["apps-to-infisical"]);
    assert.equal(readInfisicalSync(base, { INFISICAL_SYNC_PROJECT_ID: "p-env" }, secret)?.projectId, "p-1", "the config wins");
    assert.throws(() => readInfisicalSync({ ...base, after: "apps-to-infisical" }, {}, secret), /\[vault-migration:infisicalSync\.after\] must be a list of migration names/);
  });

  it("refuses unknown keys, a missing project, an access-token connection without its token, and two syncs that would erase each other's keys", () => {
    const bad = { ...base, projectId: undefined, connection: { name: "c", method: "access-token", instanceURL: "x" }, syncs: [...base.syncs, { name: "other", environment: "prod", mount: "secret", path: "apps/web", keySchema: "X_{{secretKey}}" }] };
    assert.throws(
      () => readInfisicalSync(bad, {}, secret),
      (e: Error) =>
        /\[vault-migration:infisicalSync\.projectId\] is required/.test(e.message) &&
        /\[vault-migration:infisicalSync\.connection\.instanceURL\] is not a setting; did you mean \[instanceUrl\]\?/.test(e.message) &&
        /infisicalSyncVaultToken or INFISICAL_SYNC_VAULT_TOKEN/.test(e.message) &&
        /"app" and "other" both write Vault secret\/apps\/web and would erase each other's keys/.test(e.message) &&
        !e.message.includes("client-secret-value"),
    );
  });
});
