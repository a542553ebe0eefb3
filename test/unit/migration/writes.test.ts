// The markers a run writes: one keyed fingerprint per secret (src/migration/writes.ts).
import * as assert from "node:assert/strict";
import { MARKER_KEYS, contentFingerprint, type SourceSecret } from "../../../src/engine";
import { encodeMarkers } from "../../../src/migration/destinations/keyvault/markers";
import { KV_MARKER_KEYS, encodeKvMarkers } from "../../../src/migration/destinations/vault/markers";
import { destinationWrite } from "../../../src/migration/writes";

const ctx = { fingerprintKey: "per-stack-secret-key-0123456789", mappingHash: "mapping-hash", migrationId: "stack/apps" };
const secret = (path: string): SourceSecret => ({ mount: "secret", path, kvVersion: 2, currentVersion: 1, state: "live", customMetadata: {} });

describe("migration/writes: markers", () => {
  // Two services sharing one database password: whoever reads the destination's metadata must not learn that.
  const data = { password: "the-same-password-in-both" };
  const a = destinationWrite("app-a-db", { secret: secret("apps/a/db"), data }, ctx);
  const b = destinationWrite("app-b-db", { secret: secret("apps/b/db"), data }, ctx);

  it("equal values under two source paths get different fingerprints", () => {
    assert.notEqual(a.fingerprint, b.fingerprint);
    assert.notEqual(a.fingerprint, contentFingerprint(ctx.fingerprintKey, data), "not the path-free form either");
  });

  it("and so different Key Vault tags and Vault custom_metadata markers", () => {
    const tag = (w: typeof a): string | undefined => encodeMarkers({ secret: w.source, fingerprint: w.fingerprint, mappingHash: w.mappingHash, migrationId: w.migrationId }).tags[MARKER_KEYS.fingerprint];
    assert.ok(tag(a) && tag(b));
    assert.notEqual(tag(a), tag(b));
    const meta = (w: typeof a): string | undefined => encodeKvMarkers({ secret: w.source, fingerprint: w.fingerprint, mappingHash: w.mappingHash, migrationId: w.migrationId }).customMetadata[KV_MARKER_KEYS.fingerprint];
    assert.ok(meta(a) && meta(b));
    assert.notEqual(meta(a), meta(b));
  });

  it("the same secret written again carries the same marker (a re-run converges)", () => {
    assert.equal(destinationWrite("app-a-db", { secret: secret("apps/a/db"), data: { ...data } }, ctx).fingerprint, a.fingerprint);
  });
});
