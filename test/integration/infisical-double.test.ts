// The Infisical client against the Infisical contract double, and the double's own contract: what
// it implements from the fact sheet (shared/infisical-api.md) and, where the sheet leaves a
// behaviour open, which one it assumes (each such test says "assumed").
import * as assert from "node:assert/strict";
import { request } from "undici";
import { InfisicalClient, isInfisicalApiError, tryAgainHintMs } from "../../src/clients/infisical";
import { isClientError } from "../../src/clients/http/errors";
import { startInfisicalDouble, type InfisicalDouble } from "../doubles/infisical";

describe("Infisical client against the Infisical double", function () {
  this.timeout(120_000);
  let inf: InfisicalDouble;
  const clients: InfisicalClient[] = [];
  const client = (o: Partial<ConstructorParameters<typeof InfisicalClient>[0]> = {}, d: InfisicalDouble = inf): InfisicalClient => {
    const c = new InfisicalClient({ siteUrl: d.siteUrl, auth: { method: "universal-auth", ...d.createIdentity() }, retry: { baseMs: 10, maxMs: 50 }, ...o });
    clients.push(c);
    return c;
  };
  const raw = async (d: InfisicalDouble, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> => {
    const r = await request(`${d.siteUrl}${path}`, { method: method as "GET", headers: { "content-type": "application/json" }, ...(body !== undefined ? { body: JSON.stringify(body) } : {}) });
    return { status: r.statusCode, json: (await r.body.json()) as Record<string, unknown> };
  };

  before(async () => {
    inf = await startInfisicalDouble();
  });
  after(async () => {
    for (const c of clients) await c.close();
    await inf?.stop();
  });

  it("finds or creates a project by its fixed slug, its environment and folders, never duplicating them", async () => {
    const c = client();
    const p1 = await c.ensureProject("team-a-kv", "team-a-kv");
    const p2 = await c.ensureProject("team-a-kv", "team-a-kv");
    assert.equal(p1.id, p2.id);
    await c.ensureEnvironment(p1.id, "production", "production");
    await c.ensureEnvironment(p1.id, "production", "production");
    await c.ensureFolder(p1.id, "production", "/apps/web/db");
    await c.ensureFolder(p1.id, "production", "/apps/web");
    assert.deepEqual(await c.listFolders(p1.id, "production", "/apps"), ["web"]);
    assert.equal(inf.store.projects.filter((p) => p.slug === "team-a-kv").length, 1);
    assert.deepEqual(inf.store.projects.find((p) => p.slug === "team-a-kv")?.environments.map((e) => e.slug), ["production"], "no default environments (shouldCreateDefaultEnvs: false)");
  });

  it("batch upsert creates and updates with secretMetadata; values lose their whitespace edges (a trailing newline survives as one)", async () => {
    const c = client();
    const p = await c.ensureProject("trim-test", "trim-test");
    await c.ensureEnvironment(p.id, "dev", "dev");
    const scope = { projectId: p.id, environment: "dev", secretPath: "/" };
    await c.upsertSecrets(scope, [{ secretKey: "A", secretValue: "  one  ", secretMetadata: [{ key: "m", value: "1" }] }, { secretKey: "B", secretValue: "two\n\n", secretMetadata: [] }]);
    await c.upsertSecrets(scope, [{ secretKey: "A", secretValue: "uno", secretMetadata: [{ key: "m", value: "2" }] }]);
    const listed = await c.listSecrets(scope);
    assert.deepEqual(listed.map((s) => [s.secretKey, s.secretValue, s.secretMetadata]), [["A", "uno", [{ key: "m", value: "2" }]], ["B", "two\n", []]]);
    await c.deleteSecrets(scope, ["A", "B"]);
    await c.deleteSecrets(scope, ["A"]);
    assert.deepEqual(await c.listSecrets(scope), []);
  });

  it("errors carry Infisical's statusCode, error, message and reqId, never the request's values", async () => {
    const c = client();
    const p = await c.ensureProject("err-test", "err-test");
    await c.ensureEnvironment(p.id, "dev", "dev");
    const secret = "never-in-an-error-0123456789";
    // A folder that does not exist: 404 NotFound.
    const e = await c.upsertSecrets({ projectId: p.id, environment: "dev", secretPath: "/missing" }, [{ secretKey: "K", secretValue: secret, secretMetadata: [] }]).catch((x: unknown) => x);
    assert.ok(isInfisicalApiError(e, 404), String(e));
    assert.equal(e.serviceCode, "NotFound");
    assert.match(e.requestId ?? "", /^req-/);
    assert.match(e.message, /PATCH v4\/secrets\/batch failed with 404 NotFound: Folder with path '\/missing'/);
    // A 422's field errors: their paths and messages only.
    const v = await c.upsertSecrets({ projectId: p.id, environment: "dev", secretPath: "/" }, [{ secretKey: "a:b", secretValue: secret, secretMetadata: [] }]).catch((x: unknown) => x);
    assert.ok(isInfisicalApiError(v, 422));
    assert.equal(v.code, "validation_failed");
    assert.match(v.message, /secretKey: Secret key must be/);
    for (const x of [e, v]) assert.ok(!JSON.stringify({ ...(x as object), m: String(x), s: (x as Error).stack }).includes(secret));
  });

  it("logs in, renews before expiry, and logs in again when the server refuses its token (an expired token mid-run)", async () => {
    const ttl = await startInfisicalDouble({ tokenTtlSeconds: 1_000, tokenMaxTtlSeconds: 100_000 });
    try {
      const events: string[] = [];
      // The client's own clock, moved by hand: no real wait.
      let now = Date.now();
      const clock = { now: () => now, sleep: async () => undefined, random: () => 0.5 };
      const c = client({ onTokenEvent: (ev) => events.push(ev), clock }, ttl);
      await c.ensureProject("renew-test", "renew-test");
      now += 801_000; // past 80% of the 1,000 s life: the next call renews first
      await c.getProjectBySlug("renew-test");
      assert.deepEqual(events, ["login", "renew"]);
      ttl.expireTokens(); // the server refuses the token before the client expected
      assert.ok(await c.getProjectBySlug("renew-test"), "the call succeeds after a fresh login");
      assert.deepEqual(events, ["login", "renew", "login"]);
    } finally {
      await ttl.stop();
    }
  });

  it("rides out 429s by the message's 'try again in N seconds' (assumed: no Retry-After header, as the sheet states only the message)", async () => {
    // A 2 s window so the named wait is seconds.
    const limited = await startInfisicalDouble({ plan: { secretsPerMinute: 3 }, rateWindowMs: 2_000 });
    try {
      const c = client({}, limited);
      const p = await c.ensureProject("rate-test", "rate-test");
      await c.ensureEnvironment(p.id, "dev", "dev");
      const r = await raw(limited, "GET", "/api/v1/projects/slug/rate-test");
      assert.equal(r.status, 401, "the envelope on a missing token");
      assert.deepEqual(Object.keys(r.json).sort(), ["error", "message", "reqId", "statusCode"]);
      const login = await raw(limited, "POST", "/api/v1/auth/universal-auth/login", limited.createIdentity());
      const scope = { projectId: p.id, environment: "dev", secretPath: "/" };
      for (let i = 0; i < 3; i++) await c.listSecrets(scope);
      const refused = await request(`${limited.siteUrl}/api/v4/secrets?projectId=${p.id}&environment=dev&secretPath=/`, { headers: { authorization: `Bearer ${String(login.json.accessToken)}` } });
      const body = (await refused.body.json()) as { message: string; error: string };
      assert.equal(refused.statusCode, 429);
      assert.equal(body.error, "RateLimitExceeded");
      assert.equal(refused.headers["retry-after"], undefined);
      assert.match(body.message, /^Rate limit exceeded\. Please try again in \d+ seconds$/);
      assert.equal(tryAgainHintMs("Rate limit exceeded. Please try again in 7 seconds"), 7000);
      // Past the limit the client waits as told and every call succeeds.
      for (let i = 0; i < 4; i++) await c.listSecrets(scope);
      assert.ok(limited.throttled() >= 2, `${limited.throttled()} refusals ridden out`);
    } finally {
      await limited.stop();
    }
  });

  it("the double's limits: self-hosted has none, Free 120 and Pro 300 per minute (scaled for tests), bodies over 1 MiB refused", async () => {
    const free = await startInfisicalDouble({ plan: "free", rateScale: 0.025 });
    try {
      const c = client({ retry: { retries: 0 } }, free);
      const p = await c.ensureProject("free-plan", "free-plan");
      await c.ensureEnvironment(p.id, "dev", "dev");
      const scope = { projectId: p.id, environment: "dev", secretPath: "/" };
      for (let i = 0; i < 3; i++) await c.listSecrets(scope);
      const e: unknown = await c.listSecrets(scope).catch((x: unknown) => x);
      assert.ok(isClientError(e, "rate_limited"), String(e));
      assert.ok((e.retryAfterMs ?? 0) > 0, "the wait from the message is on the error");
    } finally {
      await free.stop();
    }
    const c = client();
    const p = await c.ensureProject("big-body", "big-body");
    await c.ensureEnvironment(p.id, "dev", "dev");
    const big = await c.upsertSecrets({ projectId: p.id, environment: "dev", secretPath: "/" }, [{ secretKey: "K", secretValue: "x".repeat(1024 * 1024), secretMetadata: [] }]).catch((x: unknown) => x);
    assert.ok(isInfisicalApiError(big, 413), String(big));
    for (let i = 0; i < 130; i++) await c.listSecrets({ projectId: p.id, environment: "dev", secretPath: "/" });
    assert.equal(inf.throttled(), 0, "self-hosted: no limit");
  });

  it("the double's read, write and overall limits (§7): other GETs count as read, other mutations as write, every request overall; the secrets endpoints only as secrets", async () => {
    const rw = await startInfisicalDouble({ plan: { secretsPerMinute: 100, readPerMinute: 3, writePerMinute: 2 } });
    const all = await startInfisicalDouble({ plan: { secretsPerMinute: 100, overallPerMinute: 4 } });
    try {
      const c = client({ retry: { retries: 0 } }, rw);
      const p = await c.ensureProject("rw-limits", "rw-limits"); // read 1, write 1
      await c.ensureEnvironment(p.id, "dev", "dev"); // read 2, write 2
      const wrote: unknown = await c.createFolder(p.id, "dev", "/", "a").catch((x: unknown) => x);
      assert.ok(isClientError(wrote, "rate_limited"), `the third write is refused: ${String(wrote)}`);
      await c.listFolders(p.id, "dev", "/"); // read 3
      const read: unknown = await c.listFolders(p.id, "dev", "/").catch((x: unknown) => x);
      assert.ok(isClientError(read, "rate_limited"), `the fourth read is refused: ${String(read)}`);
      for (let i = 0; i < 5; i++) await c.listSecrets({ projectId: p.id, environment: "dev", secretPath: "/" });
      assert.deepEqual(rw.throttledBy(), { write: 1, read: 1 }, "the secrets endpoints count under their own limit only");
      const o = client({ retry: { retries: 0 } }, all);
      const q = await o.ensureProject("all-limit", "all-limit"); // login, GET, POST: 3
      await o.getEnvironment(q.id, "dev"); // 4
      const over: unknown = await o.listSecrets({ projectId: q.id, environment: "dev", secretPath: "/" }).catch((x: unknown) => x);
      assert.ok(isClientError(over, "rate_limited"), `${String(over)} ${JSON.stringify(all.counters())}`);
      assert.deepEqual(all.throttledBy(), { overall: 1 });
    } finally {
      await rw.stop();
      await all.stop();
    }
  });

  it("the client paces each category under its own limit: a folder request does not wait behind secrets requests the secrets limit holds back, and no 429", async () => {
    const d = await startInfisicalDouble({ plan: { secretsPerMinute: 2, readPerMinute: 50, writePerMinute: 50 }, rateWindowMs: 2_000 });
    try {
      const c = client({ pacing: { requestsPerMinute: 2, readPerMinute: 50, writePerMinute: 50, headroom: 1, windowMs: 2_000 } }, d);
      const p = await c.ensureProject("per-category", "per-category");
      await c.ensureEnvironment(p.id, "dev", "dev");
      const scope = { projectId: p.id, environment: "dev", secretPath: "/" };
      const done: string[] = [];
      // Two secrets requests fill the secrets window; the third waits a window; the folder listing, sent after it, does not.
      const secrets = [0, 1, 2].map((i) => c.listSecrets(scope).then(() => done.push(`secrets ${i}`)));
      const folders = c.listFolders(p.id, "dev", "/").then(() => done.push("folders"));
      await Promise.all([...secrets, folders]);
      assert.ok(done.indexOf("folders") < done.indexOf("secrets 2"), done.join(", "));
      assert.equal(d.throttled(), 0);
    } finally {
      await d.stop();
    }
  });

  it("the client paces under a plan's limit: no 429 at all (assumed: a batch counts as one request, §7)", async () => {
    const pro = await startInfisicalDouble({ plan: { secretsPerMinute: 5 }, rateWindowMs: 1_000 });
    try {
      // The secrets pacer counts the secrets requests; the rest go under the read and write pacers (here unlimited by the double).
      const c = client({ pacing: { requestsPerMinute: 5, headroom: 1, windowMs: 1_000 } }, pro);
      const p = await c.ensureProject("paced-run", "paced-run");
      await c.ensureEnvironment(p.id, "dev", "dev");
      const scope = { projectId: p.id, environment: "dev", secretPath: "/" };
      await Promise.all(Array.from({ length: 8 }, (_, i) => c.upsertSecrets(scope, [{ secretKey: `K${i}`, secretValue: "v", secretMetadata: [] }, { secretKey: `L${i}`, secretValue: "w", secretMetadata: [] }])));
      assert.equal((await c.listSecrets(scope)).length, 16);
      assert.equal(pro.throttled(), 0);
    } finally {
      await pro.stop();
    }
  });
});
