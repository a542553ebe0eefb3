/**
 * The double's reliability features, through the real SDK: injected faults (and how the SDK's retry
 * policy treats each, fact sheet §3), the §4 throughput limits, concurrency, request counters, stop().
 */
import assert from "node:assert/strict";
import { connect } from "node:tls";
import type { SecretClient } from "@azure/keyvault-secrets";
import { doubleSecretClient, startKeyVaultDouble, type KeyVaultDouble } from "../doubles/keyvault";
import { restErrorOf } from "../doubles/keyvault/raw";

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

describe("KeyVaultDouble reliability: faults, limits, concurrency, counters", () => {
  let kv: KeyVaultDouble;
  let client: SecretClient;
  /** No retries: shows exactly what the double answered. */
  let bare: SecretClient;

  before(async () => {
    kv = await startKeyVaultDouble({ deleteDelayMs: 0 });
    client = doubleSecretClient(kv);
    bare = doubleSecretClient(kv, { retryOptions: { maxRetries: 0 } });
    await client.setSecret("steady", "value");
  });
  beforeEach(() => {
    kv.clearFaults();
    kv.setThrottling({});
    kv.resetCounters();
  });
  after(() => kv.stop());

  describe("fault injection", () => {
    it("§3 a 429 with Retry-After is retried by the SDK after the advertised delay and succeeds", async () => {
      kv.setFaults({ sequence: ["429"], operations: ["getSecret"], retryAfterSeconds: 1 });
      const t0 = Date.now();
      assert.equal((await client.getSecret("steady")).value, "value");
      assert.ok(Date.now() - t0 >= 950, "the SDK waited for Retry-After");
      assert.equal(kv.counters().getSecret, 2);

      kv.setFaults({ sequence: ["429"], operations: ["getSecret"], retryAfterSeconds: 1 });
      const e = await restErrorOf(bare.getSecret("steady"));
      assert.equal(e.statusCode, 429);
      assert.equal(e.code, "Throttled");
      assert.equal(e.response?.headers.get("retry-after"), "1");
    });

    it("§3 a 429 without Retry-After is not retried: the SDK fails at once, as against the service", async () => {
      kv.setFaults({ sequence: ["429-bare"], operations: ["getSecret"] });
      const e = await restErrorOf(client.getSecret("steady"));
      assert.equal(e.statusCode, 429);
      assert.equal(e.code, "Throttled");
      assert.equal(e.response?.headers.get("retry-after"), undefined);
      assert.equal(kv.counters().getSecret, 1, "no retry was sent");
    });

    it("a 503 with Retry-After is retried by the SDK and succeeds", async () => {
      kv.setFaults({ sequence: ["503", "503"], operations: ["setSecret"], retryAfterSeconds: 0 });
      await client.setSecret("after-503", "ok");
      assert.equal(kv.counters().setSecret, 3);
      kv.setFaults({ sequence: ["503"], retryAfterSeconds: 2 });
      const e = await restErrorOf(bare.getSecret("after-503"));
      assert.equal(e.statusCode, 503);
      assert.equal(e.response?.headers.get("retry-after"), "2");
    });

    it("a dropped connection is retried by the SDK; without retries the call fails with a connection error", async () => {
      kv.setFaults({ sequence: ["drop"], operations: ["getSecret"] });
      assert.equal((await client.getSecret("steady")).value, "value");
      assert.equal(kv.counters().getSecret, 2);

      kv.setFaults({ sequence: ["drop"] });
      await assert.rejects(bare.getSecret("steady"), (e: Error & { code?: string }) => {
        assert.match(`${e.code} ${e.message}`, /ECONNRESET|socket hang up/);
        return true;
      });
    });

    it("a seeded fault rate is reproducible and touches only the chosen operations", async () => {
      const run = async (): Promise<string[]> => {
        kv.setFaults({ rate: 0.3, seed: 42, kinds: ["429-bare", "503"], operations: ["getSecret"] });
        const pattern: string[] = [];
        for (let i = 0; i < 30; i++) {
          await bare.setSecret("seeded", `v${i}`); // not a chosen operation: never faulted
          pattern.push(await bare.getSecret("seeded").then(() => "ok", (e: { statusCode?: number }) => String(e.statusCode)));
        }
        return pattern;
      };
      const before = kv.faultsInjected();
      const first = await run();
      const second = await run();
      assert.deepEqual(second, first);
      const faulted = first.filter((p) => p !== "ok");
      assert.ok(faulted.length >= 3 && faulted.length <= 20, first.join(","));
      assert.ok(faulted.includes("429") && faulted.includes("503"), first.join(","));
      assert.equal(kv.faultsInjected() - before, 2 * faulted.length);
      kv.setFaults({ rate: 0.3, seed: 43, kinds: ["429-bare", "503"], operations: ["getSecret"] });
      const other: string[] = [];
      for (let i = 0; i < 30; i++) other.push(await bare.getSecret("seeded").then(() => "ok", (e: { statusCode?: number }) => String(e.statusCode)));
      assert.notDeepEqual(other, first, "another seed, another pattern");
    });

    it("a sequence may let requests through (null) and ends; clearFaults stops a rate", async () => {
      kv.setFaults({ sequence: [null, "429-bare", null] });
      const outcomes: string[] = [];
      for (let i = 0; i < 4; i++) outcomes.push(await bare.getSecret("steady").then(() => "ok", (e: { statusCode?: number }) => String(e.statusCode)));
      assert.deepEqual(outcomes, ["ok", "429", "ok", "ok"]);
      kv.setFaults({ rate: 1, kinds: ["503"] });
      assert.equal((await restErrorOf(bare.getSecret("steady"))).statusCode, 503);
      kv.clearFaults();
      await bare.getSecret("steady");
    });
  });

  describe("§4 service limits", () => {
    it("§4 writes beyond the limit get 429 Throttled with Retry-After; the SDK waits it out and succeeds (sliding window)", async () => {
      // A 2 s window: wide enough that a slow machine cannot let it slide open between the steps.
      kv.setThrottling({ writeLimit: 3, otherLimit: 1_000, windowMs: 2_000 });
      for (let i = 0; i < 3; i++) await bare.setSecret("limited", `v${i}`);
      const e = await restErrorOf(bare.setSecret("limited", "v3"));
      assert.equal(e.statusCode, 429);
      assert.equal(e.code, "Throttled");
      assert.equal(e.message, "Request was not processed because too many requests were received. Reason: VaultRequestTypeLimitReached");
      assert.match(e.response?.headers.get("retry-after") ?? "", /^[12]$/);
      await bare.getSecret("limited"); // other transactions have their own budget

      const t0 = Date.now();
      await client.setSecret("limited", "v3");
      assert.ok(Date.now() - t0 >= 300, "the SDK honoured Retry-After");
      assert.equal(kv.counters().setSecret, 6, "3 admitted, 1 refused, then the SDK's refused try and its retry");
    });

    it("§4 other transactions have their own limit, separate from secret writes", async () => {
      kv.setThrottling({ writeLimit: 1_000, otherLimit: 5, windowMs: 1_000 });
      for (let i = 0; i < 5; i++) await bare.getSecret("steady");
      assert.equal((await restErrorOf(collect(bare.listPropertiesOfSecrets()))).statusCode, 429);
      await bare.setSecret("still-writable", "v");
    });

    it("§4 default limits: 300 secret writes per 10 s, the 301st gets 429 with Retry-After ≤ 10", async () => {
      const fresh = await startKeyVaultDouble();
      try {
        const c = doubleSecretClient(fresh, { retryOptions: { maxRetries: 0 } });
        for (let batch = 0; batch < 6; batch++) {
          await Promise.all(Array.from({ length: 50 }, (_, i) => c.setSecret(`bulk-${batch}-${i}`, "v")));
        }
        const e = await restErrorOf(c.setSecret("bulk-overflow", "v"));
        assert.equal(e.statusCode, 429);
        const retryAfter = Number(e.response?.headers.get("retry-after"));
        assert.ok(retryAfter >= 1 && retryAfter <= 10, String(retryAfter));
        await c.getSecret("bulk-0-0");
      } finally {
        await fresh.stop();
      }
    });

    it("§4 limits can be switched off", async () => {
      kv.setThrottling({ writeLimit: 2, windowMs: 10_000 });
      await bare.setSecret("unlimited", "0");
      await bare.setSecret("unlimited", "1");
      assert.equal((await restErrorOf(bare.setSecret("unlimited", "2"))).statusCode, 429);
      kv.setThrottling(false);
      await Promise.all(Array.from({ length: 20 }, (_, i) => bare.setSecret("unlimited", `x${i}`)));
    });
  });

  it("64 parallel writers: every write lands, every version is distinct", async () => {
    const names = Array.from({ length: 64 }, (_, i) => `writer-${i}`);
    await Promise.all(names.map((n) => client.setSecret(n, `value-of-${n}`)));
    const shared = await Promise.all(Array.from({ length: 64 }, (_, i) => client.setSecret("shared", `v${i}`)));
    const versions = shared.map((s) => s.properties.version ?? "");
    assert.equal(new Set(versions).size, 64);
    const listedVersions = (await collect(client.listPropertiesOfSecretVersions("shared"))).map((p) => p.version);
    assert.deepEqual(listedVersions, [...versions].sort());
    const listed = new Set((await collect(client.listPropertiesOfSecrets())).map((p) => p.name));
    for (const n of names) assert.ok(listed.has(n), n);
    const values = await Promise.all(names.map((n) => client.getSecret(n).then((s) => s.value)));
    assert.deepEqual(values, names.map((n) => `value-of-${n}`));
    const latest = await client.getSecret("shared");
    assert.equal(latest.properties.version, versions[versions.length - 1], "the last accepted write is the latest");
  });

  it("counters: requests per operation, read and reset (a read-only pass writes nothing)", async () => {
    const zero = kv.counters();
    assert.ok(Object.values(zero).every((n) => n === 0));
    await client.getSecret("steady");
    await collect(client.listPropertiesOfSecrets());
    await collect(client.listPropertiesOfSecretVersions("steady"));
    const c = kv.counters();
    assert.equal(c.getSecret, 1);
    assert.equal(c.listSecrets >= 1, true);
    assert.equal(c.listSecretVersions, 2, "one page and the final empty page");
    for (const op of ["setSecret", "updateSecret", "deleteSecret", "purgeDeletedSecret", "restoreSecret", "recoverDeletedSecret"] as const) {
      assert.equal(c[op], 0, op);
    }
    await client.updateSecretProperties("steady", "", { tags: { touched: "yes" } });
    await (await client.beginDeleteSecret("writer-0", { intervalInMs: 10 })).pollUntilDone();
    assert.equal(kv.counters().updateSecret, 1);
    assert.equal(kv.counters().deleteSecret, 1);
    kv.resetCounters();
    assert.deepEqual(kv.counters(), zero);
  });

  it("stop() closes idle keep-alive and request-less TLS connections at once, and frees the port", async () => {
    const other = await startKeyVaultDouble();
    const c = doubleSecretClient(other);
    await c.setSecret("x", "y"); // leaves a keep-alive socket in the SDK's agent
    const half = connect({ host: "127.0.0.1", port: other.port, ca: other.caCertPem }); // an idle TLS socket, no request
    await new Promise<void>((resolve) => half.once("secureConnect", () => resolve()));
    const closed = new Promise<void>((resolve) => half.once("close", () => resolve()));
    const t0 = Date.now();
    await other.stop();
    await closed;
    assert.ok(Date.now() - t0 < 1_000, "stop did not wait for keep-alive timeouts");
    await other.stop(); // idempotent
    const again = await startKeyVaultDouble({ port: other.port });
    try {
      assert.equal(again.port, other.port);
      await doubleSecretClient(again).setSecret("x", "z");
    } finally {
      await again.stop();
    }
  });
});
