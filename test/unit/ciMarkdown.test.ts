// The Markdown builder and parsers of scripts/ci.ts (scripts/lib/ciMarkdown.ts): pure, no engine.
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
  buildMarkdown,
  codeCell,
  errorLines,
  escapeCell,
  exitCode,
  parsePendingEntry,
  readCodeCell,
  readTextCell,
  recoveryHint,
  refusalsFromError,
  rowsFromPending,
  textCell,
  type CiReport,
} from "../../scripts/lib/ciMarkdown";
import { decodePlanReason, decodePlanText, encodePlanLine, encodePlanMap, type PlanLineItem } from "../../src/engine";

function report(over: Partial<CiReport> = {}): CiReport {
  return { mode: "preview", stack: "prod", failed: false, errors: [], refusals: [], secrets: [], steps: [], ...over };
}

const REFUSAL_ERROR = [
  "Running program '/repo' failed with an unhandled exception:",
  "Error: KeyVaultMigration apps-to-keyvault: nothing was written; 3 problem(s):",
  "  - secret/apps/x/taken → app-x-taken: refuse: destination exists and was not created by this migration",
  "  - secret/apps/a|b → app-a-b: refuse: destination name collision (also secret/apps/a-b)",
  "  - secret/apps/big: value is 30 KB, over the 25 KB limit → not a plan line",
  "    at /repo/src/components/migrationPlanning.ts:120:17",
  "    at process.processTicksAndRejections (node:internal/process/task_queues:95:5)",
].join("\n");

describe("ci Markdown (scripts/lib/ciMarkdown.ts)", () => {
  describe("parsing", () => {
    it("reads a pending entry, with version and detail", () => {
      assert.deepEqual(parsePendingEntry("m", "secret/apps/db → app-db", "update v4: destination changed by hand (tags dropped)"), {
        migration: "m",
        action: "update",
        sourcePath: "secret/apps/db",
        destinationName: "app-db",
        reason: "destination changed by hand",
        detail: "tags dropped",
        sourceVersion: 4,
      });
      assert.equal(parsePendingEntry("m", "no arrow", "create: new in source"), undefined);
      assert.equal(parsePendingEntry("m", "a → b", "create: not a reason"), undefined);
      const arrow = encodePlanMap([{ sourcePath: "secret/team/a → secret/other", destinationName: "team/a → secret/other", action: "create", sourceVersion: 1, reason: "new in source" }]);
      const [[key, value]] = Object.entries(arrow);
      assert.deepEqual(parsePendingEntry("m", key, value), { migration: "m", action: "create", sourcePath: "secret/team/a → secret/other", destinationName: "team/a → secret/other", reason: "new in source", sourceVersion: 1 });
    });

    it("turns a pending or drift map into rows; unreadable entries keep their text", () => {
      const r = rowsFromPending("m", { "a/b → a-b": "create v1: new in source", "c/d → c-d": "weird" }, undefined);
      assert.equal(r.length, 2);
      assert.deepEqual([r[1].sourcePath, r[1].reason, r[1].unreadable], ["c/d → c-d", "weird", true]);
      assert.deepEqual(rowsFromPending("m", { "a/b → a-b": "update: destination changed by hand" }, "drift").map((x) => x.action), ["drift"]);
      assert.deepEqual(rowsFromPending("m", "04da6b54-80e4-46f7-96ec-b56ff0331ba9"), []);
    });

    it("reads skipped and orphaned secrets from the plan's notices, a reason with parentheses whole", () => {
      const rows = rowsFromPending("m", { "secret/a/b → a-b": "skip v3: source version deleted", "del/b → del-b": "orphan: source deleted (kept, orphaned)" });
      assert.deepEqual(rows, [
        { migration: "m", action: "skip", sourcePath: "secret/a/b", destinationName: "a-b", reason: "source version deleted", sourceVersion: 3 },
        { migration: "m", action: "orphan", sourcePath: "del/b", destinationName: "del-b", reason: "source deleted (kept, orphaned)" },
      ]);
    });

    it("finds the refusals in an error message and drops stack frames from the error lines", () => {
      const r = refusalsFromError(REFUSAL_ERROR);
      assert.deepEqual(
        r.map((x) => [x.migration, x.sourcePath, x.destinationName, x.reason, x.detail]),
        [
          ["apps-to-keyvault", "secret/apps/x/taken", "app-x-taken", "destination exists and was not created by this migration", undefined],
          ["apps-to-keyvault", "secret/apps/a|b", "app-a-b", "destination name collision", "also secret/apps/a-b"],
        ],
      );
      // A refused path holding the separators, as the component writes it.
      const odd: PlanLineItem = { sourcePath: "secret/x → y: z", destinationName: "x → y: z\n", action: "refuse", reason: "invalid destination name", detail: "a) (b" };
      const [back] = refusalsFromError(`Error: VaultMigration m: nothing was written; 1 problem(s):\n  - ${encodePlanLine(odd)}`);
      assert.deepEqual(back, { migration: "m", ...odd });
      const lines = errorLines(`\u001b[31m${REFUSAL_ERROR}\u001b[0m`);
      assert.ok(lines.every((l) => !/\bat\s.*:\d+:\d+/.test(l)), lines.join("\n"));
      assert.ok(lines.some((l) => l.includes("nothing was written")));
      assert.ok(!lines.join("\n").includes("\u001b"));
    });
  });

  describe("recovery hint", () => {
    it("a locked stack (a killed deploy) gets the commands that clear the lock and the interrupted operation", () => {
      const locked: CiReport = { mode: "up", stack: "prod", failed: true, errors: ["error: the stack is currently locked by 1 lock(s). Either wait for the other process(es) to end or delete the lock file with `pulumi cancel`."], refusals: [], secrets: [], steps: [] };
      const md = buildMarkdown(locked);
      assert.match(md, /pulumi cancel --yes --stack prod\npulumi refresh --clear-pending-creates --yes --stack prod/);
      assert.equal(recoveryHint({ ...locked, errors: ["error: something else"] }), undefined);
    });
  });

  describe("exit codes", () => {
    it("0 clean, 2 pending or drifted or other resource changes, 1 refused or failed", () => {
      assert.equal(exitCode(report()), 0);
      assert.equal(exitCode(report({ secrets: [{ migration: "m", action: "skip", sourcePath: "a", destinationName: "a", reason: "source version deleted" }] })), 0, "skips alone are not changes");
      assert.equal(exitCode(report({ secrets: [{ migration: "m", action: "orphan", sourcePath: "a", destinationName: "a", reason: "source deleted (kept, orphaned)" }] })), 0);
      assert.equal(exitCode(report({ secrets: [{ migration: "m", action: "create", sourcePath: "a", destinationName: "a", reason: "new in source" }] })), 2);
      assert.equal(exitCode(report({ mode: "drift", secrets: [{ migration: "m", action: "drift", sourcePath: "a", destinationName: "a", reason: "destination changed by hand" }] })), 2);
      assert.equal(exitCode(report({ steps: [{ op: "create", type: "vault-migration:x", name: "r" }] })), 2);
      assert.equal(exitCode(report({ steps: [{ op: "same", type: "t", name: "r" }, { op: "refresh", type: "t", name: "r" }] })), 0);
      assert.equal(exitCode(report({ failed: true, errors: ["boom"] })), 1);
      assert.equal(exitCode(report({ refusals: refusalsFromError(REFUSAL_ERROR) })), 1);
      assert.equal(exitCode(report({ mode: "up", steps: [{ op: "update", type: "t", name: "r" }] })), 0, "up: applied changes are success");
      assert.equal(exitCode(report({ mode: "up", failed: true })), 1);
    });
  });

  describe("the Markdown", () => {
    it("has a title with the stack, counts per action and a table of secrets", () => {
      const md = buildMarkdown(
        report({
          secrets: [
            { migration: "apps", action: "skip", sourcePath: "secret/apps/old", destinationName: "app-old", reason: "source version destroyed" },
            { migration: "apps", action: "update", sourcePath: "secret/apps/db", destinationName: "app-db", reason: "source version changed", sourceVersion: 3 },
            { migration: "apps", action: "create", sourcePath: "secret/apps/new", destinationName: "app-new", reason: "new in source", sourceVersion: 1 },
            { migration: "apps", action: "orphan", sourcePath: "secret/apps/gone", destinationName: "app-gone", reason: "source deleted (kept, orphaned)" },
          ],
          steps: [
            { op: "update", type: "pulumi-nodejs:dynamic/vault-migration:SecretMigration", name: "apps" },
            { op: "same", type: "vault-migration:migration:KeyVaultMigration", name: "apps" },
          ],
          resourceChanges: { update: 1, same: 3 },
          planLines: { apps: "1 to create, 1 to update, 0 to delete, 5 in sync, 1 skipped, 1 orphaned, 0 excluded" },
        }),
      );
      assert.match(md, /^## Migration preview: stack `prod`\n/);
      assert.match(md, /\*\*Changes pending\.\*\* Exit code 2\./);
      assert.match(md, /\*\*Secrets:\*\* 1 to create, 1 to update, 0 to delete, 1 skipped, 1 orphaned/);
      assert.match(md, /\*\*Resources:\*\* 1 update \(3 unchanged\)/);
      assert.match(md, /5 in sync/);
      const table = md.split("\n").filter((l) => /^\| (create|update|delete|skip|orphan|refuse|drift)[^|]*\| apps \| `secret/.test(l));
      assert.deepEqual(table, [
        "| create v1 | apps | `secret/apps/new` | `app-new` | new in source |",
        "| update v3 | apps | `secret/apps/db` | `app-db` | source version changed |",
        "| skip | apps | `secret/apps/old` | `app-old` | source version destroyed |",
        "| orphan | apps | `secret/apps/gone` | `app-gone` | source deleted (kept, orphaned) |",
      ]);
      assert.match(md, /\| update \| `pulumi-nodejs:dynamic\/vault-migration:SecretMigration` \| apps \|/);
      assert.ok(!/\| same \|/.test(md), "unchanged resources are not listed");
    });

    it("puts refusals and errors first when the preview fails", () => {
      const md = buildMarkdown(report({ failed: true, refusals: refusalsFromError(REFUSAL_ERROR), errors: errorLines(REFUSAL_ERROR).filter((l) => !l.startsWith("  - ")) }));
      assert.match(md, /\*\*Refused\*\*: nothing was written\. Exit code 1\./);
      const refused = md.indexOf("### Refused (2)");
      const errors = md.indexOf("### Errors");
      const counts = md.indexOf("**Secrets:**");
      assert.ok(refused > 0 && refused < errors && errors < counts, md);
      assert.match(md, /\| refuse \| apps-to-keyvault \| `secret\/apps\/x\/taken` \| `app-x-taken` \| destination exists and was not created by this migration \|/);
      assert.match(md, /```text\n[^`]*nothing was written/);
      assert.match(md, /2 refused/);
    });

    it("shows a failed preview's error lines even without refusals", () => {
      const md = buildMarkdown(report({ failed: true, errors: ["error: [vault-migration:fingerprintKey] is required for migrations"] }));
      assert.match(md, /\*\*Error\*\*: the preview failed\. Exit code 1\./);
      assert.match(md, /### Errors\n\n```text\nerror: \[vault-migration:fingerprintKey\] is required/);
      assert.ok(!md.includes("### Refused"));
    });

    it("cells render paths, names and reasons exactly: read back, they decode to the plan's", () => {
      const text = fc.string({ unit: "binary", maxLength: 30 });
      fc.assert(
        fc.property(text, (t) => {
          const oneLine = t.replace(/[\r\n]/g, "");
          assert.equal(readCodeCell(codeCell(oneLine)), oneLine);
          assert.equal(readTextCell(textCell(oneLine)), oneLine);
        }),
        { numRuns: 2000 },
      );
      assert.equal(codeCell("a`b"), "``a`b``");
      assert.equal(codeCell("`a"), "`` `a ``");
      const i = { migration: "m", action: "orphan" as const, sourcePath: "secret/team/a → secret/other", destinationName: "x|y`z\n", reason: "source deleted (kept, orphaned)" as const, detail: "<b>*[x]* $y$ & `q`" };
      const line = buildMarkdown(report({ secrets: [i] })).split("\n").find((l) => l.startsWith("| orphan"))!;
      const cells = line.slice(2, -2).split(/ (?<!\\)\| /);
      assert.equal(cells.length, 5, line);
      assert.equal(decodePlanText(readCodeCell(cells[2]), "path"), i.sourcePath);
      assert.equal(decodePlanText(readCodeCell(cells[3]), "name"), i.destinationName);
      assert.deepEqual(decodePlanReason(readTextCell(cells[4])), { reason: i.reason, detail: i.detail });
    });

    it("escapes | in cells so a row keeps its five columns", () => {
      assert.equal(escapeCell("a|b"), "a\\|b");
      assert.equal(escapeCell("x\ny"), "x y");
      assert.equal(escapeCell("<b>"), "&lt;b&gt;");
      const md = buildMarkdown(report({ secrets: [{ migration: "m|n", action: "create", sourcePath: "secret/a|b", destinationName: "a-b", reason: "new in source", detail: "x | y" }] }));
      const line = md.split("\n").find((l) => l.startsWith("| create"))!;
      assert.equal(line, "| create | m\\|n | `secret/a\\|b` | `a-b` | new in source (x \\| y) |");
      assert.equal(line.split(/(?<!\\)\|/).length - 2, 5, "five columns");
    });

    it("up: a run summary per migration, resource counts and report paths", () => {
      const md = buildMarkdown(
        report({
          mode: "up",
          summaries: { "apps-to-keyvault": { created: 3, updated: 1, deleted: 0, failed: 0, inSync: 2, skipped: 1, excluded: 4, lastWriteAt: "2026-01-01T00:00:00Z" } },
          resourceChanges: { create: 2, same: 1 },
          steps: [{ op: "create", type: "pulumi-nodejs:dynamic/vault-migration:SecretMigration", name: "apps-to-keyvault" }],
          reports: [".reports/apps.md"],
        }),
      );
      assert.match(md, /^## Migration run: stack `prod`/);
      assert.match(md, /\*\*Succeeded\.\*\* Exit code 0\./);
      assert.match(md, /\| apps-to-keyvault \| 3 \| 1 \| 0 \| 0 \| 2 \| 1 \| 4 \| 2026-01-01T00:00:00Z \|/);
      assert.match(md, /\*\*Resources:\*\* 1 create \(1 unchanged\)/);
      assert.match(md, /- `\.reports\/apps\.md`/);
      assert.ok(!md.includes("**Secrets:**"));
    });

    it("drift: clean and drifted", () => {
      assert.match(buildMarkdown(report({ mode: "drift" })), /No drift.*Exit code 0/);
      const md = buildMarkdown(report({ mode: "drift", secrets: rowsFromPending("apps", { "secret/apps/api → app-api": "update v1: destination changed by hand" }, "drift") }));
      assert.match(md, /^## Migration drift check: stack `prod`/);
      assert.match(md, /1 drifted/);
      assert.match(md, /\| drift v1 \| apps \| `secret\/apps\/api` \| `app-api` \| destination changed by hand \|/);
    });

    it("drift: a migration's line counts a drifted copy as drifted, not in sync (its markers still match)", () => {
      const md = buildMarkdown(
        report({
          mode: "drift",
          secrets: rowsFromPending("apps", { "secret/apps/api → app-api": "update v1: destination changed by hand" }, "drift"),
          planLines: { apps: "0 to create, 0 to update, 0 to delete, 3 in sync, 0 skipped, 0 orphaned, 0 excluded", other: "0 to create, 0 to update, 0 to delete, 2 in sync, 0 skipped, 0 orphaned, 0 excluded" },
        }),
      );
      assert.ok(md.includes("- `apps`: 0 to create, 0 to update, 0 to delete, 2 in sync, 1 drifted, 0 skipped"), md);
      assert.ok(md.includes("- `other`: 0 to create, 0 to update, 0 to delete, 2 in sync, 0 skipped"), md);
    });
  });
});
