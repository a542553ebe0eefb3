import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  CONTENT_TYPE_JSON,
  CONTENT_TYPE_TEXT,
  KEY_VAULT_MAX_VALUE_SIZE,
  REDACTED,
  isValueTooLargeError,
  parseDestinationValue,
  redact,
  secretStrings,
  shapeValue,
} from "../../../src/engine";
import type { SecretData, ShapeResult } from "../../../src/engine";

function ok(r: ShapeResult): { value: string; contentType: string } {
  assert.ok(r.ok, "expected a value");
  return { value: r.value, contentType: r.contentType };
}

describe("engine/values", () => {
  it("writes a single-key string as-is as text/plain", () => {
    assert.deepEqual(ok(shapeValue("kv/a", { password: "s3cr3t" })), { value: "s3cr3t", contentType: CONTENT_TYPE_TEXT });
  });

  it("JSON-encodes a single non-string value", () => {
    assert.deepEqual(ok(shapeValue("kv/a", { port: 5432 })), { value: "5432", contentType: CONTENT_TYPE_TEXT });
    assert.deepEqual(ok(shapeValue("kv/a", { cfg: { b: 1, a: true } })), { value: "{\"a\":true,\"b\":1}", contentType: CONTENT_TYPE_TEXT });
  });

  it("writes multi-key (and empty) secrets as canonical JSON", () => {
    assert.deepEqual(ok(shapeValue("kv/a", { user: "u", pass: "p" })), { value: "{\"pass\":\"p\",\"user\":\"u\"}", contentType: CONTENT_TYPE_JSON });
    assert.deepEqual(ok(shapeValue("kv/a", {})), { value: "{}", contentType: CONTENT_TYPE_JSON });
  });

  it("unwraps a configured key when present only", () => {
    assert.deepEqual(ok(shapeValue("kv/a", { value: "v", note: "n" }, { unwrapKey: "value" })), { value: "v", contentType: CONTENT_TYPE_TEXT });
    assert.equal(ok(shapeValue("kv/a", { a: "1", b: "2" }, { unwrapKey: "value" })).contentType, CONTENT_TYPE_JSON);
  });

  it("rejects oversize values naming path and size, never the value", () => {
    const secret = "x".repeat(KEY_VAULT_MAX_VALUE_SIZE + 1);
    const r = shapeValue("kv/big", { v: secret });
    assert.ok(!r.ok);
    assert.ok(isValueTooLargeError(r.error));
    assert.equal(r.error.size, KEY_VAULT_MAX_VALUE_SIZE + 1);
    assert.match(r.error.message, /secret \[kv\/big\]: value is 25601 bytes/);
    assert.ok(!r.error.message.includes("xxxx"));
    assert.ok(!(r.error.stack ?? "").includes("xxxx"));
  });

  it("measures in UTF-8 bytes by default, UTF-16 on request", () => {
    const v = "é".repeat(15_000); // 15 000 code units, 30 000 bytes
    assert.ok(!shapeValue("kv/a", { v }).ok);
    assert.ok(shapeValue("kv/a", { v }, { sizeUnit: "utf16" }).ok);
    assert.ok(!shapeValue("kv/a", { v: "abc" }, { maxSize: 2 }).ok);
  });

  it("parses destination values back", () => {
    assert.deepEqual(parseDestinationValue("{\"a\":1}", CONTENT_TYPE_JSON), { a: 1 });
    assert.deepEqual(parseDestinationValue("plain", CONTENT_TYPE_TEXT, "password"), { password: "plain" });
    assert.equal(parseDestinationValue("[1]", CONTENT_TYPE_JSON), undefined);
    assert.equal(parseDestinationValue("{oops", CONTENT_TYPE_JSON), undefined);
  });

  it("round-trips multi-key data (property)", () => {
    const data = fc.dictionary(fc.string(), fc.jsonValue(), { minKeys: 2, maxKeys: 5 }) as fc.Arbitrary<SecretData>;
    fc.assert(
      fc.property(data, (d) => {
        const r = ok(shapeValue("kv/a", d, { maxSize: Infinity }));
        assert.deepEqual(parseDestinationValue(r.value, r.contentType), JSON.parse(JSON.stringify(d)));
      }),
    );
  });

  it("secretStrings lets redact remove every form of the value (property)", () => {
    // Values avoid the marker's characters, which could otherwise match across a replacement.
    const v = fc.string({ minLength: 6 }).filter((s) => ![...s].some((c) => REDACTED.includes(c)));
    const data = fc.dictionary(fc.string({ minLength: 1 }), v, { minKeys: 1, maxKeys: 4 }) as fc.Arbitrary<SecretData>;
    fc.assert(
      fc.property(data, (d) => {
        const shaped = ok(shapeValue("kv/a", d, { maxSize: Infinity }));
        const message = `request failed: body ${JSON.stringify({ value: shaped.value })} url /x?v=${encodeURIComponent(shaped.value)}`;
        const clean = redact(message, secretStrings(d));
        for (const value of Object.values(d) as string[]) {
          assert.ok(!clean.includes(value), "raw value left");
          assert.ok(!clean.includes(encodeURIComponent(value)), "URL-encoded value left");
        }
      }),
    );
  });
});
