import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  engineError,
  isEngineError,
  isMappingConfigError,
  isPlanInputError,
  isValueTooLargeError,
  mappingConfigError,
  planInputError,
  valueTooLargeError,
} from "../../../src/engine";
import type { EngineError, EngineErrorCode } from "../../../src/engine";

const requireFromString = require("require-from-string") as (code: string) => { handler: (...args: unknown[]) => unknown };


/** One builder per engine error kind, with its expected name, code and guard. */
const kinds: { name: string; code: EngineErrorCode; make: () => EngineError; is: (e: unknown) => boolean }[] = [
  { name: "EngineError", code: "FINGERPRINT_KEY", make: () => engineError("FINGERPRINT_KEY", "fingerprint key too short"), is: (e) => isEngineError(e, "FINGERPRINT_KEY") },
  { name: "MappingConfigError", code: "MAPPING_CONFIG", make: () => mappingConfigError(["bad glob [a/**["]), is: isMappingConfigError },
  { name: "PlanInputError", code: "PLAN_INPUT", make: () => planInputError("plan option [scope] must name at least one mount or mount/prefix"), is: isPlanInputError },
  { name: "ValueTooLargeError", code: "VALUE_TOO_LARGE", make: () => valueTooLargeError("kv/big", 30000, 25600, "utf8"), is: isValueTooLargeError },
];

function caught(fn: () => unknown): unknown {
  try {
    fn();
  } catch (err) {
    return err;
  }
  assert.fail("expected a throw");
}

describe("engine/errors", () => {
  it("builds real Errors with name, code, message and their guards", () => {
    for (const k of kinds) {
      const e = k.make();
      assert.ok(e instanceof Error, k.name);
      assert.equal(e.name, k.name);
      assert.equal(e.code, k.code);
      assert.ok(e.message.length > 0, k.name);
      assert.equal(String(e), `${k.name}: ${e.message}`);
      assert.ok(isEngineError(e), k.name);
      assert.ok(isEngineError(e, k.code), k.name);
      assert.ok(k.is(e), k.name);
      for (const other of kinds) if (other.name !== k.name) assert.equal(other.is(e), false, `${other.name} guard accepts ${k.name}`);
    }
    assert.equal(isEngineError(new Error("plain")), false);
    assert.equal(isEngineError(Object.assign(new Error("vault"), { code: "not_found" })), false);
    assert.equal(isEngineError({ name: "EngineError", code: "MAPPING", message: "not an Error" }), false);
  });

  it("keeps message, name, code and fields through Pulumi's closure serializer (dynamic providers)", async () => {
    for (const k of kinds) {
      const expected = k.make();
      const text = await pulumi.runtime.serializeFunction(() => {
        throw k.make();
      });
      const handler = requireFromString(text.text).handler;
      const err = caught(() => handler());
      assert.ok(err instanceof Error, k.name);
      assert.equal(err.message, expected.message, k.name);
      assert.ok(err.message.length > 0, k.name);
      assert.equal(err.name, k.name);
      assert.ok(isEngineError(err, k.code), k.name);
      assert.ok(k.is(err), k.name);
      const { stack: _s, ...fields } = Object.fromEntries(Object.entries(err));
      const { stack: _t, ...expectedFields } = Object.fromEntries(Object.entries(expected));
      assert.deepEqual(fields, expectedFields, k.name);
    }
  });
});
