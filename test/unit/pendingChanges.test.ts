// The `pending` / `notices` maps of the migration resource (src/migration/pendingChanges.ts), on the
// plan-line codec: what the planner meant is what the provider applies.
import * as assert from "node:assert/strict";
import { DEFAULT_KV_SETTINGS, planMigration, createMapper, type PlanItem, type SourceSecret } from "../../src/engine";
import { vaultKvNaming } from "../../src/migration/destinations/vault/naming";
import { decodePending, encodeNotices, encodePending, encodeSourceSettings, withSourceSettings } from "../../src/migration/pendingChanges";

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

  describe("the plan's KV v2 settings (hidden __sourceSettings beside the pending map)", () => {
    const tuned = { maxVersions: 5, casRequired: true, deleteVersionAfter: "720h0m0s" };
    const item = (path: string, extra: Partial<PlanItem> = {}): PlanItem => ({ sourcePath: `secret/${path}`, mount: "secret", destinationName: path, action: "create", sourceVersion: 1, reason: "new in source", ...extra });

    it("the planner gives creates and updates the settings the inventory listed; skips get none", async () => {
      const src = (path: string, extra: Partial<SourceSecret> = {}): SourceSecret => ({ mount: "secret", path, kvVersion: 2, currentVersion: 1, state: "live", customMetadata: {}, settings: DEFAULT_KV_SETTINGS, ...extra });
      const plan = await planMigration({
        source: [src("a"), src("b", { settings: tuned }), src("c", { state: "deleted" }), src("d", { settings: undefined })],
        destination: { get: () => undefined, values: () => [] },
        mapper: createMapper({ naming: vaultKvNaming, rules: [{ match: "**", name: "{path}" }] }),
        options: { existing: "fail", deletionPolicy: "keep", mappingHash: "h", scope: ["secret"], migrationId: "m" },
      });
      assert.deepEqual(plan.items.map((i) => [i.destinationName, i.sourceSettings]), [["a", DEFAULT_KV_SETTINGS], ["b", tuned], ["d", undefined]]);
      assert.equal(plan.skipped[0]?.sourceSettings, undefined);
    });

    it("only non-default settings take an entry; defaults cost no byte; one item not known makes the whole map unknown", () => {
      const items = [item("a", { sourceSettings: DEFAULT_KV_SETTINGS }), item("b", { sourceSettings: tuned }), item("c", { action: "delete", reason: "source deleted (deletionPolicy: delete)" })];
      assert.deepEqual(encodeSourceSettings(items), { "secret/b → b": '[5,true,"720h0m0s"]' });
      assert.deepEqual(encodeSourceSettings([item("a", { sourceSettings: DEFAULT_KV_SETTINGS })]), {});
      assert.equal(encodeSourceSettings([...items, item("d")]), undefined);
      // The pending lines users read are unchanged by the settings.
      assert.deepEqual(encodePending(items), encodePending(items.map(({ sourceSettings: _s, ...i }) => i)));
    });

    it("decoded: planned items get their settings or the defaults; without a map, and for drift merged in, they stay unknown", () => {
      const items = [item("a", { sourceSettings: DEFAULT_KV_SETTINGS }), item("b", { sourceSettings: tuned })];
      const plan = encodePending(items);
      const drift = encodePending([item("x", { action: "update", reason: "destination changed by hand" })]);
      const back = withSourceSettings(decodePending({ ...drift, ...plan }, "secret"), plan, encodeSourceSettings(items));
      assert.deepEqual(back.map((i) => [i.destinationName, i.sourceSettings]), [["x", undefined], ["a", DEFAULT_KV_SETTINGS], ["b", tuned]]);
      assert.deepEqual(withSourceSettings(decodePending(plan, "secret"), plan, undefined).map((i) => i.sourceSettings), [undefined, undefined]);
      assert.throws(() => withSourceSettings(decodePending(plan, "secret"), plan, { "secret/b → b": "[5,true]" }), /not planned KV settings/);
    });
  });

  it("throws on an entry it did not write", () => {
    assert.throws(() => decodePending({ "a → b": "create: new in source (x" }, "secret"), /unreadable plan/);
  });
});
