// The `pending` / `notices` maps of the migration resource (src/migration/pendingChanges.ts), on the
// plan-line codec: what the planner meant is what the provider applies.
import * as assert from "node:assert/strict";
import type { PlanItem } from "../../src/engine";
import { decodePending, encodeNotices, encodePending } from "../../src/migration/pendingChanges";

describe("migration/pendingChanges", () => {
  it("a source path holding ` → ` is applied to its own destination name, not to the text after its last arrow (issue #23)", () => {
    const item: PlanItem = { sourcePath: "secret/team/a → secret/other", mount: "secret", destinationName: "team/a → secret/other", action: "create", sourceVersion: 1, reason: "new in source" };
    const [back] = decodePending(encodePending([item]), "secret");
    assert.equal(back.destinationName, "team/a → secret/other");
    assert.equal(back.sourcePath, "secret/team/a → secret/other");
    assert.deepEqual(back, item);
  });

  it("an orphan's reason with parentheses comes back as that reason, with no detail", () => {
    const orphan: PlanItem = { sourcePath: "secret/gone", destinationName: "gone", action: "orphan", reason: "source deleted (kept, orphaned)" };
    const notices = encodeNotices([orphan, { ...orphan, action: "create", reason: "new in source" }]);
    assert.deepEqual(notices, { "secret/gone → gone": "orphan: source deleted (kept, orphaned)" });
    assert.deepEqual(decodePending(notices, "secret"), [{ ...orphan, mount: "secret" }]);
  });

  it("throws on an entry it did not write", () => {
    assert.throws(() => decodePending({ "a → b": "create: new in source (x" }, "secret"), /unreadable plan/);
  });
});
