/**
 * The Azure Key Vault destination and its client, against the local Key Vault double through the
 * real @azure/keyvault-secrets SDK: shaping, markers, fingerprints, hand-edit detection, soft
 * delete, 429 storms, pacing, RBAC denials — and no value ever in an error.
 */
import assert from "node:assert/strict";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import type { SecretClient } from "@azure/keyvault-secrets";
import { keyVaultCredential } from "../../src/clients/keyvault";
import { createKeyVaultDestination, type KeyVaultDestinationOptions } from "../../src/migration/destinations/keyvault/destination";
import type { DestinationWrite, MigrationDestination } from "../../src/migration/destination";
import { fingerprint, mappingHash, mapConcurrent, type SecretData } from "../../src/engine";
import { doubleSecretClient, startKeyVaultDouble, type KeyVaultDouble } from "../doubles/keyvault";

const KEY = "test-fingerprint-key-0123456789abcdef";
const MAPPING = mappingHash({ destination: "azure-keyvault", test: 1 });
/** Every value written by these tests: none may ever appear in an error. */
const seeded = new Set<string>();
/** Text of every error these tests saw (message, stack, own properties). */
const errorTexts: string[] = [];

function seed(label: string): string {
  const v = `SEEDVAL-${label}-${Math.random().toString(36).slice(2)}`;
  seeded.add(v);
  return v;
}

function record(e: unknown): unknown {
  const props: Record<string, unknown> = {};
  if (e && typeof e === "object") for (const k of Object.keys(e)) props[k] = (e as Record<string, unknown>)[k];
  let json = "";
  try {
    json = JSON.stringify(props);
  } catch {
    json = "[unserializable]";
  }
  errorTexts.push(`${String(e)}\n${(e as Error | undefined)?.stack ?? ""}\n${json}`);
  return e;
}

async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (e) {
    record(e);
    assert.ok(e instanceof Error, "throws an Error");
    return e;
  }
  throw new Error("expected a rejection");
}

function write(name: string, path: string, data: SecretData, customMetadata: Record<string, string> = {}): DestinationWrite {
  return {
    name,
    source: { mount: "secret", path, kvVersion: 2, currentVersion: 3, state: "live", customMetadata, updatedTime: "2026-01-01T00:00:00Z" },
    data,
    fingerprint: fingerprint(KEY, `secret/${path}`, data),
    mappingHash: MAPPING,
    migrationId: "test/keyvault-destination",
  };
}

async function collect<T>(iter: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of iter) out.push(x);
  return out;
}

function destOptions(kv: KeyVaultDouble, extra: Partial<KeyVaultDestinationOptions> = {}): KeyVaultDestinationOptions {
  return {
    vaultUrl: kv.vaultUrl,
    credential: keyVaultCredential({ type: "accessToken", token: kv.issueToken() }),
    caCertPem: kv.caCertPem,
    disableChallengeResourceVerification: true,
    fingerprintKey: KEY,
    expiry: { metadataKey: "expires" },
    pollIntervalMs: 50,
    retry: { baseMs: 20, maxMs: 300 },
    ...extra,
  };
}

describe("Key Vault destination (against the Key Vault double)", function () {
  this.timeout(120_000);
  let kv: KeyVaultDouble;
  let raw: SecretClient;
  let dest: MigrationDestination;

  before(async () => {
    kv = await startKeyVaultDouble({ deleteDelayMs: 300, recoverDelayMs: 300, throttling: false });
    raw = doubleSecretClient(kv);
    dest = createKeyVaultDestination(destOptions(kv));
  });
  after(async () => {
    await dest.close();
    await kv.stop();
  });

  it("exposes kind, location and Key Vault naming", () => {
    assert.equal(dest.kind, "azure-keyvault");
    assert.equal(dest.location, kv.vaultUrl);
    assert.equal(dest.naming.caseSensitive, false);
  });

  it("writes single-key as text/plain and multi-key as JSON; entries() lists them with parsed markers", async () => {
    const single = seed("single");
    const user = seed("user");
    const pass = seed("pass");
    await dest.write(write("app-single", "app/single", { token: single }));
    await dest.write(write("app-multi", "app/multi", { user, pass }));

    const s = await raw.getSecret("app-single");
    assert.equal(s.value, single);
    assert.equal(s.properties.contentType, "text/plain");
    const m = await raw.getSecret("app-multi");
    assert.equal(m.properties.contentType, "application/json");
    assert.deepEqual(JSON.parse(m.value ?? ""), { user, pass });

    const entries = await collect(dest.entries());
    const e = entries.find((x) => x.name === "app-multi");
    assert.ok(e?.markers, "markers parsed");
    assert.equal(e.markers.sourcePath, "secret/app/multi");
    assert.equal(e.markers.sourceVersion, 3);
    assert.equal(e.markers.mappingHash, MAPPING);
    assert.equal(e.markers.fingerprint, fingerprint(KEY, "secret/app/multi", { user, pass }));
    assert.equal(e.enabled, true);
    assert.equal(e.managed, false);
  });

  it("unwrapKey writes only that key's value as text/plain", async () => {
    const unwrapping = createKeyVaultDestination(destOptions(kv, { unwrapKey: "password" }));
    const password = seed("unwrap");
    await unwrapping.write(write("app-unwrap", "app/unwrap", { username: "svc", password }));
    const s = await raw.getSecret("app-unwrap");
    assert.equal(s.value, password);
    assert.equal(s.properties.contentType, "text/plain");
    await unwrapping.close();
  });

  it("copies custom_metadata as tags within the 15-tag limit, and takes the expiry from a custom_metadata key", async () => {
    const meta: Record<string, string> = { expires: "2030-01-31", owner: "team-a" };
    for (let i = 0; i < 20; i++) meta[`k${String(i).padStart(2, "0")}`] = `v${i}`;
    await dest.write(write("app-tags", "app/tags", { v: seed("tags") }, meta));
    const s = await raw.getSecret("app-tags");
    const tags = s.properties.tags ?? {};
    assert.ok(Object.keys(tags).length <= 15, `got ${Object.keys(tags).length} tags`);
    assert.equal(tags["vault-expires"], "2030-01-31");
    assert.equal(tags["migrated-from"], "hashicorp-vault");
    assert.equal(s.properties.expiresOn?.toISOString(), "2030-01-31T00:00:00.000Z");
  });

  it("a write is verified by Key Vault's answer (the version stored, value included): nothing is read back", async () => {
    const w = write("app-answer", "app/answer", { a: seed("answer-a"), b: seed("answer-b") });
    const before = kv.counters();
    const result = await dest.write(w);
    const after = kv.counters();
    assert.equal(result.verified, true);
    assert.equal(after.setSecret - before.setSecret, 1);
    assert.equal(after.getSecret - before.getSecret, 0, "no read back");
    assert.equal(await dest.storedFingerprint("app-answer"), dest.expectedFingerprint(w));
  });

  it("a create (expectAbsent) costs one read before its write, an update none; a stranger's secret there, disabled or not, is refused unwritten", async () => {
    const create = { ...write("app-appear", "app/appear", { v: seed("appear-1") }), expectAbsent: true };
    // The client's first request completes the authentication challenge with a GET of its own: done here, not counted.
    await dest.storedFingerprint("app-appear");
    let before = kv.counters();
    assert.equal((await dest.write(create)).verified, true);
    let after = kv.counters();
    assert.deepEqual([after.getSecret - before.getSecret, after.setSecret - before.setSecret], [1, 1], "one read, one write");
    // Re-sent after a lost answer: the copy there is ours, so the create goes on.
    await dest.write(create);
    before = kv.counters();
    await dest.write(write("app-appear", "app/appear", { v: seed("appear-2") }));
    after = kv.counters();
    assert.deepEqual([after.getSecret - before.getSecret, after.setSecret - before.setSecret], [0, 1], "an update reads nothing first");
    // Someone else's secret, then disabled (it cannot be read: its versions' tags decide).
    for (const disabled of [false, true]) {
      const name = `app-stranger-${disabled ? "off" : "on"}`;
      await raw.setSecret(name, seed(`stranger-${disabled}`), { enabled: !disabled });
      const versions = (await collect(raw.listPropertiesOfSecretVersions(name))).length;
      const e = await rejection(dest.write({ ...write(name, "app/stranger", { v: seed("stranger-mine") }), expectAbsent: true }));
      assert.equal((e as Error & { code?: string }).code, "APPEARED_SINCE_PLANNING", e.message);
      assert.match(e.message, new RegExp(`'${name}' was absent when planned and now exists, not written by this migration; nothing was overwritten`));
      assert.equal((await collect(raw.listPropertiesOfSecretVersions(name))).length, versions, `${name}: no version added`);
    }
  });

  it("expectedFingerprint equals storedFingerprint after a write, and differs after a hand edit", async () => {
    const w = write("app-fp", "app/fp", { a: seed("fp-a"), b: seed("fp-b") });
    await dest.write(w);
    assert.equal(await dest.storedFingerprint("app-fp"), dest.expectedFingerprint(w));
    await raw.setSecret("app-fp", seed("fp-hand"));
    assert.notEqual(await dest.storedFingerprint("app-fp"), dest.expectedFingerprint(w));
    assert.equal(await dest.storedFingerprint("never-written"), undefined);
  });

  it("inspectUnmarked: our copy re-set by hand without tags is handEdited with the old markers; a foreign secret is unchanged", async () => {
    await dest.write(write("app-hand", "app/hand", { v: seed("hand-ours") }));
    await raw.setSecret("app-hand", seed("hand-edit"));
    await raw.setSecret("foreign", seed("foreign"));
    const entries = await collect(dest.entries());
    const hand = entries.find((x) => x.name === "app-hand");
    const foreign = entries.find((x) => x.name === "foreign");
    assert.ok(hand && foreign);
    assert.equal(hand.markers, undefined, "latest version has no markers");
    const inspected = await dest.inspectUnmarked(hand);
    assert.equal(inspected.handEdited, true);
    assert.equal(inspected.markers?.sourcePath, "secret/app/hand");
    assert.equal(inspected.markers?.mappingHash, MAPPING);
    const other = await dest.inspectUnmarked(foreign);
    assert.deepEqual(other, foreign);
    assert.equal(other.markers, undefined);
  });

  it("validate: an oversize value gives a message naming the path and size, never the value; write refuses it too", async () => {
    const big = seed("big") + "x".repeat(30_000);
    seeded.add(big);
    const w = write("app-big", "app/big", { blob: big });
    const msg = dest.validate(w);
    assert.ok(msg);
    errorTexts.push(msg);
    assert.match(msg, /secret\/app\/big/);
    assert.match(msg, /25600/);
    assert.ok(!msg.includes("SEEDVAL"));
    assert.equal(dest.validate(write("app-small", "app/small", { v: "ok" })), undefined);
    const e = await rejection(dest.write(w));
    assert.match(e.message, /app-big/);
  });

  it("soft-deleted name, recover mode: recovers the name and writes (no raw 409)", async () => {
    await dest.write(write("app-sd", "app/sd", { v: seed("sd-1") }));
    await dest.remove("app-sd");
    assert.ok(await raw.getDeletedSecret("app-sd"));
    const again = seed("sd-2");
    await dest.write(write("app-sd", "app/sd", { v: again }));
    assert.equal((await raw.getSecret("app-sd")).value, again);
    await dest.remove("does-not-exist");
  });

  it("soft-deleted name, fail mode: a clear error saying how to recover or purge", async () => {
    const failing = createKeyVaultDestination(destOptions(kv, { softDeleted: "fail" }));
    await failing.write(write("app-sdf", "app/sdf", { v: seed("sdf-1") }));
    await failing.remove("app-sdf");
    const e = await rejection(failing.write(write("app-sdf", "app/sdf", { v: seed("sdf-2") })));
    console.log(`      fail-mode message: ${e.message}`);
    assert.match(e.message, /app-sdf/);
    assert.match(e.message, /soft-deleted/);
    assert.match(e.message, /recover/);
    assert.match(e.message, /purge/);
    assert.doesNotMatch(e.message, /409/);
    await failing.close();
  });

  it("rides out a 429/503 storm (30 % of writes faulted): 50 writes all succeed", async () => {
    kv.setFaults({ rate: 0.3, kinds: ["429", "429-bare", "503"], seed: 11, operations: ["setSecret"] });
    kv.resetCounters();
    const t0 = Date.now();
    const names = Array.from({ length: 50 }, (_, i) => `storm-${i}`);
    const results = [];
    for await (const r of mapConcurrent(names, 8, (n) => dest.write(write(n, `storm/${n}`, { v: seed(n) })))) {
      if (!r.ok) record(r.error);
      results.push(r);
    }
    const faults = kv.faultsInjected();
    kv.clearFaults();
    console.log(`      storm: ${results.filter((r) => r.ok).length}/50 ok, ${faults} faults injected, ${kv.counters().setSecret} PUTs, ${Date.now() - t0} ms`);
    assert.equal(results.filter((r) => !r.ok).length, 0);
    assert.ok(faults > 5, "faults were injected");
  });

  it("403 ForbiddenByRbac on write: bounded retry, then an error naming the missing data action", async () => {
    const readOnly = createKeyVaultDestination(
      destOptions(kv, { credential: keyVaultCredential({ type: "accessToken", token: kv.issueToken(["read"]) }), rbacMaxWaitMs: 500 }),
    );
    kv.resetCounters();
    const t0 = Date.now();
    const e = await rejection(readOnly.write(write("app-rbac", "app/rbac", { v: seed("rbac") })));
    const elapsed = Date.now() - t0;
    console.log(`      rbac: ${kv.counters().setSecret} attempts in ${elapsed} ms: ${e.message}`);
    assert.match(e.message, /Microsoft\.KeyVault\/vaults\/secrets\/setSecret\/action/);
    assert.match(e.message, /app-rbac/);
    assert.ok(elapsed >= 450 && elapsed < 10_000, `bounded wait (${elapsed} ms)`);
    assert.ok(kv.counters().setSecret >= 2, "retried");
    await readOnly.close();
  });

  it("403 then the right arrives (role assignment propagated): the write succeeds", async () => {
    let token = kv.issueToken(["read"]);
    // Short expiry so the SDK's token cycler keeps asking for a fresh token.
    const credential: TokenCredential = {
      getToken: async (): Promise<AccessToken> => ({ token, tokenType: "Bearer", expiresOnTimestamp: Date.now() + 500 }),
    };
    const d = createKeyVaultDestination(destOptions(kv, { credential, rbacMaxWaitMs: 20_000 }));
    const timer = setTimeout(() => {
      token = kv.issueToken();
    }, 800);
    const value = seed("rbac-later");
    await d.write(write("app-rbac-later", "app/rbac-later", { v: value }));
    clearTimeout(timer);
    assert.equal((await raw.getSecret("app-rbac-later")).value, value);
    await d.close();
  });

  it("no error message, stack or property ever contained a seeded value", () => {
    assert.ok(errorTexts.length >= 4, `errors were captured (${errorTexts.length})`);
    for (const text of errorTexts) {
      assert.ok(!text.includes("SEEDVAL"), `an error leaked a value: ${text.slice(0, 200)}`);
      for (const v of seeded) assert.ok(!text.includes(v));
    }
  });
});

describe("Key Vault destination pacing (double with scaled limits: 30 writes + 400 others per 1 s)", function () {
  this.timeout(60_000);
  let kv: KeyVaultDouble;
  after(() => kv.stop());

  it("keeps 429s at (near) zero and uses ≥ 0.8 of the allowed write rate over ~3 s", async () => {
    const limits = { writeLimit: 30, otherLimit: 400, windowMs: 1_000 };
    kv = await startKeyVaultDouble({ throttling: limits, deleteDelayMs: 0 });
    const dest = createKeyVaultDestination(destOptions(kv, { pacing: limits }));
    kv.resetCounters();
    const durationMs = 3_000;
    const t0 = Date.now();
    let ok = 0;
    let i = 0;
    const names = (function* () {
      while (Date.now() - t0 < durationMs) yield `pace-${i++}`;
    })();
    for await (const r of mapConcurrent(names, 10, (n) => dest.write(write(n, `pace/${n}`, { v: `v-${n}` })))) {
      if (r.ok) ok++;
      else record(r.error);
    }
    const elapsed = (Date.now() - t0) / 1000;
    const puts = kv.counters().setSecret;
    const throttled = puts - ok;
    const rate = ok / elapsed;
    const allowed = limits.writeLimit / (limits.windowMs / 1000);
    console.log(`      pacing: ${ok} writes in ${elapsed.toFixed(2)} s = ${rate.toFixed(1)}/s of ${allowed}/s allowed (${(rate / allowed).toFixed(2)}); ${throttled} throttled PUTs`);
    assert.ok(throttled <= 2, `429s: ${throttled}`);
    assert.ok(rate / allowed >= 0.8, `rate ${rate}`);
    await dest.close();
  });
});
