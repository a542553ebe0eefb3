// ScaiVaultFederationBackend (with the ScaiVaultSecret holding its AppRole credentials) through the
// real engine: the double in front of a real OpenBao. Create waits until healthy; a read through
// the proxy returns what OpenBao holds; no-op; proxy → sync is an in-place update and the backend
// stays healthy; a new mapping replaces; bad globs, invalid ScaiVault paths, templates without
// KV v2's data/ and overlapping backends are refused at preview naming the mapping; destroy.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ScaiVaultClient } from "../../src/clients/scaivault";
import { ScaiVaultFederationBackend } from "../../src/resources/ScaiVaultFederationBackend";
import { ScaiVaultSecret } from "../../src/resources/ScaiVaultSecret";
import { startScaiVaultDouble, type ScaiVaultDouble } from "../doubles/scaivault";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, testStack, type TestStack } from "../support/pulumi";

describe("ScaiVaultFederationBackend (real engine, real OpenBao behind the ScaiVault double)", function () {
  this.timeout(400_000);
  let bao: OpenBaoServer;
  let sv: ScaiVaultDouble;
  let t: TestStack;
  let c: ScaiVaultClient;
  const key = randomBytes(24).toString("base64");
  const seeded: string[] = [];
  const creds = { roleId: "", secretId: "" };
  const params: { mode: "proxy" | "sync"; mapping: Record<string, string>; extra?: Record<string, string> } = { mode: "proxy", mapping: { "external/hashicorp/**": "kv2/data/**" } };
  const password = `fed-seed-${randomBytes(6).toString("hex")}`;

  before(async () => {
    [bao, sv] = await Promise.all([startOpenBaoDev(), startScaiVaultDouble({ limits: { federation: 20 } })]);
    const token = sv.issueToken(["admin"], "sa:infra");
    c = new ScaiVaultClient({ url: sv.url, token, pacing: false });
    await vaultRequest(bao, "POST", "sys/auth/approle", { type: "approle" });
    await vaultRequest(bao, "PUT", "sys/policies/acl/scaivault-reader", { policy: 'path "kv2/data/*" { capabilities = ["read", "list"] }' });
    await vaultRequest(bao, "POST", "auth/approle/role/scaivault-federation", { token_policies: "scaivault-reader", token_ttl: "1h" });
    await vaultRequest(bao, "POST", "kv2/data/apps/billing/db", { data: { password } });
    creds.roleId = ((await vaultRequest(bao, "GET", "auth/approle/role/scaivault-federation/role-id")) as { data: { role_id: string } }).data.role_id;
    creds.secretId = ((await vaultRequest(bao, "POST", "auth/approle/role/scaivault-federation/secret-id")) as { data: { secret_id: string } }).data.secret_id;
    seeded.push(token, key, password, creds.secretId, bao.rootToken);
    t = await testStack("scaivault-fed", async () => {
      const conn = { url: sv.url, token };
      const secret = new ScaiVaultSecret("approle", { connection: conn, path: "infra/hashicorp/approle", value: { role_id: creds.roleId, secret_id: creds.secretId }, secretType: "json", fingerprintKey: key });
      const b = new ScaiVaultFederationBackend("prod", {
        connection: conn,
        name: "hashicorp-production",
        endpoint: bao.address,
        authConfigPath: secret.path,
        pathMapping: params.mapping,
        mode: params.mode,
        ...(params.mode === "sync" ? { syncInterval: "1h", conflictResolution: "local_wins" } : {}),
      });
      const out: Record<string, unknown> = { id: b.backendId, status: b.status, secretsSynced: b.secretsSynced };
      if (params.extra) new ScaiVaultFederationBackend("second", { connection: conn, name: "hashicorp-dr", endpoint: bao.address, authConfigPath: secret.path, pathMapping: params.extra, mode: "proxy" }, { dependsOn: [b] });
      return out;
    });
  });
  after(async () => {
    await t?.remove();
    await c?.close();
    await Promise.all([sv?.stop(), bao?.stop()]);
  });

  let firstId = "";
  it("creates the credentials secret, then the backend, healthy; a read through the proxy returns what OpenBao holds; a re-run changes nothing", async () => {
    const up = await t.up();
    assert.equal(up.outputs.status?.value, "healthy");
    assert.equal(up.outputs.secretsSynced?.value, 0);
    firstId = up.outputs.id?.value as string;
    assert.match(firstId, /^fed_/);
    assert.deepEqual((await c.getSecret("external/hashicorp/apps/billing/db"))?.data, { password });
    const again = await t.up();
    assert.deepEqual(changes(again.summary.resourceChanges), {});
  });

  it("proxy → sync is an in-place update (same id), and the backend stays healthy", async () => {
    params.mode = "sync";
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { update: 1 });
    assert.equal(up.outputs.id?.value, firstId);
    assert.equal(up.outputs.status?.value, "healthy");
    const b = await c.getBackend(firstId);
    assert.deepEqual([b?.mode, b?.sync_interval, b?.conflict_resolution], ["sync", "1h", "local_wins"]);
  });

  it("bad globs, invalid ScaiVault paths, templates without data/ and overlapping backends are refused at preview, naming the mapping", async () => {
    const keep = params.mapping;
    try {
      params.mapping = { "external/Hashi/**": "kv2/data/**", "a/b/c/d/e/f/g/h/i/j/k/**": "kv2/data/**", "legacy/**": "kv2/**" };
      await assert.rejects(t.preview(), (e: Error) => {
        assert.match(e.message, /"external\/Hashi\/\*\*".*bad glob/);
        assert.match(e.message, /"a\/b\/c\/d\/e\/f\/g\/h\/i\/j\/k\/\*\*".*not a valid path/);
        assert.match(e.message, /"legacy\/\*\*".*data\/ segment/);
        return true;
      });
      params.mapping = keep;
      // A backend made outside the stack: the provider's check finds it on the server.
      const outside = await c.createBackend({
        name: "outside-dr",
        type: "hashicorp-vault",
        config: { endpoint: bao.address, auth_method: "approle", auth_config_path: "infra/hashicorp/approle", tls_verify: true },
        path_mapping: { "external/**": "kv2/data/**" },
        mode: "proxy",
      });
      try {
        await assert.rejects(t.preview(), /"external\/hashicorp\/\*\*" overlaps backend outside-dr's "external\/\*\*"/);
      } finally {
        await c.deleteBackend(outside.id);
      }
    } finally {
      params.mapping = keep;
      delete params.extra;
    }
  });

  it("a new mapping replaces the backend; destroy removes it; nothing secret in state or output", async () => {
    params.mapping = { "vault/prod/**": "kv2/data/**" };
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { replace: 1 });
    assert.notEqual(up.outputs.id?.value, firstId);
    assert.equal(await c.getBackend(firstId), undefined);
    assertNoSecrets({ state: await t.exportState(), output: t.output.join("\n") }, seeded);
    await t.destroy();
    assert.deepEqual(await c.listBackends(), []);
  });

  it("two new backends of the stack whose patterns overlap are refused at preview (neither is on the server yet) and at up, and the second is never created", async () => {
    params.mapping = { "vault/prod/**": "kv2/data/**" };
    params.extra = { "vault/**": "kv2/data/**" };
    try {
      await assert.rejects(t.preview(), /ScaiVaultFederationBackend second: \[pathMapping\] "vault\/\*\*" overlaps "vault\/prod\/\*\*" of backend hashicorp-production \(resource prod\) in this stack/);
      await assert.rejects(t.up(), /overlaps "vault\/prod\/\*\*"/, "and again at up (the automation API's up skips the preview)");
      // At up the first backend is declared before the second exists, so it may be made; the second never is.
      assert.deepEqual((await c.listBackends()).filter((b) => b.name === "hashicorp-dr"), [], "the overlapping backend is not created");
    } finally {
      delete params.extra;
    }
  });
});
