// ScaiVaultSecret through the real engine against the ScaiVault double: create, no-op (no PUT),
// update (one new version), drift seen by refresh and repaired, replace (create before delete),
// delete (soft), and the leak scan of state and output.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ScaiVaultSecret } from "../../src/resources/ScaiVaultSecret";
import { startScaiVaultDouble, type ScaiVaultDouble } from "../doubles/scaivault";
import { assertNoSecrets, changes, testStack, type TestStack } from "../support/pulumi";

describe("ScaiVaultSecret (real engine, ScaiVault double)", function () {
  this.timeout(300_000);
  let sv: ScaiVaultDouble;
  let t: TestStack;
  let token: string;
  const seeded: string[] = [];
  const val = (label: string): string => {
    const v = `svs-${label}-${randomBytes(6).toString("hex")}`;
    seeded.push(v);
    return v;
  };
  const key = randomBytes(24).toString("base64");
  const params = { path: "infra/hashicorp/approle", roleId: "", secretId: "", description: "AppRole of the federation backend" };

  before(async () => {
    sv = await startScaiVaultDouble({ limits: false });
    token = sv.issueToken(["secrets:read", "secrets:write", "secrets:delete"], "sa:secrets");
    seeded.push(token, key);
    params.roleId = val("role");
    params.secretId = val("secret-id");
    t = await testStack("scaivault-secret", async () => {
      const s = new ScaiVaultSecret("approle", { connection: { url: sv.url, token }, path: params.path, value: { role_id: params.roleId, secret_id: params.secretId }, secretType: "json", description: params.description, tags: ["infra"], fingerprintKey: key });
      return { version: s.version, drift: s.drift };
    });
  });
  after(async () => {
    await t?.remove();
    await sv?.stop();
  });

  const stored = (p: string) => sv.store.live(p);

  it("create writes one version; a no-change up makes no PUT", async () => {
    const up = await t.up();
    assert.equal(up.outputs.version?.value, 1);
    assert.deepEqual(sv.versionsOf(params.path), [1]);
    assert.deepEqual(stored(params.path)?.versions[0]?.data, { role_id: params.roleId, secret_id: params.secretId });
    assert.equal(stored(params.path)?.secretType, "json");
    sv.resetRequests();
    const again = await t.up();
    assert.deepEqual(changes(again.summary.resourceChanges), {});
    assert.equal(sv.count("putSecret"), 0);
  });

  it("update: a new secret_id is one new version; a hand edit is drift on refresh, repaired by the next up", async () => {
    params.secretId = val("secret-id-2");
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { update: 1 });
    assert.deepEqual(sv.versionsOf(params.path), [1, 2]);
    await fetch(`${sv.url}/v1/secrets/${params.path}`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ data: { role_id: "hand", secret_id: "hand" } }) });
    await t.refresh();
    const fixed = await t.up();
    assert.deepEqual(changes(fixed.summary.resourceChanges), { update: 1 });
    assert.deepEqual(stored(params.path)?.versions.at(-1)?.data, { role_id: params.roleId, secret_id: params.secretId });
    assert.equal(fixed.outputs.drift?.value, false);
  });

  it("a new path replaces (created first, the old one soft-deleted); destroy soft-deletes; nothing secret in state or output", async () => {
    const old = params.path;
    params.path = "infra/hashicorp/approle-v2";
    const up = await t.up();
    assert.deepEqual(changes(up.summary.resourceChanges), { replace: 1 });
    assert.deepEqual(sv.versionsOf(params.path), [1]);
    assert.equal(stored(old), undefined, "the old path is soft-deleted");
    const state = await t.exportState();
    assertNoSecrets({ state, output: t.output.join("\n") }, seeded);
    await t.destroy();
    assert.equal(stored(params.path), undefined);
  });
});
