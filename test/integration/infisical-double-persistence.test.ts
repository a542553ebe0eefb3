// The Infisical double with `persistDir` and a fixed `port` (what the demo keeps in
// .demo/infisical): projects, environments, folders, secrets with their metadata and versions, and
// the machine identities survive a restart, so the same credentials log in again; so do the Vault
// app connections and syncs (the demo's second run finds them), and a restored sync still runs
// against a real OpenBao; a state file of another kind stops the start.
import * as assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InfisicalClient } from "../../src/clients/infisical";
import { startInfisicalDouble } from "../doubles/infisical";
import { STATE_FILE } from "../doubles/infisical/persist";
import { startOpenBaoDev, vaultRequest } from "../support/openbao";

describe("Infisical double: persistence across restarts", function () {
  this.timeout(60_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "inf-persist-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps projects, folders, secrets and identities; the same site URL and credentials work after a restart", async () => {
    const first = await startInfisicalDouble({ persistDir: dir });
    const creds = first.createIdentity({ clientId: "demo-client", clientSecret: "inf-cs-demo-stable" });
    let c = new InfisicalClient({ siteUrl: first.siteUrl, auth: { method: "universal-auth", ...creds } });
    const p = await c.ensureProject("demo-vault", "demo-vault");
    await c.ensureEnvironment(p.id, "production", "production");
    await c.ensureFolder(p.id, "production", "/apps/db");
    const scope = { projectId: p.id, environment: "production", secretPath: "/apps/db" };
    await c.upsertSecrets(scope, [{ secretKey: "password", secretValue: "pw-1", secretMetadata: [{ key: "migrated-from", value: "vault" }] }]);
    await c.upsertSecrets(scope, [{ secretKey: "password", secretValue: "pw-2", secretMetadata: [{ key: "migrated-from", value: "vault" }] }]);
    await c.close();
    const port = Number(new URL(first.siteUrl).port);
    await first.stop();
    assert.equal(statSync(join(dir, STATE_FILE)).mode & 0o777, 0o600, "the state file holds values and client secrets: 0600");

    const second = await startInfisicalDouble({ persistDir: dir, port });
    try {
      assert.equal(second.siteUrl, `http://127.0.0.1:${port}`);
      c = new InfisicalClient({ siteUrl: second.siteUrl, auth: { method: "universal-auth", ...creds } });
      const again = await c.ensureProject("demo-vault", "demo-vault");
      assert.equal(again.id, p.id, "found by its slug, not created again");
      assert.deepEqual(await c.listFolders(p.id, "production", "/apps"), ["db"]);
      const [s, ...rest] = await c.listSecrets(scope);
      assert.deepEqual(rest, []);
      assert.equal(s?.secretKey, "password");
      assert.equal(s?.secretValue, "pw-2");
      assert.deepEqual(s?.secretMetadata, [{ key: "migrated-from", value: "vault" }]);
      assert.equal(second.store.peek("demo-vault", "production", "/apps/db", "password")?.version, 2);
      await c.close();
    } finally {
      await second.stop();
    }
  });

  it("keeps Vault app connections and syncs with their status and credentialsHash; a restored sync still writes into OpenBao", async () => {
    const d = await mkdtemp(join(tmpdir(), "inf-persist-syncs-"));
    const bao = await startOpenBaoDev();
    let c: InfisicalClient | undefined;
    try {
      const first = await startInfisicalDouble({ persistDir: d, allowInternalIpConnections: true });
      const creds = first.createIdentity();
      c = new InfisicalClient({ siteUrl: first.siteUrl, auth: { method: "universal-auth", ...creds } });
      const p = await c.ensureProject("sync-persist", "sync-persist");
      await c.ensureEnvironment(p.id, "production", "production");
      await c.ensureFolder(p.id, "production", "/app");
      const scope = { projectId: p.id, environment: "production", secretPath: "/app" };
      await c.upsertSecrets(scope, [{ secretKey: "A", secretValue: "value-a", secretMetadata: [] }]);
      const conn = await c.createVaultConnection({ name: "bao", method: "access-token", credentials: { instanceUrl: bao.address, accessToken: bao.rootToken } });
      const created = await c.createVaultSync({ name: "app-sync", projectId: p.id, connectionId: conn.id, environment: "production", secretPath: "/app", isAutoSyncEnabled: true, syncOptions: { initialSyncBehavior: "overwrite-destination", disableSecretDeletion: true }, destinationConfig: { mount: "secret", path: "synced/app" } });
      const done = await c.waitForVaultSync(created.id, { timeoutMs: 30_000 });
      assert.equal(done?.syncStatus, "succeeded", String(done?.lastSyncMessage));
      await c.close();
      const port = Number(new URL(first.siteUrl).port);
      await first.stop();

      const second = await startInfisicalDouble({ persistDir: d, port, allowInternalIpConnections: true });
      try {
        c = new InfisicalClient({ siteUrl: second.siteUrl, auth: { method: "universal-auth", ...creds } });
        const connAgain = await c.getVaultConnection(conn.id);
        assert.equal(connAgain?.name, "bao");
        assert.equal(connAgain?.credentialsHash, conn.credentialsHash, "the same hash: a refresh after a restart sees no drift");
        const syncAgain = await c.getVaultSync(created.id);
        assert.equal(syncAgain?.syncStatus, "succeeded");
        assert.equal(syncAgain?.lastSyncedAt, done?.lastSyncedAt);
        assert.equal(syncAgain?.connectionId, conn.id);
        // Auto-sync after the restart: a new key reaches OpenBao through the restored connection.
        await c.upsertSecrets(scope, [{ secretKey: "B", secretValue: "value-b", secretMetadata: [] }]);
        await second.vaultSyncs.idle();
        const inBao = await vaultRequest<{ data: { data: Record<string, string> } }>(bao, "GET", "secret/data/synced/app");
        assert.deepEqual(inBao?.data.data, { A: "value-a", B: "value-b" });
        assert.equal((await c.getVaultSync(created.id))?.syncStatus, "succeeded");
      } finally {
        await c.close();
        c = undefined;
        await second.stop();
      }
      // The status of that last run is on disk too (saved when the run ended, after its request).
      const third = await startInfisicalDouble({ persistDir: d, allowInternalIpConnections: true });
      try {
        const s = third.vaultSyncs.syncs.get(created.id);
        assert.equal(s?.syncStatus, "succeeded");
        assert.notEqual(s?.lastSyncedAt, done?.lastSyncedAt);
      } finally {
        await third.stop();
      }
    } finally {
      await c?.close();
      await bao.stop();
      await rm(d, { recursive: true, force: true });
    }
  });

  it("persistDebounceMs: 0 saves each write as it is answered, not only at stop (a killed double keeps what it answered)", async () => {
    const d = await mkdtemp(join(tmpdir(), "inf-persist-now-"));
    const inf = await startInfisicalDouble({ persistDir: d, persistDebounceMs: 0 });
    const c = new InfisicalClient({ siteUrl: inf.siteUrl, auth: { method: "universal-auth", ...inf.createIdentity() } });
    try {
      await c.ensureProject("saved-at-once", "saved-at-once");
      assert.match(readFileSync(join(d, STATE_FILE), "utf8"), /"slug":"saved-at-once"/, "on disk while the double still runs");
    } finally {
      await c.close();
      await inf.stop();
      await rm(d, { recursive: true, force: true });
    }
  });

  it("a state file of another kind stops the start instead of being overwritten", async () => {
    const bad = await mkdtemp(join(tmpdir(), "inf-persist-bad-"));
    try {
      writeFileSync(join(bad, STATE_FILE), JSON.stringify({ format: "something-else" }));
      await assert.rejects(startInfisicalDouble({ persistDir: bad }), /is not a infisical-double state file/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
