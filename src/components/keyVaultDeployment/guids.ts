// UUIDs derived from names, so that Azure objects named by a GUID (role assignments) get the same
// name on every run and machine. Pure: node:crypto only, no Pulumi.
import { createHash } from "node:crypto";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `value` is a GUID in its 8-4-4-4-12 hex form (any case, no braces), as Entra object and tenant ids are. */
export function isGuid(value: string): boolean {
    return GUID.test(value);
}

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` (UTF-8) within `namespace`, like Python's `uuid.uuid5`. */
export function uuidV5(namespace: string, name: string): string {
    if (!isGuid(namespace)) {
        throw new Error(`namespace must be a GUID, got "${namespace}"`);
    }
    const hash = createHash("sha1").update(Buffer.from(namespace.replace(/-/g, ""), "hex")).update(name, "utf8").digest();
    const bytes = hash.subarray(0, 16);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Version-5 UUID of a list of strings — the same idea as Bicep's `guid(a, b, c)`, though not byte-compatible
 * with it. The list is JSON-encoded so ("a-b","c") and ("a","b-c") stay apart, which a plain join would not.
 */
export function deterministicGuid(namespace: string, ...parts: string[]): string {
    return uuidV5(namespace, JSON.stringify(parts));
}

