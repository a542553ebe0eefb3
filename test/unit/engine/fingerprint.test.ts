import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fc from "fast-check";
import {
  FINGERPRINT_LENGTH,
  canonicalJson,
  fingerprint,
  fingerprintValue,
  isEngineError,
  mappingHash,
  metadataHash,
} from "../../../src/engine";
import type { SecretData } from "../../../src/engine";

const KEY = "k".repeat(32);
const data = fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 6 }) as fc.Arbitrary<SecretData>;

function reversed(d: SecretData): SecretData {
  return Object.fromEntries(Object.entries(d).reverse());
}

describe("engine/fingerprint", () => {
  describe("canonicalJson", () => {
    it("sorts keys recursively and drops whitespace", () => {
      assert.equal(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: null } }), "{\"a\":{\"c\":null,\"d\":[1,{\"y\":2,\"z\":1}]},\"b\":1}");
    });

    it("follows JSON rules for edge values", () => {
      assert.equal(canonicalJson({ u: undefined, n: NaN, a: [undefined] }), "{\"a\":[null],\"n\":null}");
      assert.equal(canonicalJson(undefined), "null");
      assert.equal(canonicalJson({ "10": 1, "2": 2, b: 3 }), "{\"10\":1,\"2\":2,\"b\":3}");
    });

    it("rejects cycles and bigints", () => {
      const cyclic: Record<string, unknown> = {};
      cyclic.self = cyclic;
      assert.throws(() => canonicalJson(cyclic), TypeError);
      assert.throws(() => canonicalJson({ n: 1n }), TypeError);
    });

    it("round-trips through JSON.parse (property)", () => {
      fc.assert(fc.property(fc.jsonValue(), (v) => assert.deepEqual(JSON.parse(canonicalJson(v)), JSON.parse(JSON.stringify(v)))));
    });
  });

  describe("fingerprint", () => {
    it(`is base64url of length ${FINGERPRINT_LENGTH}`, () => {
      assert.match(fingerprint(KEY, { a: "b" }), new RegExp(`^[A-Za-z0-9_-]{${FINGERPRINT_LENGTH}}$`));
    });

    it("refuses short keys without echoing them", () => {
      try {
        fingerprint("short-key", { a: "b" });
        assert.fail("expected an error");
      } catch (err) {
        assert.ok(isEngineError(err, "FINGERPRINT_KEY"));
        assert.ok(!(err as Error).message.includes("short-key"));
      }
    });

    it("accepts Buffer keys equal to their UTF-8 string", () => {
      assert.equal(fingerprint(Buffer.from(KEY), { a: 1 }), fingerprint(KEY, { a: 1 }));
    });

    it("does not depend on key order (property)", () => {
      fc.assert(fc.property(data, (d) => assert.equal(fingerprint(KEY, d), fingerprint(KEY, reversed(d)))));
    });

    it("differs under different keys (property)", () => {
      const key = fc.uint8Array({ minLength: 16, maxLength: 48 });
      fc.assert(
        fc.property(key, key, data, (k1, k2, d) => {
          fc.pre(Buffer.compare(Buffer.from(k1), Buffer.from(k2)) !== 0);
          assert.notEqual(fingerprint(k1, d), fingerprint(k2, d));
        }),
      );
    });

    it("differs for different data (property)", () => {
      fc.assert(
        fc.property(data, data, (a, b) => {
          fc.pre(canonicalJson(a) !== canonicalJson(b));
          assert.notEqual(fingerprint(KEY, a), fingerprint(KEY, b));
        }),
      );
    });

    it("never contains a plain SHA-256 of the value (property)", () => {
      fc.assert(
        fc.property(data, (d) => {
          const fp = fingerprint(KEY, d);
          for (const text of [canonicalJson(d), JSON.stringify(d), ...Object.values(d).map((v) => (typeof v === "string" ? v : JSON.stringify(v) ?? ""))]) {
            for (const enc of ["hex", "base64", "base64url"] as const) {
              const plain = createHash("sha256").update(text).digest(enc);
              assert.ok(!plain.includes(fp) && !fp.includes(plain.slice(0, 12)), "fingerprint resembles an unkeyed hash");
            }
          }
        }),
      );
    });

    it("keeps value and data fingerprints apart", () => {
      const v = "{\"a\":\"b\"}";
      assert.notEqual(fingerprintValue(KEY, v), fingerprint(KEY, { a: "b" }));
      assert.equal(fingerprintValue(KEY, v), fingerprintValue(KEY, v));
    });
  });

  describe("mappingHash / metadataHash", () => {
    it("are stable, order-independent and sensitive to content", () => {
      assert.equal(mappingHash({ a: 1, b: [1, 2] }), mappingHash({ b: [1, 2], a: 1 }));
      assert.notEqual(mappingHash({ a: 1 }), mappingHash({ a: 2 }));
      assert.equal(mappingHash({}).length, FINGERPRINT_LENGTH);
      assert.notEqual(metadataHash({ a: "x" }), metadataHash({ a: "x" }, new Date(0)));
      assert.equal(metadataHash({ a: "x", b: "y" }), metadataHash({ b: "y", a: "x" }));
    });
  });
});
