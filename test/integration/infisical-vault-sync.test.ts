// InfisicalVaultConnection, InfisicalVaultSync and InfisicalSyncWriter through the real engine, with
// the Infisical double performing each sync against a real OpenBao (fact sheet §4, §5). One stack:
// create / no-op / update / replace / delete of both resources, each initial sync behaviour, a key
// schema, disabled deletion (the default), auto-sync off with a manual trigger, removal on delete,
// the overlap refusal at preview, the in-use refusal, and the leak scan. Every effect is read back
// from OpenBao; the AppRole the sync logs in as holds exactly the rendered least-privilege policy.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { InfisicalClient } from "../../src/clients/infisical";
import { InfisicalSyncWriter } from "../../src/components/InfisicalSyncWriter";
import { renderInfisicalSyncPolicy } from "../../src/components/infisicalSyncPolicy";
import { InfisicalVaultConnection } from "../../src/resources/InfisicalVaultConnection";
import { InfisicalVaultSync, type InfisicalVaultSyncArgs } from "../../src/resources/InfisicalVaultSync";
import { startInfisicalDouble, type InfisicalDouble } from "../doubles/infisical";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, testStack, type TestStack } from "../support/pulumi";

type SyncParams = Omit<InfisicalVaultSyncArgs, "infisical" | "projectId" | "connectionId">;

describe("Infisical Vault connection and sync (real engine, Infisical double, real OpenBao)", function () {
  this.timeout(900_000);
  let bao: OpenBaoServer;
  let inf: InfisicalDouble;
  let c: InfisicalClient;
  let t: TestStack;
  let projectId = "";
  const seeded: string[] = [];
  const val = (label: string): string => {
    const v = `${label}-${randomBytes(6).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const values = { dbPass: val("db-pass"), apiKey: val("api-key"), newKey: val("new-key"), impX: val("imp-x"), vaultX: val("vault-x"), vaultY: val("vault-y") };
  const target = { mount: "kv2", path: "app", folder: true };
  const params: { conn: { name: string; method: "app-role" | "access-token"; description: string; accessToken?: string }; syncs: Record<string, SyncParams> } = {
    conn: { name: "vault-main", method: "app-role", description: "OpenBao for the cutover" },
    syncs: { main: { name: "main-sync", environment: "prod", secretPath: "/app", mount: "kv2", path: "app/config", keySchema: "INF_{{secretKey}}" } },
  };

  const readKv = async (path: string): Promise<Record<string, string> | undefined> => (await vaultRequest<{ data: { data: Record<string, string> } }>(bao, "GET", `kv2/data/${path}`).catch(() => undefined))?.data.data;
  const infisicalValue = (path: string, key: string): string | undefined => inf.store.peek("sync-e2e", "prod", path, key)?.value;

  before(async () => {
    bao = await startOpenBaoDev();
    seeded.push(bao.rootToken);
    await vaultRequest(bao, "POST", "sys/auth/approle", { type: "approle" });
    await vaultRequest(bao, "POST", "kv2/data/app/config", { data: { KEEP: "vault-only-key", INF_OLD: "stale-from-before" } });
    inf = await startInfisicalDouble({ allowInternalIpConnections: true });
    const identity = inf.createIdentity();
    seeded.push(identity.clientSecret);
    c = new InfisicalClient({ siteUrl: inf.siteUrl, auth: { method: "universal-auth", ...identity } });
    projectId = (await c.ensureProject("sync-e2e", "sync-e2e")).id;
    await c.ensureEnvironment(projectId, "prod", "prod");
    for (const f of ["/app", "/imp", "/imp2"]) await c.ensureFolder(projectId, "prod", f);
    await c.upsertSecrets({ projectId, environment: "prod", secretPath: "/app" }, [
      { secretKey: "DB_PASS", secretValue: values.dbPass, secretMetadata: [] },
      { secretKey: "API_KEY", secretValue: values.apiKey, secretMetadata: [] },
    ]);
    const infisical = { siteUrl: inf.siteUrl, auth: { method: "universal-auth" as const, ...identity } };
    const admin = { address: bao.address, auth: { method: "token" as const, token: bao.rootToken } };
    t = await testStack("infisical-vault-sync", async () => {
      const writer = new InfisicalSyncWriter("infisical-sync", { connection: admin, targets: [target] });
      const conn = new InfisicalVaultConnection("conn", {
        infisical,
        name: params.conn.name,
        description: params.conn.description,
        projectId,
        instanceUrl: bao.address,
        method: params.conn.method,
        ...(params.conn.method === "app-role" ? { roleId: writer.roleId, secretId: writer.secretId } : { accessToken: params.conn.accessToken ?? "" }),
        allowInternalIpConnections: true,
      });
      const out: Record<string, unknown> = { connectionId: conn.connectionId, policy: writer.policyName };
      for (const [k, s] of Object.entries(params.syncs)) {
        const sync = new InfisicalVaultSync(`sync-${k}`, { infisical, projectId, connectionId: conn.connectionId, ...s });
        out[`${k}Status`] = sync.syncStatus;
        out[`${k}Message`] = sync.lastSyncMessage;
        out[`${k}SyncedAt`] = sync.lastSyncedAt;
      }
      return out;
    });
  });
  after(async () => {
    await t?.remove();
    await c?.close();
    await inf?.stop();
    await bao?.stop();
  });

  it("create: the sync writes its schema's keys into OpenBao with exactly the rendered policy, deleting nothing by default", async () => {
    const up = await t.up();
    assert.equal(up.outputs.mainStatus?.value, "succeeded", String(up.outputs.mainMessage?.value));
    assert.ok(up.outputs.mainSyncedAt?.value);
    assert.deepEqual(await readKv("app/config"), { KEEP: "vault-only-key", INF_OLD: "stale-from-before", INF_DB_PASS: values.dbPass, INF_API_KEY: values.apiKey });
    const policy = await vaultRequest<{ data: { policy: string } }>(bao, "GET", "sys/policies/acl/infisical-sync");
    assert.equal(policy?.data.policy, renderInfisicalSyncPolicy([target]));
    const role = await vaultRequest<{ data: { token_policies: string[] } }>(bao, "GET", "auth/approle/role/infisical-sync");
    assert.deepEqual(role?.data.token_policies, ["infisical-sync"], "the sync logs in with that policy alone");
    // The secret_id Infisical was given (the double keeps it): scanned for below.
    const secretId = [...inf.vaultSyncs.connections.values()][0]?.credentials.secretId;
    assert.ok(secretId);
    seeded.push(secretId);
  });

  it("no-op: a second up changes nothing and writes nothing into Vault", async () => {
    const writes = inf.vaultSyncs.vaultWrites;
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), {});
    await inf.vaultSyncs.idle();
    assert.equal(inf.vaultSyncs.vaultWrites, writes);
  });

  it("refresh and up after an auto-sync that succeeded again (same keys): no drift, no changes, no write into Vault (a new lastSyncedAt is not drift)", async () => {
    const before = (await t.stack.outputs()).mainSyncedAt?.value;
    const writes = inf.vaultSyncs.vaultWrites;
    const sync = [...inf.vaultSyncs.syncs.values()][0]!;
    // The same value again: a secret write in the environment queues the auto-sync, which changes nothing in Vault.
    await c.upsertSecrets({ projectId, environment: "prod", secretPath: "/app" }, [{ secretKey: "DB_PASS", secretValue: values.dbPass, secretMetadata: [] }]);
    await inf.vaultSyncs.idle();
    assert.equal(sync.syncStatus, "succeeded");
    assert.notEqual(sync.lastSyncedAt, before, "the sync ran again");
    const refresh = await t.refresh();
    assert.deepEqual(changes(refresh.summary.resourceChanges), {});
    assert.deepEqual(changes((await t.up()).summary.resourceChanges), {});
    assert.equal(inf.vaultSyncs.vaultWrites, writes);
  });

  it("drift: credentials changed in Infisical behind the stack show on refresh as a new credentialsHash; the next up sends the stack's again", async () => {
    const conn = [...inf.vaultSyncs.connections.values()][0]!;
    const mine = conn.credentials.secretId;
    const other = (await vaultRequest<{ data: { secret_id: string } }>(bao, "POST", "auth/approle/role/infisical-sync/secret-id", {}))!.data.secret_id;
    seeded.push(other);
    await c.updateVaultConnection(conn.id, { credentials: { instanceUrl: bao.address, roleId: conn.credentials.roleId ?? "", secretId: other } });
    await t.refresh();
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { update: 1 });
    assert.equal(conn.credentials.secretId, mine);
    assert.deepEqual(changes((await t.up()).summary.resourceChanges), {}, "converged");
  });

  it("update in place: deletion enabled removes the schema's stale key only; the connection's description changes without a new id", async () => {
    const before = (await t.stack.outputs()).connectionId?.value;
    params.syncs.main = { ...params.syncs.main, disableSecretDeletion: false };
    params.conn.description = "OpenBao, cutover phase 2";
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { update: 2 });
    assert.equal(up.outputs.connectionId?.value, before);
    assert.equal(inf.vaultSyncs.connections.get(String(before))?.description, "OpenBao, cutover phase 2");
    assert.deepEqual(await readKv("app/config"), { KEEP: "vault-only-key", INF_DB_PASS: values.dbPass, INF_API_KEY: values.apiKey });
  });

  it("auto-sync off: an Infisical change stays out of Vault until the trigger input changes", async () => {
    params.syncs.main = { ...params.syncs.main, autoSync: false };
    await t.up();
    await c.upsertSecrets({ projectId, environment: "prod", secretPath: "/app" }, [{ secretKey: "NEW_KEY", secretValue: values.newKey, secretMetadata: [] }]);
    await inf.vaultSyncs.idle();
    assert.equal((await readKv("app/config"))?.INF_NEW_KEY, undefined);
    params.syncs.main = { ...params.syncs.main, trigger: "manual-1" };
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { update: 1 });
    assert.equal(up.outputs.mainStatus?.value, "succeeded");
    assert.equal((await readKv("app/config"))?.INF_NEW_KEY, values.newKey);
  });

  it("each initial sync behaviour: import prioritising Infisical, import prioritising Vault", async () => {
    await c.upsertSecrets({ projectId, environment: "prod", secretPath: "/imp" }, [{ secretKey: "X", secretValue: values.impX, secretMetadata: [] }]);
    await c.upsertSecrets({ projectId, environment: "prod", secretPath: "/imp2" }, [{ secretKey: "X", secretValue: values.impX, secretMetadata: [] }]);
    await vaultRequest(bao, "POST", "kv2/data/app/imp-src", { data: { IMP_X: values.vaultX, IMP_Y: values.vaultY } });
    await vaultRequest(bao, "POST", "kv2/data/app/imp-dst", { data: { IMP_X: values.vaultX } });
    params.syncs.src = { name: "imp-src", environment: "prod", secretPath: "/imp", mount: "kv2", path: "app/imp-src", keySchema: "IMP_{{secretKey}}", initialSyncBehavior: "import-prioritize-source" };
    params.syncs.dst = { name: "imp-dst", environment: "prod", secretPath: "/imp2", mount: "kv2", path: "app/imp-dst", keySchema: "IMP_{{secretKey}}", initialSyncBehavior: "import-prioritize-destination" };
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { create: 2 });
    assert.equal(up.outputs.srcStatus?.value, "succeeded");
    assert.deepEqual(await readKv("app/imp-src"), { IMP_X: values.impX, IMP_Y: values.vaultY }, "Infisical's X wins; Vault's Y imported");
    assert.equal(infisicalValue("/imp", "Y"), values.vaultY);
    assert.deepEqual(await readKv("app/imp-dst"), { IMP_X: values.vaultX }, "Vault's X wins");
    assert.equal(infisicalValue("/imp2", "X"), values.vaultX);
  });

  it("a sync Vault refuses (a path outside the writer's policy) ends failed: its status and Vault's reason are outputs, nothing is written, the up itself succeeds", async () => {
    params.syncs.denied = { name: "denied", environment: "prod", secretPath: "/imp", mount: "kv2", path: "elsewhere/x", keySchema: "D_{{secretKey}}" };
    const up = await t.up();
    assert.equal(up.outputs.deniedStatus?.value, "failed");
    assert.match(String(up.outputs.deniedMessage?.value), /permission denied/);
    assert.equal(await readKv("elsewhere/x"), undefined);
    assert.match(t.output.join("\n"), /Infisical sync "denied" into Vault kv2\/elsewhere\/x failed: .*permission denied/);
    delete params.syncs.denied;
    assert.deepEqual(changes((await t.up()).summary.resourceChanges), { delete: 1 });
  });

  it("preview refuses a second sync into one mount/path whose keys are not kept apart; nothing is created", async () => {
    params.syncs.clash = { name: "clash", environment: "prod", secretPath: "/imp", mount: "kv2", path: "app/config" };
    await assert.rejects(t.preview(), /"sync-main" and "sync-clash" both write Vault kv2\/app\/config and would erase each other's keys/);
    await assert.rejects(t.up(), /would erase each other's keys/);
    assert.equal([...inf.vaultSyncs.syncs.values()].filter((s) => s.name === "clash").length, 0);
    delete params.syncs.clash;
  });

  it("a method change keeping the name must delete the connection first: Infisical's refusal while syncs use it is a clear error, and nothing changed", async () => {
    const token = (await vaultRequest<{ auth: { client_token: string } }>(bao, "POST", "auth/token/create", { policies: ["infisical-sync"], ttl: "1h" }))!.auth.client_token;
    seeded.push(token);
    params.conn = { ...params.conn, method: "access-token", accessToken: token };
    await assert.rejects(t.up(), /refuses to delete the Vault connection "vault-main" while a secret sync uses it: delete or re-point that sync first/);
    assert.equal(inf.vaultSyncs.connections.size, 1);
    assert.equal(inf.vaultSyncs.syncs.size, 3);
  });

  it("replace: a new name and method create the new connection, re-point the syncs, then delete the old one", async () => {
    const before = (await t.stack.outputs()).connectionId?.value;
    params.conn = { ...params.conn, name: "vault-main-token" };
    const up = await t.up();
    assert.equal(changes(up.summary.resourceChanges).replace, 1);
    assert.notEqual(up.outputs.connectionId?.value, before);
    assert.deepEqual([...inf.vaultSyncs.connections.values()].map((x) => [x.name, x.method]), [["vault-main-token", "access-token"]]);
    assert.ok([...inf.vaultSyncs.syncs.values()].every((s) => s.connectionId === up.outputs.connectionId?.value));
    await c.upsertSecrets({ projectId, environment: "prod", secretPath: "/app" }, [{ secretKey: "API_KEY", secretValue: `${values.apiKey}-2`, secretMetadata: [] }]);
    seeded.push(`${values.apiKey}-2`);
    params.syncs.main = { ...params.syncs.main, trigger: "manual-2" };
    await t.up();
    assert.equal((await readKv("app/config"))?.INF_API_KEY, `${values.apiKey}-2`, "the token connection syncs too");
  });

  it("delete: removeSecretsOnDelete takes the sync's keys out of Vault and keeps the rest; the default leaves them; no value, token or secret_id in state or output", async () => {
    params.syncs.main = { ...params.syncs.main, removeSecretsOnDelete: true };
    await t.up();
    delete params.syncs.main;
    delete params.syncs.src;
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { delete: 2 });
    assert.deepEqual(await readKv("app/config"), { KEEP: "vault-only-key" });
    assert.deepEqual(await readKv("app/imp-src"), { IMP_X: values.impX, IMP_Y: values.vaultY }, "left in place by default");
    const state = await t.exportState();
    assertNoSecrets({ state, output: t.output.join("\n") }, [...seeded, ...inf.issuedTokens()]);
    await t.destroy();
    assert.equal(inf.vaultSyncs.syncs.size, 0);
    assert.equal(inf.vaultSyncs.connections.size, 0);
  });
});
