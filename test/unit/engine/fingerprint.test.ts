import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fc from "fast-check";
import {
  FINGERPRINT_LENGTH,
  canonicalJson,
  contentFingerprint,
  fingerprint,
  fingerprintMatches,
  fingerprintValue,
  isEngineError,
  mappingHash,
  metadataHash,
} from "../../../src/engine";
import type { SecretData } from "../../../src/engine";

const KEY = "k".repeat(32);
const PATH = "secret/apps/db";
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
      assert.match(fingerprint(KEY, PATH, { a: "b" }), new RegExp(`^[A-Za-z0-9_-]{${FINGERPRINT_LENGTH}}$`));
    });

    it("refuses short keys without echoing them", () => {
      try {
        fingerprint("short-key", PATH, { a: "b" });
        assert.fail("expected an error");
      } catch (err) {
        assert.ok(isEngineError(err, "FINGERPRINT_KEY"));
        assert.ok(!(err as Error).message.includes("short-key"));
      }
    });

    it("accepts Buffer keys equal to their UTF-8 string", () => {
      assert.equal(fingerprint(Buffer.from(KEY), PATH, { a: 1 }), fingerprint(KEY, PATH, { a: 1 }));
    });

    it("does not depend on key order (property)", () => {
      fc.assert(fc.property(data, (d) => assert.equal(fingerprint(KEY, PATH, d), fingerprint(KEY, PATH, reversed(d)))));
    });

    it("differs under different keys (property)", () => {
      const key = fc.uint8Array({ minLength: 16, maxLength: 48 });
      fc.assert(
        fc.property(key, key, data, (k1, k2, d) => {
          fc.pre(Buffer.compare(Buffer.from(k1), Buffer.from(k2)) !== 0);
          assert.notEqual(fingerprint(k1, PATH, d), fingerprint(k2, PATH, d));
        }),
      );
    });

    it("differs for different data (property)", () => {
      fc.assert(
        fc.property(data, data, (a, b) => {
          fc.pre(canonicalJson(a) !== canonicalJson(b));
          assert.notEqual(fingerprint(KEY, PATH, a), fingerprint(KEY, PATH, b));
        }),
      );
    });

    it("never contains a plain SHA-256 of the value (property)", () => {
      fc.assert(
        fc.property(data, (d) => {
          const fp = fingerprint(KEY, PATH, d);
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
      assert.notEqual(fingerprintValue(KEY, v), fingerprint(KEY, PATH, { a: "b" }));
      assert.notEqual(fingerprintValue(KEY, v), contentFingerprint(KEY, { a: "b" }));
      assert.equal(fingerprintValue(KEY, v), fingerprintValue(KEY, v));
    });
  });

  describe("per secret: the source path is part of the input", () => {
    const path = fc.stringMatching(/^[a-z0-9]{1,8}(\/[a-z0-9-]{1,8}){1,3}$/);

    it("equal values under two paths give different fingerprints (property)", () => {
      fc.assert(
        fc.property(path, path, data, (p1, p2, d) => {
          fc.pre(p1 !== p2);
          assert.notEqual(fingerprint(KEY, p1, d), fingerprint(KEY, p2, d));
        }),
      );
    });

    it("a path/data split cannot collide with another (the path is a JSON string, not concatenated)", () => {
      assert.notEqual(fingerprint(KEY, "secret/a", { b: "c" }), fingerprint(KEY, "secret/a\",{\"b", { b: "c" }));
    });

    it("is not the version-1 (path-free) form, which content comparison and legacy markers use", () => {
      assert.notEqual(fingerprint(KEY, PATH, { a: "b" }), contentFingerprint(KEY, { a: "b" }));
      assert.equal(contentFingerprint(KEY, { a: "b" }), contentFingerprint(KEY, { a: "b" }), "the same content under any path");
    });

    it("recognises a marker in the current form and in the version-1 form; neither for other data", () => {
      const d = { user: "u", pass: "p" };
      assert.ok(fingerprintMatches(fingerprint(KEY, PATH, d), KEY, PATH, d));
      assert.ok(fingerprintMatches(contentFingerprint(KEY, d), KEY, PATH, d), "a copy stamped before the upgrade");
      assert.ok(!fingerprintMatches(fingerprint(KEY, "secret/apps/other", d), KEY, PATH, d), "another secret's marker");
      assert.ok(!fingerprintMatches(contentFingerprint(KEY, { ...d, pass: "q" }), KEY, PATH, d));
    });

    it("known answers: the version-1 form is exactly what earlier releases wrote, the current one binds the path", () => {
      // A change to either computation would make every existing copy look changed: deliberate only.
      assert.equal(contentFingerprint(KEY, { a: "b" }), "nBOzmm4ypMcH4ve6Ix9HovgYMNSKRKqR");
      assert.equal(fingerprint(KEY, PATH, { a: "b" }), "TES6JdpR9o6mrKZ78tKg5XOMloNJL4_d");
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
