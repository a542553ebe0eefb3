// The plan-line codec (src/engine/planlines.ts): every path, name, reason and detail round-trips
// exactly, ordinary lines stay readable, and nothing the encoder did not write decodes.
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  PLAN_ACTIONS,
  PLAN_REASONS,
  decodePlanKey,
  decodePlanLine,
  decodePlanMap,
  decodePlanReason,
  decodePlanText,
  decodePlanValue,
  encodePlanKey,
  encodePlanLine,
  encodePlanMap,
  encodePlanReason,
  encodePlanText,
  encodePlanValue,
  isPlanLineError,
  type PlanLineItem,
} from "../../../src/engine";

// Any UTF-16 string, lone surrogates included, plus strings built from the characters that matter.
const tricky = fc.constantFrom(" → ", "→", " ", ":", ": ", "(", ")", " (", ") ", '"', "'", "`", "\\", "\\\\", "\n", "\r\n", "\t", "\u0000", "\u007f", "\u0085", "\u202e", "\u2066", "\u200b", "\ufeff", "\u2028", "\ud800", "\udc00", "\ud83d\ude00", "é", "x", "/", "a/b", "\\x41", "\\u2192", "create v1: ", "source deleted (kept, orphaned)");
const text = fc.oneof(fc.string({ unit: "binary", maxLength: 40 }), fc.string({ unit: "binary-ascii", maxLength: 40 }), fc.array(tricky, { maxLength: 8 }).map((a) => a.join("")));
const item: fc.Arbitrary<PlanLineItem> = fc.record(
  {
    sourcePath: text,
    destinationName: text,
    action: fc.constantFrom(...PLAN_ACTIONS),
    reason: fc.constantFrom(...PLAN_REASONS),
    sourceVersion: fc.oneof(fc.nat(), fc.constant(Number.MAX_SAFE_INTEGER)),
    detail: text,
  },
  { requiredKeys: ["sourcePath", "destinationName", "action", "reason"] },
).map((i) => ({ ...i })); // fast-check's records have a null prototype

function throwsPlanLineError(fn: () => unknown): void {
  assert.throws(fn, (e: unknown) => isPlanLineError(e));
}

/** Decodes, or returns undefined when the decoder refuses (a PlanLineError, nothing else). */
function tryDecode<T>(fn: () => T): T | undefined {
  try {
    return fn();
  } catch (e) {
    assert.ok(isPlanLineError(e), `not a PlanLineError: ${String(e)}`);
    return undefined;
  }
}

describe("engine/planlines", () => {
  it("keeps ordinary lines readable", () => {
    assert.equal(encodePlanLine({ sourcePath: "secret/apps/db", destinationName: "app-db", action: "update", sourceVersion: 4, reason: "source version changed" }), "secret/apps/db → app-db: update v4: source version changed");
    assert.equal(encodePlanLine({ sourcePath: "del/b", destinationName: "del-b", action: "orphan", reason: "source deleted (kept, orphaned)" }), "del/b → del-b: orphan: source deleted (kept, orphaned)");
    assert.equal(encodePlanValue({ action: "refuse", reason: "destination name collision", detail: "also mapped here: [col/b/x]" }), "refuse: destination name collision (also mapped here: [col/b/x])");
    assert.equal(encodePlanKey({ sourcePath: "secret/team/a → secret/other", destinationName: "team/a → secret/other" }), "secret/team/a \\u2192 secret/other → team/a \\u2192 secret/other");
    assert.equal(encodePlanText('a:b "q" (x)\nc\\d', "path"), 'a:b "q" (x)\\nc\\\\d');
    assert.equal(encodePlanText("db:prod", "name"), "db\\x3aprod", "a colon ends a name in a line");
    assert.equal(encodePlanText("a\u202eb\u0001", "detail"), "a\\u202eb\\x01", "direction overrides and controls are shown, not applied");
  });

  it("the arrow in a path is the path's, never the separator (issue #23)", () => {
    const i: PlanLineItem = { sourcePath: "secret/team/a → secret/other", destinationName: "team/a → secret/other", action: "create", sourceVersion: 1, reason: "new in source" };
    assert.deepEqual(decodePlanLine(encodePlanLine(i)), i);
    assert.deepEqual(decodePlanMap(encodePlanMap([i])), [i]);
    // The line that splitting at the last arrow used to misread: it does not decode at all.
    throwsPlanLineError(() => decodePlanKey("secret/team/a → secret/other → team/a → secret/other"));
  });

  it("a reason with parentheses comes back whole, and the detail separately", () => {
    assert.deepEqual(decodePlanReason("source deleted (kept, orphaned)"), { reason: "source deleted (kept, orphaned)" });
    assert.deepEqual(decodePlanReason("source deleted (kept, orphaned) (x (y))"), { reason: "source deleted (kept, orphaned)", detail: "x (y)" });
    assert.deepEqual(decodePlanReason("destination name collision ()"), { reason: "destination name collision", detail: "" });
    throwsPlanLineError(() => decodePlanReason("source deleted"));
  });

  it("no reason is another reason followed by \" (\", so the longest reason that fits is the only one", () => {
    for (const a of PLAN_REASONS) for (const b of PLAN_REASONS) assert.ok(a === b || !b.startsWith(`${a} (`), `${b} / ${a}`);
  });

  it("round-trips every item: line, key + value, map", () => {
    fc.assert(
      fc.property(item, (i) => {
        assert.deepEqual(decodePlanLine(encodePlanLine(i)), i);
        assert.deepEqual({ ...decodePlanKey(encodePlanKey(i)), ...decodePlanValue(encodePlanValue(i)) }, i);
        assert.deepEqual(decodePlanMap(encodePlanMap([i])), [i]);
        assert.deepEqual(decodePlanReason(encodePlanReason(i.reason, i.detail)), { reason: i.reason, ...(i.detail !== undefined ? { detail: i.detail } : {}) });
      }),
      { numRuns: 3000 },
    );
  });

  it("an encoded line is one line of printable, well-formed text with one raw arrow", () => {
    fc.assert(
      fc.property(item, (i) => {
        const line = encodePlanLine(i);
        // eslint-disable-next-line no-control-regex
        assert.ok(!/[\u0000-\u001f\u007f-\u009f\u2028\u2029\u202a-\u202e\u2066-\u2069]/.test(line), JSON.stringify(line));
        assert.equal(line.split("→").length, 2, JSON.stringify(line));
        assert.ok(!/[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/.test(line), `lone surrogate in ${JSON.stringify(line)}`);
      }),
      { numRuns: 2000 },
    );
  });

  it("decodes nothing the encoder did not write: decode then encode gives the input back, or decode throws", () => {
    const pieces = fc.array(fc.oneof(tricky, fc.constantFrom(...PLAN_ACTIONS), fc.constantFrom(...PLAN_REASONS), fc.constantFrom(" v", "v0", " v01", " v7", "\\x3a", "\\x0a", "\\X41", "\\q", "\\")), { maxLength: 10 }).map((a) => a.join(""));
    const anyText = fc.oneof(text, pieces);
    fc.assert(
      fc.property(anyText, (s) => {
        const line = tryDecode(() => decodePlanLine(s));
        if (line) assert.equal(encodePlanLine(line), s);
        const key = tryDecode(() => decodePlanKey(s));
        if (key) assert.equal(encodePlanKey(key), s);
        const value = tryDecode(() => decodePlanValue(s));
        if (value) assert.equal(encodePlanValue(value), s);
        const reason = tryDecode(() => decodePlanReason(s));
        if (reason) assert.equal(encodePlanReason(reason.reason, reason.detail), s);
        for (const kind of ["path", "name", "detail"] as const) {
          const t = tryDecode(() => decodePlanText(s, kind));
          if (t !== undefined) assert.equal(encodePlanText(t, kind), s);
        }
      }),
      { numRuns: 5000 },
    );
  });

  it("a line changed by one character decodes to exactly that text or not at all", () => {
    const edit = fc.tuple(item, fc.nat(), fc.nat({ max: 2 }), fc.oneof(tricky, fc.string({ unit: "binary", maxLength: 2 })));
    fc.assert(
      fc.property(edit, ([i, at, op, ins]) => {
        const line = encodePlanLine(i);
        const p = at % (line.length + 1);
        const changed = op === 0 ? line.slice(0, p) + ins + line.slice(p) : op === 1 ? line.slice(0, p) + line.slice(p + 1) : line.slice(0, p) + ins + line.slice(p + 1);
        const back = tryDecode(() => decodePlanLine(changed));
        if (back) assert.equal(encodePlanLine(back), changed);
      }),
      { numRuns: 5000 },
    );
  });

  it("refuses non-canonical and foreign text", () => {
    for (const bad of ["create: new in source", "a → b: make: new in source", "a → b: create v01: new in source", "a → b: create v: new in source", "a → b: create: new in source!", "a → b: create:new in source", "a → b:create: new in source", "a → b → c: create: new in source"]) {
      throwsPlanLineError(() => decodePlanLine(bad));
    }
    throwsPlanLineError(() => decodePlanText("\\x41", "path"));
    throwsPlanLineError(() => decodePlanText("\\x0a", "path"));
    throwsPlanLineError(() => decodePlanText("a\\", "path"));
    throwsPlanLineError(() => decodePlanText("a:b", "name"));
    throwsPlanLineError(() => decodePlanText("a\nb", "detail"));
    throwsPlanLineError(() => decodePlanValue("create v9007199254740993: new in source"));
    throwsPlanLineError(() => encodePlanValue({ action: "create", sourceVersion: -1, reason: "new in source" }));
    throwsPlanLineError(() => encodePlanMap([
      { sourcePath: "a", destinationName: "b", action: "create", reason: "new in source" },
      { sourcePath: "a", destinationName: "b", action: "delete", reason: "source deleted (deletionPolicy: delete)" },
    ]));
  });

  it("the error names the text, quoted, and says why", () => {
    assert.throws(() => decodePlanLine("oops\n"), /^PlanLineError: unreadable plan line "oops\\n": not/);
  });
});
