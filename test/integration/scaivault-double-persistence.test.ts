// The ScaiVault double with `persistDir` (what the demo keeps in .demo/scaivault): secrets with
// their versions, soft deletes and federation backends survive a restart; a token issued with a
// chosen value works again after it; a state file of another kind stops the start.
import * as assert from "node:assert/strict";
import { readFileSync, statSync, writeFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { isClientError } from "../../src/clients/http/errors";
import { ScaiVaultClient } from "../../src/clients/scaivault";
import { startScaiVaultDouble } from "../doubles/scaivault";
import { STATE_FILE } from "../doubles/scaivault/persist";

describe("ScaiVault double: persistence across restarts", function () {
  this.timeout(30_000);
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), "sv-persist-"));
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it("keeps secrets, versions, soft deletes and backends; the same chosen token works after a restart", async () => {
    const token = "skt_demo-stable-token";
    const first = await startScaiVaultDouble({ limits: false, persistDir: dir });
    assert.equal(first.issueToken(["admin"], "sa:demo", token), token);
    let c = new ScaiVaultClient({ url: first.url, token, pacing: false });
    await c.putSecret("apps/db", { data: { password: "v1" }, secret_type: "json", metadata: { description: "d", tags: ["t"] } });
    await c.putSecret("apps/db", { data: { password: "v2" }, secret_type: "json" });
    await c.putSecret("apps/gone", { data: { x: "y" } });
    await c.deleteSecret("apps/gone");
    // No Vault behind it (port 1 refuses): the backend is stored as unhealthy, which is all this needs.
    const b = await c.createBackend({ name: "legacy", type: "hashicorp-vault", config: { endpoint: "http://127.0.0.1:1", auth_method: "approle", auth_config_path: "system/creds" }, path_mapping: { "external/**": "secret/data/**" }, mode: "proxy" });
    await c.close();
    await first.stop();
    assert.equal(statSync(join(dir, STATE_FILE)).mode & 0o777, 0o600, "the state file holds values: 0600");

    const second = await startScaiVaultDouble({ limits: false, persistDir: dir });
    try {
      second.issueToken(["admin"], "sa:demo", token);
      c = new ScaiVaultClient({ url: second.url, token, pacing: false });
      const s = await c.getSecret("apps/db");
      assert.deepEqual(s?.data, { password: "v2" });
      assert.equal(s?.version, 2);
      assert.deepEqual(second.versionsOf("apps/db"), [1, 2]);
      assert.equal(s?.metadata?.description, "d");
      assert.equal(await c.getSecret("apps/gone"), undefined, "still soft-deleted");
      await assert.rejects(c.putSecret("apps/gone", { data: { x: "z" } }), (e: unknown) => isClientError(e) && /secret_exists/.test(e.message));
      const backends = await c.listBackends();
      assert.deepEqual(backends.map((x) => [x.id, x.name, x.mode]), [[b.id, "legacy", "proxy"]]);
      await c.close();
    } finally {
      await second.stop();
    }
  });

  it("persistDebounceMs: 0 saves each write before its answer (a killed double loses nothing answered)", async () => {
    const d = await mkdtemp(join(tmpdir(), "sv-persist-now-"));
    const sv = await startScaiVaultDouble({ limits: false, persistDir: d, persistDebounceMs: 0 });
    const c = new ScaiVaultClient({ url: sv.url, token: sv.issueToken(), pacing: false });
    try {
      await c.putSecret("saved/at-once", { data: { k: "v" } });
      assert.match(readFileSync(join(d, STATE_FILE), "utf8"), /"path":"saved\/at-once"/, "on disk while the double still runs");
    } finally {
      await c.close();
      await sv.stop();
      await rm(d, { recursive: true, force: true });
    }
  });

  it("a state file of another kind stops the start instead of being overwritten", async () => {
    const bad = await mkdtemp(join(tmpdir(), "sv-persist-bad-"));
    try {
      writeFileSync(join(bad, STATE_FILE), JSON.stringify({ format: "something-else" }));
      await assert.rejects(startScaiVaultDouble({ persistDir: bad }), /is not a scaivault-double state file/);
    } finally {
      await rm(bad, { recursive: true, force: true });
    }
  });
});
