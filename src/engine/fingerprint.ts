/**
 * Keyed fingerprints of secret data and unkeyed hashes of (non-secret) settings.
 *
 * Why keyed: a plain SHA-256 of a short secret (a PIN, a word) can be reversed by
 * brute force from a tag or a state file. An HMAC under a per-stack secret key
 * cannot, so the fingerprint may sit in destination tags, plans and reports.
 */
import { createHash, createHmac } from "node:crypto";
import { engineError } from "./errors";
import type { SecretData } from "./types";

/**
 * Length of fingerprints and hashes, in base64url characters: 32 chars = 192 bits,
 * far beyond any collision risk for a vault's secrets, and well under Key Vault's
 * 512-character tag values.
 */
export const FINGERPRINT_LENGTH = 32;

/** Shortest accepted fingerprint key in bytes (128 bits); shorter keys make the HMAC guessable. */
export const MIN_FINGERPRINT_KEY_BYTES = 16;

/** A per-stack secret key: raw bytes, or a string taken as its UTF-8 bytes. */
export type FingerprintKey = string | Uint8Array;

// Domain-separation prefixes: a data fingerprint, a value fingerprint and a
// settings hash of the same bytes must never coincide. data/v2 binds the source
// path (see {@link fingerprint}); data/v1 is the path-free content fingerprint.
const DOMAIN_DATA = "vault-migration/data/v2\0";
const DOMAIN_CONTENT = "vault-migration/data/v1\0";
const DOMAIN_VALUE = "vault-migration/value/v1\0";
const DOMAIN_MAPPING = "vault-migration/mapping/v1\0";
const DOMAIN_METADATA = "vault-migration/metadata/v1\0";

/**
 * Canonical JSON: object keys sorted by UTF-16 code units at every depth, no
 * whitespace, otherwise JSON.stringify's rules (non-finite numbers → null,
 * undefined members dropped, undefined array slots → null). Equal data gives
 * equal text whatever the key order. Throws a TypeError on cycles and bigints.
 */
export function canonicalJson(value: unknown): string {
  const text = encode(value, false, new Set<object>());
  // Top-level undefined has no JSON form; treat it like JSON null for hashing.
  return text ?? "null";
}

function encode(value: unknown, inArray: boolean, ancestors: Set<object>): string | undefined {
  let v = value;
  if (v !== null && typeof v === "object" && typeof (v as { toJSON?: unknown }).toJSON === "function") {
    v = (v as { toJSON: () => unknown }).toJSON();
  }
  switch (typeof v) {
    case "string":
      return JSON.stringify(v);
    case "number":
      return Number.isFinite(v) ? JSON.stringify(v) : "null";
    case "boolean":
      return v ? "true" : "false";
    case "bigint":
      throw new TypeError("canonicalJson: bigint has no JSON form");
    case "undefined":
    case "function":
    case "symbol":
      return inArray ? "null" : undefined;
    default:
      break;
  }
  if (v === null) return "null";
  const obj = v as object;
  if (ancestors.has(obj)) throw new TypeError("canonicalJson: cyclic structure");
  ancestors.add(obj);
  try {
    if (Array.isArray(obj)) {
      return `[${obj.map((item: unknown) => encode(item, true, ancestors)).join(",")}]`;
    }
    const record = obj as Record<string, unknown>;
    const parts: string[] = [];
    for (const k of Object.keys(record).sort()) {
      const enc = encode(record[k], false, ancestors);
      if (enc !== undefined) parts.push(`${JSON.stringify(k)}:${enc}`);
    }
    return `{${parts.join(",")}}`;
  } finally {
    ancestors.delete(obj);
  }
}

function keyBytes(key: FingerprintKey): Buffer {
  const bytes = typeof key === "string" ? Buffer.from(key, "utf8") : Buffer.from(key);
  if (bytes.length < MIN_FINGERPRINT_KEY_BYTES) {
    // The message states the length rule only; it never echoes the key.
    throw engineError(
      "FINGERPRINT_KEY",
      `fingerprint key must be at least ${MIN_FINGERPRINT_KEY_BYTES} bytes (got ${bytes.length})`,
    );
  }
  return bytes;
}

function hmac(key: FingerprintKey, domain: string, text: string): string {
  return createHmac("sha256", keyBytes(key))
    .update(domain, "utf8")
    .update(text, "utf8")
    .digest("base64url")
    .slice(0, FINGERPRINT_LENGTH);
}

function sha(domain: string, text: string): string {
  return createHash("sha256").update(domain, "utf8").update(text, "utf8").digest("base64url").slice(0, FINGERPRINT_LENGTH);
}

/**
 * Keyed fingerprint of one secret, the `migration-fingerprint` marker: HMAC-SHA256
 * under `key` over the source path (`mount/path`, as {@link fullSourcePath} writes
 * it) and the canonical JSON of `data`, base64url, first {@link FINGERPRINT_LENGTH}
 * characters. Key order does not matter. With the path in the input, two secrets
 * holding the same value carry different markers, so whoever reads the destination's
 * metadata cannot tell they are equal. Safe to store in tags, plans and reports.
 */
export function fingerprint(key: FingerprintKey, sourcePath: string, data: SecretData): string {
  return hmac(key, DOMAIN_DATA, canonicalJson([sourcePath, data]));
}

/**
 * Keyed fingerprint of data alone, whatever secret holds it: for comparing two
 * contents in memory (a write with its read-back), never written as a marker.
 * It is also what markers of version 1 held (`vault-migration/data/v1`), so it
 * recognises copies stamped before {@link fingerprint} bound the source path:
 * those count as in sync when it matches, and get the new marker the next time
 * the secret is written (see README, "Keyed fingerprints").
 */
export function contentFingerprint(key: FingerprintKey, data: SecretData): string {
  return hmac(key, DOMAIN_CONTENT, canonicalJson(data));
}

/** Whether a marker is the fingerprint of this secret, in the current or the version-1 form. */
export function fingerprintMatches(marker: string, key: FingerprintKey, sourcePath: string, data: SecretData): boolean {
  return marker === fingerprint(key, sourcePath, data) || marker === contentFingerprint(key, data);
}

/**
 * Keyed fingerprint of one destination value string (e.g. to verify a read-back
 * after a write). Domain-separated from {@link fingerprint}.
 */
export function fingerprintValue(key: FingerprintKey, value: string): string {
  return hmac(key, DOMAIN_VALUE, value);
}

/**
 * Unkeyed hash of mapping settings — fine unkeyed because settings are not secret.
 * Pass whatever changes the written content or markers (value shaping such as
 * `unwrapKey`, tag rules, expiry key, destination kind); naming rules need not be
 * included, since a renamed destination is detected structurally (create + orphan).
 */
export function mappingHash(settings: unknown): string {
  return sha(DOMAIN_MAPPING, canonicalJson(settings));
}

/**
 * Unkeyed hash of a secret's custom metadata and derived expiry. KV v2 metadata
 * edits do not bump the version, so this is how a metadata-only change is seen.
 * Custom metadata is not secret: it is copied to the destination in clear.
 */
export function metadataHash(customMetadata: Readonly<Record<string, string>>, expiresOn?: Date): string {
  return sha(DOMAIN_METADATA, canonicalJson({ customMetadata, expiresOn: expiresOn?.toISOString() ?? null }));
}
