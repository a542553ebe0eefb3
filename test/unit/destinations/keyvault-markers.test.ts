import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  MIGRATED_FROM,
  MARKER_KEYS as TAGS,
  fullSourcePath,
  parseMarkers,
  resolveExpiry,
  sourceMetadataHash,
} from "../../../src/engine";
import { KEY_VAULT_TAG_LIMITS, encodeMarkers, expectedMarkers } from "../../../src/migration/destinations/keyvault/markers";
import type { SourceSecret } from "../../../src/engine";

function v2(over: Partial<SourceSecret> = {}): SourceSecret {
  return { mount: "secret", path: "app/db", kvVersion: 2, currentVersion: 3, state: "live", customMetadata: {}, ...over };
}

describe("engine/markers", () => {
  it("writes the reserved tags in seed 003 form plus our own", () => {
    const { tags, warnings } = encodeMarkers({ secret: v2(), fingerprint: "F".repeat(32), mappingHash: "M", migratedAt: new Date("2026-05-01T10:00:00Z") });
    assert.deepEqual(Object.keys(tags), [TAGS.migratedFrom, TAGS.vaultPath, TAGS.originalVersion, TAGS.fingerprint, TAGS.mappingHash, TAGS.metadataHash, TAGS.migrationDate]);
    assert.equal(tags["migrated-from"], "hashicorp-vault");
    assert.equal(tags["vault-path"], "secret/app/db");
    assert.equal(tags["original-version"], "3");
    assert.equal(tags["migration-date"], "2026-05-01");
    assert.deepEqual(warnings, []);
  });

  it("omits the version for KV v1", () => {
    const { tags } = encodeMarkers({ secret: { mount: "kv1", path: "a", kvVersion: 1, state: "live", customMetadata: {}, fingerprint: "f" }, fingerprint: "f", mappingHash: "M" });
    assert.equal(tags[TAGS.originalVersion], undefined);
  });

  it("copies custom_metadata sorted, prefixed, within budget, and reports every loss", () => {
    const customMetadata: Record<string, string> = { path: "clash", Owner: "team", long: "v".repeat(600), ["k".repeat(510)]: "too long name" };
    for (let i = 0; i < 12; i++) customMetadata[`m${String(i).padStart(2, "0")}`] = `v${i}`;
    const { tags, warnings } = encodeMarkers({ secret: v2({ customMetadata }), fingerprint: "f", mappingHash: "M" });
    assert.ok(Object.keys(tags).length <= KEY_VAULT_TAG_LIMITS.maxTags);
    for (const [k, v] of Object.entries(tags)) {
      assert.ok(k.length <= 512 && v.length <= 512);
    }
    // 6 reserved (no date) leave 9: sorted keys are Owner, k…(dropped), long, m00…
    assert.equal(tags["vault-Owner"], "team");
    assert.equal(tags["vault-long"], "v".repeat(512));
    assert.equal(tags["vault-path"], "secret/app/db", "reserved tag must win over custom_metadata \"path\"");
    const kinds = warnings.map((w) => `${w.kind}:${w.key?.slice(0, 5)}`);
    assert.deepEqual(kinds, ["name-too-long:kkkkk", "value-truncated:long", "over-budget:m07", "over-budget:m08", "over-budget:m09", "over-budget:m10", "over-budget:m11", "name-collision:path"]);
    const kept = Object.keys(tags).filter((k) => k.startsWith("vault-") && k !== "vault-path").length;
    assert.equal(kept + warnings.filter((w) => w.kind !== "value-truncated").length, Object.keys(customMetadata).length, "no silent loss");
    for (const w of warnings) assert.ok(!w.message.includes("clash") && !w.message.includes("vvvv"), "values stay out of warnings");
  });

  it("never exceeds the limits and never loses a key silently (property)", () => {
    const meta = fc.dictionary(fc.string({ minLength: 1, maxLength: 600 }), fc.string({ maxLength: 700 }), { maxKeys: 25 });
    fc.assert(
      fc.property(meta, fc.string({ minLength: 1, maxLength: 700 }), (customMetadata, path) => {
        const { tags, warnings } = encodeMarkers({ secret: v2({ customMetadata, path }), fingerprint: "f", mappingHash: "M" });
        const entries = Object.entries(tags);
        assert.ok(entries.length <= 15);
        for (const [k, v] of entries) assert.ok(k.length <= 512 && v.length <= 512);
        const copied = Object.keys(customMetadata).filter((k) => tags[`vault-${k}`] !== undefined && tags[`vault-${k}`] === customMetadata[k]!.slice(0, 512) && !Object.values(TAGS).includes(`vault-${k}` as never));
        const dropped = new Set(warnings.filter((w) => w.kind !== "value-truncated" && w.key !== undefined).map((w) => w.key));
        for (const k of Object.keys(customMetadata)) assert.ok(copied.includes(k) || dropped.has(k), `key lost silently`);
        const m = parseMarkers(tags);
        assert.ok(m);
        assert.equal(m.sourcePath, fullSourcePath({ mount: "secret", path }).slice(0, 512));
      }),
    );
  });

  it("parses markers back, including seed 003 copies without a mapping hash", () => {
    const tags = encodeMarkers({ secret: v2(), fingerprint: "fp", mappingHash: "mh" }).tags;
    assert.deepEqual(parseMarkers(tags), { origin: MIGRATED_FROM, sourcePath: "secret/app/db", sourceVersion: 3, fingerprint: "fp", mappingHash: "mh", metadataHash: sourceMetadataHash(v2()) });
    const seed = { "migrated-from": "hashicorp-vault", "vault-path": "secret/app/db", "migration-date": "2026-04-30", "original-version": "unknown" };
    assert.deepEqual(parseMarkers(seed), { origin: MIGRATED_FROM, sourcePath: "secret/app/db", migratedOn: "2026-04-30" });
    assert.equal(parseMarkers({ "vault-path": "x" }), undefined);
    assert.equal(parseMarkers({ "migrated-from": "elsewhere", "vault-path": "x" }), undefined);
    assert.equal(parseMarkers(undefined), undefined);
    assert.equal(expectedMarkers({ secret: v2(), mappingHash: "mh" }).fingerprint, undefined);
  });

  it("warns when the path is truncated", () => {
    const path = "p/".repeat(300);
    const { tags, warnings } = encodeMarkers({ secret: v2({ path }), mappingHash: "M" });
    assert.equal(tags["vault-path"]!.length, 512);
    assert.equal(warnings[0]?.kind, "path-truncated");
  });

  describe("expiry", () => {
    const expiry = { metadataKey: "expires" };
    const at = (value: string, updatedTime?: string): Date | undefined =>
      resolveExpiry(v2({ customMetadata: { expires: value }, ...(updatedTime ? { updatedTime } : {}) }), expiry).expiresOn;

    it("accepts absolute ISO dates (UTC) and zoned date-times", () => {
      assert.equal(at("2027-01-31")?.toISOString(), "2027-01-31T00:00:00.000Z");
      assert.equal(at("2027-01-31T12:00:00+02:00")?.toISOString(), "2027-01-31T10:00:00.000Z");
    });

    it("adds durations to the source updated time", () => {
      const base = "2026-01-01T00:00:00Z";
      assert.equal(at("90d", base)?.toISOString(), "2026-04-01T00:00:00.000Z");
      assert.equal(at("1h30m", base)?.toISOString(), "2026-01-01T01:30:00.000Z");
      assert.equal(at("P1Y2M3DT4H", base)?.toISOString(), "2027-03-04T04:00:00.000Z");
      assert.equal(at("P2W", base)?.toISOString(), "2026-01-15T00:00:00.000Z");
    });

    it("warns instead of guessing", () => {
      for (const bad of ["2027-01-31T12:00:00", "next year", "P", "2027-13-45"]) {
        const r = resolveExpiry(v2({ customMetadata: { expires: bad }, updatedTime: "2026-01-01T00:00:00Z" }), expiry);
        assert.equal(r.expiresOn, undefined, bad);
        assert.equal(r.warning?.kind, "expiry-invalid", bad);
      }
      assert.equal(resolveExpiry(v2({ customMetadata: { expires: "30d" } }), expiry).warning?.kind, "expiry-invalid");
      assert.deepEqual(resolveExpiry(v2(), expiry), {});
      assert.deepEqual(resolveExpiry(v2({ customMetadata: { expires: "30d" } }), undefined), {});
    });

    it("feeds the expiry into the markers and the metadata hash", () => {
      const s = v2({ customMetadata: { expires: "30d" }, updatedTime: "2026-01-01T00:00:00Z" });
      const enc = encodeMarkers({ secret: s, mappingHash: "M", expiry });
      assert.equal(enc.expiresOn?.toISOString(), "2026-01-31T00:00:00.000Z");
      assert.equal(parseMarkers(enc.tags)?.metadataHash, sourceMetadataHash(s, expiry));
      assert.notEqual(sourceMetadataHash(s, expiry), sourceMetadataHash({ ...s, updatedTime: "2026-02-01T00:00:00Z" }, expiry));
    });
  });
});
