import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import { MIN_REDACTED_LENGTH, REDACTED, buildReport, decodePlanReason, decodePlanText, redact, redactError, redactedError, reportItem, toJson, toMarkdown } from "../../../src/engine";
import type { PlanItem, ReportItem } from "../../../src/engine";

const create: PlanItem = { sourcePath: "kv/a", mount: "kv", destinationName: "kv-a", action: "create", reason: "new in source", sourceVersion: 2 };
const refuse: PlanItem = { sourcePath: "kv/b|c", mount: "kv", destinationName: "kv-b-c", action: "refuse", reason: "destination name collision", detail: "also mapped here: [kv/b_c]" };
const orphan: PlanItem = { sourcePath: "kv/old", destinationName: "kv-old", action: "orphan", reason: "source deleted (kept, orphaned)" };

describe("engine/report", () => {
  it("turns plan items into rows with redacted errors", () => {
    assert.deepEqual(reportItem(create), { sourcePath: "kv/a", sourceVersion: 2, destinationName: "kv-a", action: "create", result: "created", reason: "new in source" });
    const failed = reportItem(create, { error: new Error("PUT failed: body {\"value\":\"hunter2\"}"), secrets: ["hunter2"] });
    assert.equal(failed.result, "failed");
    assert.equal(failed.error, `Error: PUT failed: body {"value":"${REDACTED}"}`);
    assert.equal(reportItem(refuse).reason, "destination name collision (also mapped here: [kv/b_c])");
    assert.equal(reportItem({ ...create, action: "update" }, { result: "unchanged" }).result, "unchanged");
  });

  it("counts results and renders JSON and Markdown with refusals and failures first", () => {
    const items: ReportItem[] = [
      reportItem(create),
      reportItem(orphan),
      reportItem({ ...create, sourcePath: "kv/x", destinationName: "kv-x" }, { error: "timeout" }),
      reportItem(refuse),
    ];
    const report = buildReport({ startedAt: new Date("2026-05-01T00:00:00Z"), finishedAt: new Date("2026-05-01T00:01:30Z"), items, inSync: 7, warnings: ["secret [kv/a]: custom_metadata [x] dropped"] });
    assert.equal(report.durationMs, 90_000);
    assert.deepEqual(report.counts, { refused: 1, failed: 1, created: 1, updated: 0, deleted: 0, unchanged: 0, skipped: 0, orphaned: 1, pending: 0 });
    assert.deepEqual(JSON.parse(toJson(report)), report);
    const md = toMarkdown(report);
    const rows = md.split("\n").filter((l) => l.startsWith("| ") && !l.startsWith("| Result"));
    assert.deepEqual(rows.map((r) => r.split(" | ")[0]), ["| refused", "| failed", "| created", "| orphaned"]);
    assert.ok(rows[0]!.includes("kv/b\\|c"), "pipes escaped");
    assert.ok(md.includes("Already in sync: 7"));
    assert.ok(md.includes("## Warnings"));
  });

  it("reasons and paths as the plan-line codec writes them: they decode back exactly", () => {
    assert.deepEqual(decodePlanReason(reportItem(orphan).reason), { reason: "source deleted (kept, orphaned)" });
    assert.deepEqual(decodePlanReason(reportItem({ ...refuse, detail: "a)\nb" }).reason), { reason: "destination name collision", detail: "a)\nb" });
    const odd = reportItem({ ...create, sourcePath: "kv/a\nb → c", destinationName: "x:y" });
    const md = toMarkdown(buildReport({ startedAt: new Date(0), finishedAt: new Date(0), items: [odd] }));
    const row = md.split("\n").find((l) => l.startsWith("| created"))!;
    // A Markdown cell escapes backslashes and pipes; what it renders is the codec's text.
    const [, path, , name] = row.split(" | ").map((c) => c.replace(/\\([\\|])/g, "$1"));
    assert.equal(decodePlanText(path, "path"), "kv/a\nb → c", row);
    assert.equal(decodePlanText(name, "name"), "x:y", row);
  });

  it("renders an empty report", () => {
    const md = toMarkdown(buildReport({ startedAt: new Date(0), finishedAt: new Date(0), items: [] }));
    assert.ok(md.includes("no pending items"));
    assert.ok(!md.includes("| Result"));
  });

  describe("redact", () => {
    it("removes raw, JSON-escaped and URL-encoded forms, longest first", () => {
      const secret = "pa\"ss/wo rd";
      const msg = `raw ${secret} json ${JSON.stringify(secret)} url ${encodeURIComponent(secret)} part pa"ss`;
      const out = redact(msg, [secret, "pa\"ss"]);
      assert.equal(redact("xabcdefx", ["abcde", "cdef"]), `x${REDACTED}x`, "overlapping secrets removed whole");
      assert.ok(!out.includes("wo rd") && !out.includes("wo%20rd") && !out.includes("pa\"ss"), out);
      assert.equal(redact("nothing here", ["", "x".repeat(3)]), "nothing here");
    });

    it("never leaves a secret in the message (property)", () => {
      // Secrets sharing characters with the marker itself could match across it; real ones
      // are still removed, which the example test above covers.
      const secret = fc.string({ minLength: MIN_REDACTED_LENGTH, maxLength: 8 }).filter((s) => ![...s].some((c) => REDACTED.includes(c)));
      fc.assert(
        fc.property(fc.array(secret, { maxLength: 4 }), fc.string({ maxLength: 8 }), (secrets, filler) => {
          const msg = secrets.map((s) => `${filler}${s}${JSON.stringify(s)}${encodeURIComponent(s)}`).join(filler);
          const out = redact(msg, secrets);
          for (const s of secrets) assert.ok(!out.includes(s), `left ${JSON.stringify(s)} in ${JSON.stringify(out)}`);
        }),
        { numRuns: 300 },
      );
    });

    // Values avoid the marker's characters, which could otherwise match across a replacement.
    const noMarker = (s: string): boolean => ![...s].some((c) => REDACTED.includes(c));
    const unicode = fc.string({ unit: "grapheme", minLength: MIN_REDACTED_LENGTH, maxLength: 12 }).filter(noMarker);
    const lines = fc.array(fc.string({ unit: "grapheme", minLength: MIN_REDACTED_LENGTH, maxLength: 20 }).filter((l) => noMarker(l) && l.trim() === l && !/[\r\n]/.test(l)), { minLength: 2, maxLength: 5 });

    it("removes every line of a multi-line value, even when the message quotes only one (property)", () => {
      fc.assert(
        fc.property(lines, fc.nat(), fc.constantFrom("\n", "\r\n"), (ls, pick, eol) => {
          const value = ls.join(eol);
          const line = ls[pick % ls.length] as string;
          // How the SDK's parse error and most first-line cuts look: one line of a PEM body.
          const out = redact(`Error "SyntaxError" while parsing - ${line}\nrest`, [value]);
          assert.ok(!out.includes(line), `left ${JSON.stringify(line)} in ${JSON.stringify(out)}`);
          const whole = redact(`body ${JSON.stringify({ value })} raw ${value}`, [value]);
          for (const l of ls) assert.ok(!whole.includes(l), `left line ${JSON.stringify(l)} in ${JSON.stringify(whole)}`);
        }),
        { numRuns: 200 },
      );
    });

    it("removes the JSON-escaped, URL-encoded and base64 forms of any value (property)", () => {
      fc.assert(
        fc.property(unicode, fc.constantFrom("\n", ""), (v, eol) => {
          const value = `${v}${eol}${v}"\\/`;
          const b64 = Buffer.from(value, "utf8").toString("base64");
          const forms = [JSON.stringify(value).slice(1, -1), encodeURIComponent(value), b64, b64.replace(/=+$/, ""), Buffer.from(value, "utf8").toString("base64url")];
          const out = redact(forms.map((f, i) => `f${i}=${f};`).join(" "), [value]);
          for (const f of forms) assert.ok(!out.includes(f), `left ${JSON.stringify(f)} in ${JSON.stringify(out)}`);
          assert.ok(!out.includes(v), `left ${JSON.stringify(v)} in ${JSON.stringify(out)}`);
        }),
        { numRuns: 200 },
      );
    });

    it(`a value shorter than ${MIN_REDACTED_LENGTH} characters is removed as a whole token only (property)`, () => {
      assert.equal(redact("password pw=ab, abc cab ab", ["ab"]), `password pw=${REDACTED}, abc cab ${REDACTED}`);
      assert.equal(redact("x=7 17 7", ["7"]), `x=${REDACTED} 17 ${REDACTED}`);
      const short = fc.string({ minLength: 1, maxLength: MIN_REDACTED_LENGTH - 1 }).filter((s) => noMarker(s) && !s.includes('"'));
      fc.assert(
        fc.property(short, (s) => {
          const out = redact(`value="${s}" end`, [s]);
          assert.equal(out, `value="${REDACTED}" end`);
        }),
        { numRuns: 200 },
      );
    });

    it("redactedError: a fresh error with the name, a redacted message and only scalar fields", () => {
      const original = Object.assign(new Error("PUT failed: body s3cret-value"), { name: "ClientError", code: "bad_request", status: 400, retryable: false, path: "secrets/s3cret-value", response: { bodyAsText: "s3cret-value" } });
      const e = redactedError(original, ["s3cret-value"]);
      assert.notEqual(e, original);
      assert.equal(String(e), `ClientError: PUT failed: body ${REDACTED}`);
      assert.deepEqual({ ...e }, { name: "ClientError", code: "bad_request", status: 400, retryable: false, path: `secrets/${REDACTED}` });
      assert.ok(!(e.stack ?? "").includes("s3cret-value"));
      assert.equal(String(redactedError("plain s3cret-value", ["s3cret-value"])), `Error: plain ${REDACTED}`);
    });

    it("formats any thrown value", () => {
      assert.equal(redactError(new TypeError("bad s3cret"), ["s3cret"]), `TypeError: bad ${REDACTED}`);
      assert.equal(redactError("plain s3cret", ["s3cret"]), `plain ${REDACTED}`);
    });
  });
});
