// The project's own stack program (index.ts) with `vault-migration:scaivault` (issue #20 item 6),
// through the real engine against a real OpenBao and the ScaiVault contract double: the reader's
// AppRole credentials stored in ScaiVault, a proxy-mode backend that reads OpenBao with them, a
// no-op second `up`, the proxy → sync flip as an in-place update from a config change, destroy,
// and no token, secret_id or value in the state or the output.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import * as fs from "node:fs";
import * as path from "node:path";
import { LocalWorkspace, PulumiCommand, type Stack } from "@pulumi/pulumi/automation";
import { ScaiVaultClient } from "../../src/clients/scaivault";
import { engineBinDir, engineEnv, repoRoot } from "../../scripts/lib/engine";
import { startScaiVaultDouble, type ScaiVaultDouble } from "../doubles/scaivault";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets, changes, wrapStack, type TestStack } from "../support/pulumi";

describe("stack program: vault-migration:scaivault through the engine (OpenBao + ScaiVault double)", function () {
  this.timeout(600_000);
  const id = randomBytes(3).toString("hex");
  const stackName = `citest-sv-${id}`;
  const stackFile = path.join(repoRoot, "stacks", `Pulumi.${stackName}.yaml`);
  const dir = path.join(repoRoot, ".state", "test", stackName);
  const value = `SEEDVAL-sv-${randomBytes(8).toString("hex")}`;
  let bao: OpenBaoServer;
  let sv: ScaiVaultDouble;
  let token: string;
  let stack: Stack;
  let t: TestStack;

  const scaivault = (mode: "proxy" | "sync"): Record<string, unknown> => ({
    secrets: [{ name: "fed-creds", path: "system/federation/vault-approle", valueFrom: "reader", tags: ["federation"] }],
    federationBackends: [{ name: "vault-legacy", credentialsFrom: "fed-creds", pathMapping: { "external/hashicorp/**": "secret/data/shared/**" }, mode, ...(mode === "sync" ? { syncInterval: "15m", conflictResolution: "local_wins" } : {}) }],
  });
  const setScaiVault = (mode: "proxy" | "sync"): Promise<void> => stack.setConfig("vault-migration:scaivault", { value: JSON.stringify(scaivault(mode)) }).then(() => undefined);

  before(async () => {
    bao = await startOpenBaoDev();
    await vaultRequest(bao, "POST", "secret/data/shared/app/db", { data: { password: value } });
    sv = await startScaiVaultDouble({ limits: false });
    token = sv.issueToken(["secrets:read", "secrets:write", "secrets:list", "secrets:delete", "federation:read", "federation:write"]);
    fs.writeFileSync(stackFile, "# Made by test/integration/stack-program-scaivault.test.ts; removed after the test.\nconfig: {}\n");
    const eenv = engineEnv({ backendDir: path.join(dir, "backend"), pulumiHome: path.join(dir, "home"), passphrase: `sv-test-${id}` });
    const env = { ...eenv, VAULT_ADDR: bao.address, VAULT_TOKEN: bao.rootToken, SCAIVAULT_URL: sv.url, SCAIVAULT_TOKEN: token, VAULT_MIGRATION_FINGERPRINT_KEY: randomBytes(32).toString("base64") };
    const pulumiCommand = await PulumiCommand.get({ root: path.dirname(engineBinDir()), skipVersionCheck: true });
    stack = await LocalWorkspace.createStack({ stackName, workDir: repoRoot }, { envVars: env, pulumiHome: eenv.PULUMI_HOME, pulumiCommand });
    await stack.setConfig("vault-migration:reader", { value: JSON.stringify({ name: "sv-reader", sources: [{ mount: "secret", kvVersion: 2, prefixes: ["shared/"] }] }) });
    await setScaiVault("proxy");
    t = wrapStack(stack, { workDir: repoRoot, env, dir });
  });

  after(async () => {
    await stack?.workspace.removeStack(stackName, { force: true }).catch(() => undefined);
    fs.rmSync(stackFile, { force: true });
    fs.rmSync(dir, { recursive: true, force: true });
    await sv?.stop();
    await bao?.stop();
  });

  it("up stores the reader's credentials and federates in proxy mode: a read through the proxy returns what OpenBao holds; a second up changes nothing", async () => {
    const up = await t.up();
    const backends = up.outputs.scaivaultFederationBackends?.value as Record<string, { backendId: string; status: string }>;
    assert.equal(backends["vault-legacy"]?.status, "healthy");
    const stored = sv.store.live("system/federation/vault-approle");
    assert.deepEqual(Object.keys(stored?.versions.at(-1)?.data ?? {}).sort(), ["role_id", "secret_id"]);
    assert.equal(stored?.secretType, "json");
    const c = new ScaiVaultClient({ url: sv.url, token, pacing: false });
    try {
      assert.deepEqual((await c.getSecret("external/hashicorp/app/db"))?.data, { password: value }, "read through the proxy with the stored AppRole credentials");
    } finally {
      await c.close();
    }
    const again = await t.up();
    assert.deepEqual(changes(again.summary.resourceChanges), {});
    assert.deepEqual(sv.versionsOf("system/federation/vault-approle"), [1], "no PUT on a no-change up");
  });

  it("mode: sync in the config is an in-place update of the same backend; destroy removes it and soft-deletes the credentials; nothing secret in state or output", async () => {
    const before = [...sv.store.backends.values()][0];
    await setScaiVault("sync");
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { update: 1 });
    const after = [...sv.store.backends.values()];
    assert.equal(after.length, 1);
    assert.equal(after[0]?.id, before?.id, "same backend: updated, not replaced");
    assert.equal(after[0]?.mode, "sync");
    assert.equal(after[0]?.sync_interval, "15m");
    const secretId = String(sv.store.live("system/federation/vault-approle")?.versions.at(-1)?.data.secret_id);
    const state = await t.exportState();
    await t.destroy();
    assert.equal(sv.store.backends.size, 0);
    assert.equal(sv.store.live("system/federation/vault-approle"), undefined, "soft-deleted");
    assertNoSecrets({ state, output: t.output.join("") }, [value, token, secretId]);
  });
});
