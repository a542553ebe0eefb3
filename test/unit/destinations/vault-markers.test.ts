import * as assert from "node:assert/strict";
import {
  metadataHash,
  sourceMetadataHash,
  type SourceSecret,
} from "../../../src/engine";
import { KV_METADATA_LIMITS, copiedKvMetadata, encodeKvMarkers, parseKvMarkers } from "../../../src/migration/destinations/vault/markers";
import { isValidVaultPath, vaultKvNaming } from "../../../src/migration/destinations/vault/naming";

const secret = (customMetadata: Record<string, string>, extra: Partial<SourceSecret> = {}): SourceSecret => ({ mount: "secret", path: "app/db", kvVersion: 2, currentVersion: 4, state: "live", customMetadata, ...extra });

describe("engine/kvmarkers (markers in Vault custom_metadata)", () => {
  it("writes the reserved keys and copies the source keys as they are", () => {
    const { customMetadata: cm, warnings } = encodeKvMarkers({ secret: secret({ owner: "team" }), fingerprint: "fp", mappingHash: "mh", destinationVersion: 2 });
    assert.deepEqual(warnings, []);
    assert.deepEqual(cm, {
      "migrated-from": "hashicorp-vault",
      "vault-path": "secret/app/db",
      "original-version": "4",
      "migration-fingerprint": "fp",
      "migration-mapping": "mh",
      "migration-metadata": metadataHash({ owner: "team" }),
      "migration-dest-version": "2",
      owner: "team",
    });
    const parsed = parseKvMarkers(cm);
    assert.equal(parsed.destinationVersion, 2);
    assert.deepEqual(parsed.markers, { origin: "hashicorp-vault", sourcePath: "secret/app/db", sourceVersion: 4, fingerprint: "fp", mappingHash: "mh", metadataHash: metadataHash({ owner: "team" }) });
    // What the planner compares with (no expiry for Vault destinations).
    assert.equal(parsed.markers?.metadataHash, sourceMetadataHash(secret({ owner: "team" })));
    assert.deepEqual(copiedKvMetadata(cm), { owner: "team" });
  });

  it("a replay's start round-trips (`migration-replay`), and a source key can pose as none of the crash-safety keys", () => {
    const { customMetadata: cm } = encodeKvMarkers({ secret: secret({ "migration-replay": "0:0", "migration-previous-fingerprint": "x" }), fingerprint: "fp", mappingHash: "mh", destinationVersion: 5, replay: { after: 1, base: 2 } });
    assert.equal(cm["migration-replay"], "1:2");
    assert.equal(cm["migration-previous-fingerprint"], undefined);
    assert.deepEqual(parseKvMarkers(cm).replay, { after: 1, base: 2 });
    assert.equal(parseKvMarkers({ ...cm, "migration-replay": "junk" }).replay, undefined);
  });

  it("reserved keys win over source keys; drops are listed, never silent", () => {
    const { customMetadata: cm, warnings } = encodeKvMarkers({ secret: secret({ "vault-path": "spoof", "migration-dest-version": "9", ok: "1" }), fingerprint: "fp", mappingHash: "mh", destinationVersion: 1 });
    assert.equal(cm["vault-path"], "secret/app/db");
    assert.equal(cm["migration-dest-version"], "1");
    assert.equal(cm["migration-dropped-keys"], "migration-dest-version,vault-path");
    assert.equal(cm.ok, "1");
    assert.deepEqual(warnings.map((w) => w.kind), ["name-collision", "name-collision"]);
  });

  it("stays within 64 keys, 128-character keys and 512-character values", () => {
    const many: Record<string, string> = { ["k".repeat(129)]: "x", long: "v".repeat(600) };
    for (let i = 0; i < 70; i++) many[`key-${String(i).padStart(2, "0")}`] = String(i);
    const { customMetadata: cm, warnings } = encodeKvMarkers({ secret: secret(many), fingerprint: "fp", mappingHash: "mh", destinationVersion: 1 });
    assert.equal(Object.keys(cm).length, KV_METADATA_LIMITS.maxKeys);
    assert.ok(Object.keys(cm).every((k) => k.length <= 128));
    assert.ok(Object.values(cm).every((v) => v.length <= 512));
    assert.ok(warnings.some((w) => w.kind === "name-too-long"));
    assert.ok(warnings.some((w) => w.kind === "over-budget"));
    assert.ok(cm["migration-dropped-keys"]?.includes("key-69"));
  });

  it("markers only, without copying, when copyCustomMetadata is false", () => {
    const { customMetadata: cm } = encodeKvMarkers({ secret: secret({ owner: "team" }, { kvVersion: 1, currentVersion: undefined }), fingerprint: "fp", mappingHash: "mh", copyCustomMetadata: false });
    assert.equal(cm.owner, undefined);
    assert.equal(cm["original-version"], undefined);
    assert.equal(parseKvMarkers(cm).markers?.fingerprint, "fp");
  });

  it("Vault destination paths: case-sensitive, identity, no empty/dot segments, no leading slash, not the markers folder", () => {
    assert.equal(vaultKvNaming.caseSensitive, true);
    assert.equal(vaultKvNaming.sanitize("Apps/DB"), "Apps/DB");
    for (const ok of ["a", "apps/web/db", "Apps/x.y", "a b/c"]) assert.ok(isValidVaultPath(ok), ok);
    for (const bad of ["", "/a", "a/", "a//b", "a/../b", "./a", ".vault-migration/a", "a\nb"]) assert.ok(!isValidVaultPath(bad), JSON.stringify(bad));
  });
});
