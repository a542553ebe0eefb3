/**
 * Value shaping, as in seed 003: a single-key secret becomes its plain value
 * (`text/plain`), a multi-key secret becomes JSON (`application/json`).
 * Shaped values live in memory only; errors name the path and the size, never
 * the value.
 */
import { canonicalJson } from "./fingerprint";
import { buildEngineError, isEngineError, type EngineError } from "./errors";
import type { SecretData } from "./types";

/** Content type of a single-key (or unwrapped) secret. */
export const CONTENT_TYPE_TEXT = "text/plain";
/** Content type of a multi-key secret. */
export const CONTENT_TYPE_JSON = "application/json";

/** Key Vault's value limit: 25,600 (fact sheet §4). */
export const KEY_VAULT_MAX_VALUE_SIZE = 25_600;

/**
 * How a value's size is measured. Key Vault's error says "characters" but its docs
 * say bytes, and which applies to multi-byte text is unverified (fact sheet §4);
 * `utf8` bytes is never smaller than `utf16` code units, so it is the safe default.
 */
export type SizeUnit = "utf8" | "utf16";

/** Options of {@link shapeValue}. */
export interface ShapeOptions {
  /** When the secret has this key, write only that key's value. */
  readonly unwrapKey?: string;
  /** Largest accepted value; default {@link KEY_VAULT_MAX_VALUE_SIZE}. */
  readonly maxSize?: number;
  /** Unit of `maxSize`; default `utf8`. */
  readonly sizeUnit?: SizeUnit;
}

/** A value ready to be written (in memory only). */
export interface ShapedValue {
  readonly value: string;
  readonly contentType: string;
  /** Size in the configured unit. */
  readonly size: number;
}

/** Thrown or returned when a shaped value exceeds the destination limit. */
export interface ValueTooLargeError extends EngineError {
  name: "ValueTooLargeError";
  readonly code: "VALUE_TOO_LARGE";
  /** `mount/path` of the secret. */
  readonly path: string;
  /** Size of the shaped value, in `unit`. */
  readonly size: number;
  readonly limit: number;
  readonly unit: SizeUnit;
}

/** Builds a {@link ValueTooLargeError}. */
export function valueTooLargeError(path: string, size: number, limit: number, unit: SizeUnit): ValueTooLargeError {
  const what = unit === "utf8" ? "bytes (UTF-8)" : "characters (UTF-16)";
  return buildEngineError<ValueTooLargeError>(
    "ValueTooLargeError",
    "VALUE_TOO_LARGE",
    `secret [${path}]: value is ${size} ${what}, over the destination limit of ${limit}`,
    { path, size, limit, unit },
  );
}

/** True when `err` is a {@link ValueTooLargeError}. */
export function isValueTooLargeError(err: unknown): err is ValueTooLargeError {
  return isEngineError(err, "VALUE_TOO_LARGE") && err.name === "ValueTooLargeError";
}

/** Result of {@link shapeValue}: a value, or the size error. */
export type ShapeResult = ({ readonly ok: true } & ShapedValue) | { readonly ok: false; readonly error: ValueTooLargeError };

/** Size of a string in the given unit. */
export function measureSize(value: string, unit: SizeUnit): number {
  return unit === "utf8" ? Buffer.byteLength(value, "utf8") : value.length;
}

function plain(v: unknown): string {
  // Strings as-is; other JSON types JSON-encoded (seed 003 used Python's str(),
  // which is not JSON for booleans/objects; JSON round-trips).
  return typeof v === "string" ? v : canonicalJson(v);
}

/**
 * Shapes a KV data map into one destination value. `path` (`mount/path`) is only
 * used in the error. Multi-key JSON is canonical (sorted keys) so the same data
 * always gives the same value.
 */
export function shapeValue(path: string, data: SecretData, options: ShapeOptions = {}): ShapeResult {
  const keys = Object.keys(data);
  let value: string;
  let contentType: string;
  if (options.unwrapKey !== undefined && Object.prototype.hasOwnProperty.call(data, options.unwrapKey)) {
    value = plain(data[options.unwrapKey]);
    contentType = CONTENT_TYPE_TEXT;
  } else if (keys.length === 1) {
    value = plain(data[keys[0] as string]);
    contentType = CONTENT_TYPE_TEXT;
  } else {
    value = canonicalJson(data);
    contentType = CONTENT_TYPE_JSON;
  }
  const unit = options.sizeUnit ?? "utf8";
  const limit = options.maxSize ?? KEY_VAULT_MAX_VALUE_SIZE;
  const size = measureSize(value, unit);
  if (size > limit) return { ok: false, error: valueTooLargeError(path, size, limit, unit) };
  return { ok: true, value, contentType, size };
}

/**
 * Reverse of {@link shapeValue} for verification: JSON values become their
 * object, plain values become `{ [singleKey]: value }` (the original key name
 * is not stored in the destination). Returns `undefined` for JSON content that
 * is not an object.
 */
export function parseDestinationValue(value: string, contentType: string | undefined, singleKey = "value"): SecretData | undefined {
  if (contentType === CONTENT_TYPE_JSON) {
    try {
      const parsed: unknown = JSON.parse(value);
      return parsed !== null && typeof parsed === "object" && !Array.isArray(parsed) ? (parsed as SecretData) : undefined;
    } catch {
      // Parse errors quote the input; swallow them so no value leaks.
      return undefined;
    }
  }
  return { [singleKey]: value };
}

/**
 * Every string under which a secret's data could show up in a message: string
 * leaves, JSON forms of non-string leaves and of containers, and the shaped
 * multi-key JSON. Feed it to `redact` before an error reaches a report.
 */
export function secretStrings(data: SecretData): string[] {
  const out = new Set<string>();
  const visit = (v: unknown): void => {
    if (typeof v === "string") {
      out.add(v);
      return;
    }
    if (v === null || typeof v !== "object") {
      if (v !== undefined) out.add(canonicalJson(v));
      return;
    }
    out.add(canonicalJson(v));
    for (const child of Array.isArray(v) ? v : Object.values(v as Record<string, unknown>)) visit(child);
  };
  visit(data);
  return [...out];
}
