// VaultClient over undici's MockAgent: the shared retry policy as Vault traffic meets it, AppRole
// re-login at 80% of the lease, and errors that never carry a token or a body.
import * as assert from "node:assert/strict";
import { isClientError } from "../../../src/clients/http/errors";
import { isVaultApiError, isVaultConnectionError } from "../../../src/clients/vault/errors";
import { writeKvSecret } from "../../../src/clients/vault/kv";
import { everyRendering, fixture, mockVault, stepClock } from "./support";

const BODY_MARKER = "BODY-MARKER-5f1c";
const TOKEN = "hvs.TEST-TOKEN-MARKER";
const path = "/v1/kv2/data/app";


/** Answers every read of `path` and records the token each one carried. */
function tokensSeenAt(pool: ReturnType<typeof mockVault>["pool"], path: string): string[] {
  const seen: string[] = [];
  pool
    .intercept({ path })
    .reply((opts) => {
      seen.push(String((opts.headers as Record<string, string>)["x-vault-token"]));
      return { statusCode: 200, data: { data: {} } };
    })
    .persist();
  return seen;
}

describe("VaultClient over MockAgent", () => {
  describe("retries", () => {
    it("waits Retry-After seconds on a 429, then succeeds", async () => {
      const { agent, pool, client, clock } = mockVault();
      pool.intercept({ path }).reply(429, { errors: ["request path kv2/data/app: rate limit quota exceeded"] }, { headers: { "retry-after": "2" } });
      pool.intercept({ path }).reply(200, { data: { data: { k: "v" } } });
      const res = await client.read(path);
      assert.deepEqual(res?.data, { data: { k: "v" } });
      assert.deepEqual(clock.sleeps, [2_000]);
      agent.assertNoPendingInterceptors();
    });

    it("waits until a Retry-After HTTP date on a 429", async () => {
      const { agent, pool, client, clock } = mockVault(undefined, { clock: stepClock(Date.parse("2026-05-01T00:00:00Z")) });
      pool.intercept({ path }).reply(429, { errors: [] }, { headers: { "retry-after": "Fri, 01 May 2026 00:00:07 GMT" } });
      pool.intercept({ path }).reply(200, { data: {} });
      await client.read(path);
      assert.deepEqual(clock.sleeps, [7_000]);
      agent.assertNoPendingInterceptors();
    });

    it("retries a 503 (sealed, standby) with backoff, and honours its Retry-After", async () => {
      const { agent, pool, client, clock } = mockVault();
      pool.intercept({ path }).reply(503, { errors: ["Vault is sealed"] });
      pool.intercept({ path }).reply(503, { errors: ["Vault is sealed"] }, { headers: { "retry-after": "1" } });
      pool.intercept({ path }).reply(200, { data: {} });
      await client.read(path);
      // Backoff 1 at random 0.5: 0.5 × 100 ms; then the service's 1 s.
      assert.deepEqual(clock.sleeps, [50, 1_000]);
      agent.assertNoPendingInterceptors();
    });

    it("backs off 5xx up to the cap, then fails with a retryable server_error", async () => {
      const { agent, pool, client, clock } = mockVault(undefined, { clock: stepClock(undefined, 0.999), retries: 7 });
      pool.intercept({ path }).reply(500, { errors: ["internal error"] }).times(8);
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isVaultApiError(e), String(e));
      assert.equal(e.code, "server_error");
      assert.equal(e.status, 500);
      assert.equal(e.retryable, true);
      assert.match(e.message, /^Vault GET kv2\/data\/app failed with 500: internal error$/);
      assert.deepEqual(clock.sleeps, [99, 199, 399, 799, 1598, 3196, 4995], "doubling from 100 ms, capped at 5 s");
      agent.assertNoPendingInterceptors();
    });

    it("never repeats a check-and-set PUT blindly: it reads the version first, and resends only if the write did not land", async () => {
      const { agent, pool, client, clock } = mockVault();
      pool.intercept({ path, method: "PUT" }).reply(503, { errors: ["standby"] }, { headers: { "retry-after": "1" } });
      // Still at the expected version: the 503'd try did not land, so sending it again cannot write twice.
      pool.intercept({ path: "/v1/kv2/metadata/app" }).reply(200, { data: { current_version: 3 } });
      pool.intercept({ path, method: "PUT" }).reply(200, { data: { version: 4 } });
      assert.deepEqual(await writeKvSecret(client, "kv2", 2, "app", { k: "v" }, { cas: 3 }), { version: 4 });
      assert.deepEqual(clock.sleeps, [], "no blind retry of the client's own");
      agent.assertNoPendingInterceptors();
    });

    it("a check-and-set PUT whose outcome is unknown and whose version moved fails with its own error, not sent again", async () => {
      const { agent, pool, client } = mockVault();
      pool.intercept({ path, method: "PUT" }).reply(503, { errors: ["standby"] });
      pool.intercept({ path: "/v1/kv2/metadata/app" }).reply(200, { data: { current_version: 4 } });
      pool.intercept({ path: "/v1/kv2/data/app?version=4" }).reply(200, { data: { data: { k: "someone else's" }, metadata: { version: 4 } } });
      await assert.rejects(writeKvSecret(client, "kv2", 2, "app", { k: "v" }, { cas: 3 }), (e: unknown) => isClientError(e, "unavailable"));
      agent.assertNoPendingInterceptors();
    });

    it("retries an idempotent write", async () => {
      const { agent, pool, client } = mockVault();
      pool.intercept({ path, method: "PUT" }).reply(502, "bad gateway");
      pool.intercept({ path, method: "PUT" }).reply(200, { data: { version: 4 } });
      assert.deepEqual(await writeKvSecret(client, "kv2", 2, "app", { k: "v" }), { version: 4 });
      agent.assertNoPendingInterceptors();
    });

    it("bounds the total time: a Retry-After past the deadline fails at once", async () => {
      const { agent, pool, client, clock } = mockVault(undefined, { retry: { maxTotalMs: 15_000 } });
      pool.intercept({ path }).reply(429, { errors: ["quota"] }, { headers: { "retry-after": "10" } }).times(2);
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isClientError(e, "rate_limited"));
      assert.equal(e.retryAfterMs, 10_000, "the error says how long the service asked to wait");
      assert.deepEqual(clock.sleeps, [10_000], "the second 10 s wait would end past 15 s");
      agent.assertNoPendingInterceptors();
    });

    it("fails a refused connection after two retries, with a transport code", async () => {
      const { agent, pool, client, clock } = mockVault();
      pool.intercept({ path }).replyWithError(Object.assign(new Error("connect ECONNREFUSED 10.0.0.1:8200"), { code: "ECONNREFUSED" })).times(3);
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isVaultConnectionError(e), String(e));
      assert.equal(e.code, "connection_refused");
      assert.equal(e.method, "GET");
      assert.equal(e.path, "kv2/data/app");
      assert.equal(clock.sleeps.length, 2);
      assert.match(e.message, /^cannot reach Vault at http:\/\/vault\.test:8200 \(GET kv2\/data\/app\): connect ECONNREFUSED/);
      agent.assertNoPendingInterceptors();
    });
  });

  describe("AppRole", () => {
    const login = fixture("approle-login"); // lease_duration 60 s, token s.FIXTURE-TOKEN
    const approle = { method: "approle" as const, roleId: "role-MARKER", secretId: "secret-id-MARKER" };

    it("logs in once, and again at 80% of the lease when the token is not renewable", async () => {
      const { agent, pool, client, clock } = mockVault(approle, { clock: stepClock() });
      let logins = 0;
      pool
        .intercept({ path: "/v1/auth/approle/login", method: "PUT", body: (b) => JSON.parse(b).secret_id === approle.secretId })
        .reply(() => {
          logins++;
          const body = structuredClone(login.body) as { auth: { client_token: string; renewable: boolean } };
          body.auth.client_token = `s.TOKEN-${logins}`;
          body.auth.renewable = false;
          return { statusCode: 200, data: body };
        })
        .persist();
      const seen = tokensSeenAt(pool, path);
      await Promise.all([client.read(path), client.read(path)]);
      assert.equal(logins, 1, "concurrent first calls share one login");
      clock.advance(47_999);
      await client.read(path);
      assert.equal(logins, 1, "still within 80% of the 60 s lease");
      clock.advance(1);
      await client.read(path);
      assert.equal(logins, 2, "at 48 s the client logs in again");
      assert.deepEqual(seen, ["s.TOKEN-1", "s.TOKEN-1", "s.TOKEN-1", "s.TOKEN-2"]);
      await agent.close();
    });

    it("renews a renewable token (renew-self) at 80% of its lease, and logs in again once a renewal is cut short by token_max_ttl", async () => {
      const events: string[] = [];
      const { agent, pool, client, clock } = mockVault(approle, { clock: stepClock(), onTokenEvent: (e) => events.push(e) });
      let logins = 0;
      pool
        .intercept({ path: "/v1/auth/approle/login", method: "PUT" })
        .reply(() => {
          logins++;
          const body = structuredClone(login.body) as { auth: { client_token: string } };
          body.auth.client_token = `s.TOKEN-${logins}`;
          return { statusCode: 200, data: body };
        })
        .persist();
      // The second renewal meets the max TTL: Vault grants only what is left of it.
      const leases = [60, 30];
      const renewedWith: string[] = [];
      pool
        .intercept({ path: "/v1/auth/token/renew-self", method: "PUT" })
        .reply((opts) => {
          renewedWith.push(String((opts.headers as Record<string, string>)["x-vault-token"]));
          return { statusCode: 200, data: { auth: { client_token: renewedWith.at(-1), lease_duration: leases.shift(), renewable: true } } };
        })
        .persist();
      const seen = tokensSeenAt(pool, path);
      await client.read(path);
      clock.advance(48_000);
      await client.read(path); // renewed: 60 s more
      clock.advance(48_000);
      await client.read(path); // renewed, but only 30 s: the max TTL is near
      clock.advance(24_000);
      await client.read(path); // a fresh login, not a renewal that would be cut shorter still
      assert.deepEqual(events, ["login", "renew", "renew", "login"]);
      assert.deepEqual(renewedWith, ["s.TOKEN-1", "s.TOKEN-1"]);
      assert.deepEqual(seen, ["s.TOKEN-1", "s.TOKEN-1", "s.TOKEN-1", "s.TOKEN-2"]);
      await agent.close();
    });

    it("close() revokes the token its own login obtained (revoke-self), and never a token given in the connection", async () => {
      const events: string[] = [];
      const { agent, pool, client } = mockVault(approle, { onTokenEvent: (e) => events.push(e) });
      pool.intercept({ path: "/v1/auth/approle/login", method: "PUT" }).reply(200, login.body as object);
      pool.intercept({ path }).reply(200, { data: {} }).persist();
      const revoked: string[] = [];
      pool
        .intercept({ path: "/v1/auth/token/revoke-self", method: "PUT" })
        .reply((opts) => {
          revoked.push(String((opts.headers as Record<string, string>)["x-vault-token"]));
          return { statusCode: 204, data: "" };
        })
        .persist();
      await client.read(path);
      await client.close();
      await client.close();
      assert.deepEqual(revoked, ["s.FIXTURE-TOKEN"], "revoked once, with the login's token");
      assert.deepEqual(events, ["login", "revoke"]);
      const given = mockVault({ method: "token", token: TOKEN });
      given.pool.intercept({ path }).reply(200, { data: {} });
      given.pool.intercept({ path: "/v1/auth/token/revoke-self", method: "PUT" }).reply(() => {
        revoked.push("configured");
        return { statusCode: 204, data: "" };
      });
      await given.client.read(path);
      await given.client.close();
      assert.deepEqual(revoked, ["s.FIXTURE-TOKEN"], "a configured token is the user's: never revoked");
      await Promise.all([agent.close(), given.agent.close()]);
    });

    it("a secret_id refused at login (expired, used up) fails saying to rotate it with the reader's rotationTrigger", async () => {
      const { agent, pool, client } = mockVault(approle);
      pool.intercept({ path: "/v1/auth/approle/login", method: "PUT" }).reply(400, { errors: ["invalid role or secret ID"] });
      const e = await client.read(path).then(
        () => assert.fail("expected the login to fail"),
        (x: unknown) => x as Error,
      );
      assert.ok(isClientError(e), String(e));
      assert.match(e.message, /auth\/approle\/login was refused \(invalid role or secret ID\)/);
      assert.match(e.message, /expired \(secret_id_ttl\), is used up \(secret_id_num_uses\)/);
      assert.match(e.message, /rotationTrigger/);
      for (const text of everyRendering(e)) assert.ok(!text.includes(approle.secretId) && !text.includes(approle.roleId), text);
      await agent.close();
    });

    it("does not retry a failed login, and its error names neither role_id nor secret_id", async () => {
      const { agent, pool, client, clock } = mockVault(approle);
      pool.intercept({ path: "/v1/auth/approle/login", method: "PUT" }).reply(503, { errors: ["standby"], echo: approle.secretId });
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isClientError(e, "unavailable"));
      assert.equal(e.path, "auth/approle/login");
      assert.deepEqual(clock.sleeps, []);
      assert.doesNotMatch(everyRendering(e), /MARKER/);
      agent.assertNoPendingInterceptors();
    });

    it("a login answer without a token is an invalid_response", async () => {
      const { agent, pool, client } = mockVault(approle);
      pool.intercept({ path: "/v1/auth/approle/login", method: "PUT" }).reply(200, { auth: null, data: { note: BODY_MARKER } });
      await assert.rejects(client.read(path), (e: unknown) => isClientError(e, "invalid_response") && !everyRendering(e).includes(BODY_MARKER));
      agent.assertNoPendingInterceptors();
    });
  });

  describe("errors carry no token and no body", () => {
    it("an error answer: only Vault's error strings, never the rest of the body or the token", async () => {
      const { agent, pool, client } = mockVault();
      pool.intercept({ path }).reply(403, { errors: ["permission denied"], data: { leaked: BODY_MARKER }, token: TOKEN });
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isVaultApiError(e));
      assert.equal(e.code, "permission_denied");
      assert.equal(e.service, "vault");
      const text = everyRendering(e);
      assert.doesNotMatch(text, new RegExp(`${BODY_MARKER}|${TOKEN}`));
      agent.assertNoPendingInterceptors();
    });

    it("an HTML error page is not quoted", async () => {
      const { agent, pool, client } = mockVault();
      pool.intercept({ path }).reply(400, `<html><body>${BODY_MARKER} ${TOKEN}</body></html>`);
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isClientError(e, "bad_request"));
      assert.doesNotMatch(everyRendering(e), new RegExp(`${BODY_MARKER}|${TOKEN}`));
      agent.assertNoPendingInterceptors();
    });

    it("a 2xx body that is not JSON fails as invalid_response without quoting it", async () => {
      // JSON.parse's own message quotes the start of the text: a value read back must not reach a log that way.
      const { agent, pool, client } = mockVault();
      pool.intercept({ path }).reply(200, "hunter2");
      const e = await client.read(path).then(() => undefined, (err: unknown) => err);
      assert.ok(isClientError(e, "invalid_response"), String(e));
      assert.doesNotMatch(everyRendering(e), /hunter2/);
      agent.assertNoPendingInterceptors();
    });

    it("a check-and-set refusal is a cas_mismatch (recorded OpenBao answer)", async () => {
      const { agent, pool, client } = mockVault();
      const cas = fixture("kv2-cas-mismatch");
      pool.intercept({ path: "/v1/kv2/data/plain", method: "PUT" }).reply(cas.status, cas.body as object);
      // The CAS check reads the current version to tell a lost answer from someone else's write.
      pool.intercept({ path: "/v1/kv2/metadata/plain" }).reply(200, { data: { current_version: 1 } });
      pool.intercept({ path: "/v1/kv2/data/plain?version=1" }).reply(200, { data: { data: { value: "other" }, metadata: { version: 1 } } });
      const e = await writeKvSecret(client, "kv2", 2, "plain", { value: "fixture-cas" }, { cas: 0 }).then(() => undefined, (err: unknown) => err);
      assert.ok(isClientError(e, "cas_mismatch"), String(e));
      assert.equal(e.status, 400);
      assert.doesNotMatch(everyRendering(e), /fixture-cas/);
      agent.assertNoPendingInterceptors();
    });
  });
});
