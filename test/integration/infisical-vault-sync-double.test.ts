// The Infisical client's app-connection and secret-sync calls against the Infisical double, and the
// double's own Infisical checks (§4, §5 of shared/infisical-api.md), with a real OpenBao behind:
// the connection's credentials are checked by a real AppRole login, the sync writes the real KV.
import * as assert from "node:assert/strict";
import { InfisicalClient, isInfisicalApiError } from "../../src/clients/infisical";
import { startInfisicalDouble, type InfisicalDouble } from "../doubles/infisical";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";

describe("Infisical Vault app connections and syncs (client, double, real OpenBao)", function () {
  this.timeout(120_000);
  let bao: OpenBaoServer;
  let inf: InfisicalDouble;
  let strict: InfisicalDouble;
  let c: InfisicalClient;
  let projectId = "";
  const role = { roleId: "", secretId: "" };

  before(async () => {
    bao = await startOpenBaoDev();
    inf = await startInfisicalDouble({ allowInternalIpConnections: true });
    strict = await startInfisicalDouble();
    await vaultRequest(bao, "POST", "sys/auth/approle", { type: "approle" });
    await vaultRequest(bao, "POST", "sys/auth/other", { type: "approle" });
    await vaultRequest(bao, "PUT", "sys/policies/acl/sync", { policy: 'path "kv2/data/app/*" { capabilities = ["create","read","update"] }\npath "kv1/app/*" { capabilities = ["create","read","update"] }\npath "sys/mounts" { capabilities = ["read"] }' });
    for (const mount of ["approle", "other"]) await vaultRequest(bao, "POST", `auth/${mount}/role/sync`, { token_policies: ["sync"] });
    role.roleId = (await vaultRequest<{ data: { role_id: string } }>(bao, "GET", "auth/approle/role/sync/role-id"))!.data.role_id;
    role.secretId = (await vaultRequest<{ data: { secret_id: string } }>(bao, "POST", "auth/approle/role/sync/secret-id", {}))!.data.secret_id;
    c = new InfisicalClient({ siteUrl: inf.siteUrl, auth: { method: "universal-auth", ...inf.createIdentity() } });
    const p = await c.ensureProject("sync-proj", "sync-proj");
    projectId = p.id;
    await c.ensureEnvironment(projectId, "prod", "prod");
    await c.ensureFolder(projectId, "prod", "/app");
  });
  after(async () => {
    await c?.close();
    await inf?.stop();
    await strict?.stop();
    await bao?.stop();
  });

  const creds = () => ({ instanceUrl: bao.address, roleId: role.roleId, secretId: role.secretId });

  it("a connection is checked by a real AppRole login at `approle`; its secret_id is never answered; credentialsHash moves with the credentials", async () => {
    const conn = await c.createVaultConnection({ name: "vault-a", method: "app-role", projectId, credentials: creds() });
    assert.equal(conn.credentials.roleId, role.roleId);
    assert.ok(!JSON.stringify(conn).includes(role.secretId));
    assert.ok(conn.credentialsHash);
    const renamed = await c.updateVaultConnection(conn.id, { description: "d" });
    assert.equal(renamed.credentialsHash, conn.credentialsHash, "no credentials sent: the hash stays");
    const fresh = (await vaultRequest<{ data: { secret_id: string } }>(bao, "POST", "auth/approle/role/sync/secret-id", {}))!.data.secret_id;
    const rotated = await c.updateVaultConnection(conn.id, { credentials: { ...creds(), secretId: fresh } });
    assert.notEqual(rotated.credentialsHash, conn.credentialsHash);
    // A role that exists only under another AppRole mount cannot log in: Infisical uses `approle`.
    const otherId = (await vaultRequest<{ data: { role_id: string } }>(bao, "GET", "auth/other/role/sync/role-id"))!.data.role_id;
    const otherSecret = (await vaultRequest<{ data: { secret_id: string } }>(bao, "POST", "auth/other/role/sync/secret-id", {}))!.data.secret_id;
    await assert.rejects(c.createVaultConnection({ name: "vault-other", method: "app-role", credentials: { instanceUrl: bao.address, roleId: otherId, secretId: otherSecret } }), (e: unknown) => isInfisicalApiError(e, 400) && /Failed to validate credentials/.test(e.message) && !e.message.includes(otherSecret));
    await assert.rejects(c.createVaultConnection({ name: "vault-a", method: "app-role", credentials: creds() }), (e: unknown) => isInfisicalApiError(e, 400) && /already exists/.test(e.message));
    await c.updateVaultConnection(conn.id, { credentials: creds() });
  });

  it("a loopback instance URL is refused unless the server allows internal IPs", async () => {
    const s = new InfisicalClient({ siteUrl: strict.siteUrl, auth: { method: "universal-auth", ...strict.createIdentity() } });
    try {
      await assert.rejects(s.createVaultConnection({ name: "vault-local", method: "app-role", credentials: creds() }), (e: unknown) => isInfisicalApiError(e, 400) && /Local IPs not allowed/.test(e.message));
    } finally {
      await s.close();
    }
  });

  it("a sync runs asynchronously into the real KV; the connection cannot be deleted while the sync uses it; delete with removeSecrets takes its keys out", async () => {
    const conn = (await c.getVaultConnectionByName("vault-a"))!;
    await vaultRequest(bao, "POST", "kv2/data/app/config", { data: { KEEP: "vault-only" } });
    await c.upsertSecrets({ projectId, environment: "prod", secretPath: "/app" }, [{ secretKey: "DB_PASS", secretValue: "p1", secretMetadata: [] }]);
    const s = await c.createVaultSync({ name: "app-sync", projectId, connectionId: conn.id, environment: "prod", secretPath: "/app", isAutoSyncEnabled: true, syncOptions: { initialSyncBehavior: "overwrite-destination", keySchema: "INF_{{secretKey}}", disableSecretDeletion: false }, destinationConfig: { mount: "kv2", path: "app/config" } });
    const done = await c.waitForVaultSync(s.id, { timeoutMs: 30_000 });
    assert.equal(done?.syncStatus, "succeeded", done?.lastSyncMessage ?? "");
    const read = async () => (await vaultRequest<{ data: { data: Record<string, string> } }>(bao, "GET", "kv2/data/app/config"))!.data.data;
    assert.deepEqual(await read(), { KEEP: "vault-only", INF_DB_PASS: "p1" }, "a key outside the schema is kept");
    assert.equal((await c.getVaultSyncByName(projectId, "app-sync"))?.id, s.id);
    assert.deepEqual((await c.listVaultSyncs(projectId)).map((x) => x.name), ["app-sync"]);
    await assert.rejects(c.deleteVaultConnection(conn.id), (e: unknown) => isInfisicalApiError(e, 400) && /used by one or more secret syncs/.test(e.message));
    // A path outside the policy: the sync fails with Vault's reason, nothing written.
    await c.updateVaultSync(s.id, { destinationConfig: { mount: "kv2", path: "other/config" } });
    const denied = await c.waitForVaultSync(s.id, { timeoutMs: 30_000 });
    assert.equal(denied?.syncStatus, "failed");
    assert.match(denied?.lastSyncMessage ?? "", /permission denied/);
    await c.updateVaultSync(s.id, { destinationConfig: { mount: "kv2", path: "app/config" } });
    await c.waitForVaultSync(s.id, { timeoutMs: 30_000 });
    await c.deleteVaultSync(s.id, true);
    assert.deepEqual(await read(), { KEEP: "vault-only" });
    assert.equal(await c.getVaultSync(s.id), undefined);
    // KV v1 (sys/mounts says so): the map is written flat; with an access token, no AppRole login.
    const token = (await vaultRequest<{ auth: { client_token: string } }>(bao, "POST", "auth/token/create", { policies: ["sync"], ttl: "10m" }))!.auth.client_token;
    const tokenConn = await c.createVaultConnection({ name: "vault-token", method: "access-token", credentials: { instanceUrl: bao.address, accessToken: token } });
    assert.ok(!JSON.stringify(tokenConn).includes(token));
    const v1 = await c.createVaultSync({ name: "v1-sync", projectId, connectionId: tokenConn.id, environment: "prod", secretPath: "/app", isAutoSyncEnabled: true, syncOptions: { initialSyncBehavior: "overwrite-destination" }, destinationConfig: { mount: "kv1", path: "app/flat" } });
    assert.equal((await c.waitForVaultSync(v1.id, { timeoutMs: 30_000 }))?.syncStatus, "succeeded");
    assert.deepEqual((await vaultRequest<{ data: Record<string, string> }>(bao, "GET", "kv1/app/flat"))?.data, { DB_PASS: "p1" });
    await c.deleteVaultSync(v1.id);
    assert.deepEqual((await vaultRequest<{ data: Record<string, string> }>(bao, "GET", "kv1/app/flat"))?.data, { DB_PASS: "p1" }, "removeSecrets defaults to false: left in Vault");
    await c.deleteVaultConnection(tokenConn.id);
    await c.deleteVaultConnection(conn.id);
    await c.deleteVaultConnection(conn.id);
    assert.equal(await c.getVaultConnection(conn.id), undefined);
  });
});
