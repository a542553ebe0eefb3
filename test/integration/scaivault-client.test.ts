// The ScaiVault client against the contract double (and, for federation, a real OpenBao behind
// it): the retry rules of fact sheet §1 branching on error.code, pacing under the rate limits,
// errors that name method, path, code and request id but never a value or the token, soft delete
// and secret_exists, and a proxy-mode backend that reads through to what OpenBao holds.
import * as assert from "node:assert/strict";
import { isClientError, type ClientError } from "../../src/clients/http/errors";
import { ScaiVaultClient } from "../../src/clients/scaivault";
import { applyRun } from "../../src/migration/applyRun";
import { createScaiVaultDestination } from "../../src/migration/destinations/scaivault/destination";
import { FakeSource } from "../doubles/fakeSource";
import { startScaiVaultDouble, type ScaiVaultDouble } from "../doubles/scaivault";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { stepClock } from "../unit/clients/support";

const VALUE = "sv-value-7f3a9c1e5d";

function text(e: unknown): string {
  return `${String(e)}\n${(e as Error).stack ?? ""}\n${JSON.stringify(e)}`;
}

describe("ScaiVault client on the contract double", function () {
  this.timeout(60_000);
  let sv: ScaiVaultDouble;
  let token: string;
  const clients: ScaiVaultClient[] = [];
  const client = (over: Partial<ConstructorParameters<typeof ScaiVaultClient>[0]> = {}): ScaiVaultClient => {
    const c = new ScaiVaultClient({ url: sv.url, token, pacing: false, clock: stepClock(Date.now()), ...over });
    clients.push(c);
    return c;
  };

  before(async () => {
    sv = await startScaiVaultDouble({ limits: false });
    token = sv.issueToken(["admin"]);
  });
  after(async () => {
    await Promise.all(clients.map((c) => c.close()));
    await sv?.stop();
  });

  it("every PUT appends a version; GET reads the current one or ?version=N; max_versions prunes", async () => {
    const c = client();
    for (let i = 1; i <= 3; i++) await c.putSecret("apps/versions", { data: { v: `${VALUE}-${i}` }, secret_type: "json", metadata: { description: "d", tags: ["t"] }, options: { max_versions: 2 } });
    const s = await c.getSecret("apps/versions");
    assert.equal(s?.version, 3);
    assert.deepEqual(s?.data, { v: `${VALUE}-3` });
    assert.deepEqual(s?.metadata?.tags, ["t"]);
    assert.deepEqual((await c.getSecret("apps/versions", 2))?.data, { v: `${VALUE}-2` });
    assert.deepEqual(sv.versionsOf("apps/versions"), [2, 3], "max_versions 2 keeps the last two");
    assert.equal(await c.getSecret("apps/absent"), undefined);
  });

  it("a path outside the grammar is refused before sending, and by the double with invalid_path", async () => {
    const c = client();
    sv.resetRequests();
    await assert.rejects(c.putSecret("Apps/DB", { data: { v: VALUE } }), (e: ClientError) => e.code === "invalid_path" && /refused before sending/.test(e.message));
    assert.equal(sv.requests().length, 0, "nothing sent");
    const r = await fetch(`${sv.url}/v1/secrets/Apps/DB`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ data: {} }) });
    assert.equal(r.status, 400);
    assert.equal(((await r.json()) as { error: { code: string } }).error.code, "invalid_path");
  });

  it("rate_limited is retried after Retry-After / X-RateLimit-Reset; service_unavailable too, on a PUT without a duplicate version", async () => {
    const clock = stepClock(Date.now());
    const c = client({ clock });
    sv.injectFault({ op: "putSecret", status: 429, code: "rate_limited", headers: { "retry-after": "7" } });
    sv.injectFault({ op: "putSecret", status: 503, code: "service_unavailable", headers: { "retry-after": "2" } });
    await c.putSecret("apps/retried", { data: { v: VALUE } });
    assert.deepEqual(clock.sleeps, [7000, 2000], "the service's waits");
    assert.deepEqual(sv.versionsOf("apps/retried"), [1], "one version");
    const reset = String(Math.floor(clock.now() / 1000) + 5);
    sv.injectFault({ op: "getSecret", status: 429, code: "rate_limited", headers: { "x-ratelimit-reset": reset } });
    await c.getSecret("apps/retried");
    assert.ok((clock.sleeps[2] as number) > 3000 && (clock.sleeps[2] as number) <= 5000, `X-RateLimit-Reset honoured: ${clock.sleeps[2]}`);
  });

  it("internal_error: a GET is retried once; a PUT never (it may have landed, and a repeat adds a version); the error names method, path, code and request id, never the value or the token", async () => {
    const c = client();
    sv.injectFault({ op: "getSecret", status: 500, code: "internal_error" });
    assert.ok(await c.getSecret("apps/retried"));
    sv.injectFault({ op: "getSecret", status: 500, code: "internal_error", count: 2 });
    sv.resetRequests();
    const e1 = await c.getSecret("apps/retried").catch((e: unknown) => e);
    assert.ok(isClientError(e1, "server_error"));
    assert.equal(sv.count("getSecret", 500), 2, "two attempts: the first and one retry");
    sv.injectFault({ op: "putSecret", status: 500, code: "internal_error", afterApply: true });
    const e2 = (await c.putSecret("apps/once", { data: { v: VALUE } }).catch((e: unknown) => e)) as ClientError;
    assert.ok(isClientError(e2, "server_error"));
    assert.deepEqual(sv.versionsOf("apps/once"), [1], "sent once");
    assert.equal(sv.count("putSecret", 500), 1);
    for (const e of [e1, e2] as ClientError[]) {
      assert.equal(e.service, "scaivault");
      assert.match(e.message, /^ScaiVault (GET|PUT) secrets\/apps\/(retried|once) failed with 500 internal_error: .*\(request id req_[0-9a-f]+\)$/);
      assert.match(e.requestId ?? "", /^req_/);
      assert.equal(e.serviceCode, "internal_error");
    }
    const bad = (await c.putSecret("apps/typed", { data: { v: VALUE }, secret_type: "nope" }).catch((e: unknown) => e)) as ClientError;
    assert.equal(bad.code, "bad_request");
    assert.equal(bad.serviceCode, "invalid_secret_type");
    for (const e of [e1, e2, bad]) {
      assert.ok(!text(e).includes(VALUE), "no value");
      assert.ok(!text(e).includes(token), "no token");
    }
  });

  it("401 and 403 codes: an unknown token and a missing scope are not retried", async () => {
    const stranger = client({ token: "skt_unknown" });
    await assert.rejects(stranger.getSecret("apps/retried"), (e: ClientError) => e.code === "unauthenticated" && e.serviceCode === "token_invalid" && !text(e).includes("skt_unknown"));
    const reader = client({ token: sv.issueToken(["secrets:read"]) });
    await assert.rejects(reader.putSecret("apps/denied", { data: { v: VALUE } }), (e: ClientError) => e.code === "permission_denied" && e.serviceCode === "insufficient_scope");
  });

  it("list pages through every secret under a prefix; delete is soft, and re-creating the path fails with secret_exists until retention ends (the driver says so)", async () => {
    const c = client();
    for (let i = 0; i < 7; i++) await c.putSecret(`paged/s${i}`, { data: { v: VALUE } });
    const listed: string[] = [];
    for await (const x of c.listSecrets("paged/", 3)) listed.push(x.path);
    assert.deepEqual(listed, [0, 1, 2, 3, 4, 5, 6].map((i) => `paged/s${i}`));
    await c.deleteSecret("paged/s0");
    await c.deleteSecret("paged/s0"); // absent is not an error
    assert.equal(await c.getSecret("paged/s0"), undefined);
    await assert.rejects(c.putSecret("paged/s0", { data: { v: VALUE } }), (e: ClientError) => e.code === "conflict" && e.serviceCode === "secret_exists");
    const d = createScaiVaultDestination({ url: sv.url, token, fingerprintKey: "k".repeat(24), pacing: false });
    const source = { mount: "secret", path: "paged/s0", kvVersion: 2 as const, currentVersion: 1, state: "live" as const, customMetadata: {} };
    await assert.rejects(d.write({ name: "paged/s0", source, data: { v: VALUE }, fingerprint: "f", mappingHash: "m", migrationId: "x" }), (e: Error) => /was deleted and is still retained/.test(e.message) && !text(e).includes(VALUE));
    await d.close();
  });

  it("pacing keeps a burst under the write limit: no 429 from the double", async () => {
    sv.setLimits({ write: 4, windowMs: 1000 });
    try {
      const c = client({ pacing: { writeLimit: 4, windowMs: 1000, headroom: 1 }, url: `${sv.url}/` });
      const before = sv.throttledCount();
      await Promise.all(Array.from({ length: 10 }, (_, i) => c.putSecret(`paced/s${i}`, { data: { v: VALUE } })));
      assert.equal(sv.throttledCount(), before, "no request was throttled");
      for (let i = 0; i < 10; i++) assert.deepEqual(sv.versionsOf(`paced/s${i}`), [1]);
    } finally {
      sv.setLimits(false);
    }
  });

  it("the double's buckets answer 429 rate_limited with Retry-After and X-RateLimit headers; unpaced, the client retries through them", async () => {
    sv.setLimits({ write: 2, windowMs: 1000 });
    try {
      const r = await Promise.all([1, 2, 3].map((i) => fetch(`${sv.url}/v1/secrets/raw/r${i}`, { method: "PUT", headers: { authorization: `Bearer ${token}`, "content-type": "application/json" }, body: JSON.stringify({ data: { v: VALUE } }) })));
      const limited = r.find((x) => x.status === 429);
      assert.ok(limited, "the third write in the window is limited");
      assert.equal(((await limited.json()) as { error: { code: string } }).error.code, "rate_limited");
      assert.ok(Number(limited.headers.get("retry-after")) >= 1);
      assert.equal(limited.headers.get("x-ratelimit-remaining"), "0");
      assert.equal(limited.headers.get("x-ratelimit-limit"), "2");
      assert.match(limited.headers.get("x-ratelimit-reset") ?? "", /^\d{10}$/);
      const c = client({ clock: undefined });
      await Promise.all([1, 2, 3].map((i) => c.putSecret(`raw/c${i}`, { data: { v: VALUE } })));
      for (const i of [1, 2, 3]) assert.deepEqual(sv.versionsOf(`raw/c${i}`), [1]);
    } finally {
      sv.setLimits(false);
    }
  });
});

describe("ScaiVault double: a proxy-mode federation backend reads through to a real OpenBao", function () {
  this.timeout(90_000);
  let bao: OpenBaoServer;
  let sv: ScaiVaultDouble;
  let c: ScaiVaultClient;

  before(async () => {
    bao = await startOpenBaoDev();
    sv = await startScaiVaultDouble({ limits: false });
    c = new ScaiVaultClient({ url: sv.url, token: sv.issueToken(["admin"]), pacing: false });
    // Seed 001 §2: a reader policy and an AppRole in Vault.
    await vaultRequest(bao, "POST", "sys/auth/approle", { type: "approle" });
    await vaultRequest(bao, "PUT", "sys/policies/acl/scaivault-reader", { policy: 'path "kv2/data/*" { capabilities = ["read", "list"] }' });
    await vaultRequest(bao, "POST", "auth/approle/role/scaivault-federation", { token_policies: "scaivault-reader", token_ttl: "1h" });
    await vaultRequest(bao, "POST", "kv2/data/apps/billing/db", { data: { password: VALUE } });
  });
  after(async () => {
    await c?.close();
    await sv?.stop();
    await bao?.stop();
  });

  it("with the AppRole credentials at auth_config_path the backend is healthy and a read of external/hashicorp/apps/billing/db returns what OpenBao holds at kv2/data/apps/billing/db; writes there are rejected, and the driver refuses them before sending", async () => {
    const roleId = ((await vaultRequest(bao, "GET", "auth/approle/role/scaivault-federation/role-id")) as { data: { role_id: string } }).data.role_id;
    const secretId = ((await vaultRequest(bao, "POST", "auth/approle/role/scaivault-federation/secret-id")) as { data: { secret_id: string } }).data.secret_id;
    await c.putSecret("infra/hashicorp/approle", { data: { role_id: roleId, secret_id: secretId }, secret_type: "json" });
    const b = await c.createBackend({ name: "hashicorp-production", type: "hashicorp-vault", config: { endpoint: bao.address, auth_method: "approle", auth_config_path: "infra/hashicorp/approle", tls_verify: true }, path_mapping: { "external/hashicorp/**": "kv2/data/**" }, mode: "proxy" });
    assert.match(b.id, /^fed_/);
    const st = await c.backendStatus(b.id);
    assert.equal(st.status, "healthy");
    assert.equal(st.connection?.status, "connected");
    assert.deepEqual((await c.getSecret("external/hashicorp/apps/billing/db"))?.data, { password: VALUE });
    await assert.rejects(c.putSecret("external/hashicorp/apps/billing/db", { data: { password: "x" } }), (e: ClientError) => e.code === "permission_denied" && e.serviceCode === "forbidden");
    await assert.rejects(c.createBackend({ name: "bad", type: "hashicorp-vault", config: { endpoint: bao.address, auth_method: "approle", auth_config_path: "infra/hashicorp/approle" }, path_mapping: { "external/[x/**": "kv2/data/**" }, mode: "proxy" }), (e: ClientError) => e.serviceCode === "invalid_glob");
    const d = createScaiVaultDestination({ url: sv.url, token: sv.issueToken(["secrets:read", "secrets:write", "secrets:list", "federation:read"]), fingerprintKey: "k".repeat(24), pacing: false });
    await d.prepare?.();
    const w = { name: "external/hashicorp/apps/new", source: { mount: "kv2", path: "apps/new", kvVersion: 2 as const, currentVersion: 1, state: "live" as const, customMetadata: {} }, data: { v: VALUE }, fingerprint: "f", mappingHash: "m", migrationId: "x" };
    assert.match(d.validate(w) ?? "", /lies under federation backend hashicorp-production's proxy mapping "external\/hashicorp\/\*\*"/);
    sv.resetRequests();
    await assert.rejects(d.write(w), /proxy mapping/);
    assert.equal(sv.count("putSecret"), 0, "never sent");
    // `up` without a preview (a fresh destination, no listing): applyRun's value checks load the
    // proxy mappings first (prepare), so the run is refused before its first write.
    const fresh = createScaiVaultDestination({ url: sv.url, token: sv.issueToken(["secrets:read", "secrets:write", "secrets:list", "federation:read"]), fingerprintKey: "k".repeat(24), pacing: false });
    const src = new FakeSource({ mount: "kv2", kvVersion: 2, prefix: "apps" });
    src.put("apps/new", { v: VALUE });
    await assert.rejects(
      applyRun({ items: [{ sourcePath: "kv2/apps/new", mount: "kv2", sourceVersion: 1, destinationName: "external/hashicorp/apps/new", action: "create", reason: "new in source" }], source: src, destination: fresh, fingerprintKey: "k".repeat(24), mappingHash: "m", migrationId: "x", concurrency: 2 }),
      (e: Error) => /^nothing was written; 1 problem\(s\)/.test(e.message) && /proxy mapping/.test(e.message),
    );
    assert.equal(sv.count("putSecret"), 0, "never sent");
    await fresh.close();
    // Flipped to sync mode, the same path is writable (fact sheet §3: proxy → sync is a config change).
    await c.patchBackend(b.id, { mode: "sync", sync_interval: "1h", conflict_resolution: "local_wins" });
    assert.equal((await c.getBackend(b.id))?.mode, "sync");
    assert.equal((await c.backendStatus(b.id)).status, "healthy");
    await d.close();
  });
});
