import * as assert from "node:assert/strict";
import { createHash } from "node:crypto";
import * as fc from "fast-check";
import {
  contentFingerprint,
  isPlanInputError,
  createMapper,
  encodePlanLine,
  fingerprint,
  planMigration,
  sourceMetadataHash,
} from "../../../src/engine";
import { expectedMarkers } from "../../../src/migration/destinations/keyvault/markers";
import { keyVaultNaming } from "../../../src/migration/destinations/keyvault/naming";
import type {
  DestinationEntry,
  Markers,
  Plan,
  PlanItem,
  PlanOptions,
  SecretData,
  SourceSecret,
} from "../../../src/engine";

const KEY = "per-stack-secret-key-0123456789";
const MH = "mapping-hash-1";
const mapper = createMapper({ naming: keyVaultNaming, exclude: ["excluded/**"] });
const MID = "stack/m";
const base: PlanOptions = { existing: "fail", deletionPolicy: "keep", mappingHash: MH, scope: ["kv"], migrationId: MID };

function v2(path: string, version = 1, over: Partial<SourceSecret> = {}): SourceSecret {
  return { mount: "kv", path, kvVersion: 2, currentVersion: version, state: "live", customMetadata: {}, ...over };
}
function v1(path: string, data: SecretData): SourceSecret {
  return { mount: "kv", path, kvVersion: 1, state: "live", customMetadata: {}, fingerprint: fingerprint(KEY, `kv/${path}`, data), legacyFingerprint: contentFingerprint(KEY, data) };
}
/** The markers our provider would write for `s` under `options`. */
function markersFor(s: SourceSecret, options: PlanOptions = base): Markers {
  const m = expectedMarkers({ secret: s, mappingHash: options.mappingHash, migrationId: options.migrationId, ...(s.fingerprint ? { fingerprint: s.fingerprint } : {}) });
  const { metadataHash, ...rest } = m;
  return options.metadataHash ? { ...rest, metadataHash: options.metadataHash(s) } : rest;
}
function ours(name: string, s: SourceSecret, over: Partial<DestinationEntry> = {}, options: PlanOptions = base): DestinationEntry {
  return { name, markers: markersFor(s, options), enabled: true, ...over };
}
function dest(...entries: DestinationEntry[]): Map<string, DestinationEntry> {
  return new Map(entries.map((e) => [e.name.toLowerCase(), e]));
}
async function plan(source: SourceSecret[], destination: Map<string, DestinationEntry>, options: Partial<PlanOptions> = {}): Promise<Plan> {
  return planMigration({ source, destination, mapper, options: { ...base, ...options } });
}
function brief(items: readonly PlanItem[]): string[] {
  return items.map((i) => `${i.action} ${i.sourcePath} -> ${i.destinationName}: ${i.reason}`);
}

describe("engine/plan", () => {
  it("creates what is missing and pins the source version", async () => {
    const p = await plan([v2("app/db", 4)], dest());
    assert.deepEqual(p.items, [{ sourcePath: "kv/app/db", mount: "kv", destinationName: "kv-app-db", action: "create", reason: "new in source", sourceVersion: 4 }]);
    assert.equal(p.inSync, 0);
  });

  it("is empty when in sync (KV v2 by version, KV v1 by fingerprint)", async () => {
    const a = v2("a", 3);
    const b = v1("b", { x: "y" });
    const p = await plan([a, b], dest(ours("kv-a", a), ours("KV-B", b)));
    assert.deepEqual(p.items, []);
    assert.equal(p.inSync, 2);
    assert.equal(p.counts.sources, 2);
  });

  it("updates on version, value, mapping, metadata and hand edits", async () => {
    const meta = { metadataHash: (s: SourceSecret) => sourceMetadataHash(s) };
    const a = v2("a", 3);
    const b = v1("b", { x: "y" });
    const c = v2("c", 1);
    const d = v2("d", 1, { customMetadata: { owner: "me" } });
    const e = v2("e", 1);
    const destination = dest(
      ours("kv-a", v2("a", 2), {}, { ...base, ...meta }),
      ours("kv-b", v1("b", { x: "old" }), {}, { ...base, ...meta }),
      ours("kv-c", c, {}, { ...base, ...meta, mappingHash: "old" }),
      ours("kv-d", v2("d", 1), {}, { ...base, ...meta }),
      ours("kv-e", e, { handEdited: true }, { ...base, ...meta }),
    );
    const p = await plan([a, b, c, d, e], destination, meta);
    assert.deepEqual(brief(p.items), [
      "update kv/a -> kv-a: source version changed",
      "update kv/b -> kv-b: source value changed",
      "update kv/c -> kv-c: mapping changed",
      "update kv/d -> kv-d: source metadata changed",
      "update kv/e -> kv-e: destination changed by hand",
    ]);
  });

  it("a KV v1 copy stamped with a version-1 fingerprint (no path) is in sync while the value is the same; a changed value updates", async () => {
    const same = v1("same", { x: "y" });
    const changed = v1("changed", { x: "new" });
    const p = await plan(
      [same, changed],
      dest(
        ours("kv-same", { ...same, fingerprint: contentFingerprint(KEY, { x: "y" }) }),
        ours("kv-changed", { ...changed, fingerprint: contentFingerprint(KEY, { x: "old" }) }),
      ),
    );
    assert.deepEqual(brief(p.items), ["update kv/changed -> kv-changed: source value changed"]);
    assert.equal(p.inSync, 1, "the legacy copy is neither rewritten nor refused");
  });

  it("another secret's marker for an equal value is not in sync (the path is in the fingerprint)", async () => {
    const a = v1("a", { x: "y" });
    const b = v1("b", { x: "y" });
    assert.notEqual(a.fingerprint, b.fingerprint);
    const p = await plan([a], dest(ours("kv-a", { ...a, fingerprint: b.fingerprint })));
    assert.deepEqual(brief(p.items), ["update kv/a -> kv-a: source value changed"]);
  });

  it("treats incomplete markers as stale", async () => {
    const a = v2("a", 1);
    const { sourceVersion, ...noVersion } = markersFor(a);
    assert.equal(sourceVersion, 1);
    const p = await plan([a], dest({ name: "kv-a", markers: noVersion, enabled: true }));
    assert.deepEqual(brief(p.items), ["update kv/a -> kv-a: destination markers incomplete"]);
  });

  it("refuses, adopts or overwrites secrets that are not ours", async () => {
    const seedCopy: DestinationEntry = { name: "kv-b", markers: { origin: "hashicorp-vault", sourcePath: "kv/b", sourceVersion: 1 }, enabled: true };
    const otherScope = ours("kv-c", v2("c"), {});
    const foreignC: DestinationEntry = { ...otherScope, markers: { ...otherScope.markers!, sourcePath: "elsewhere/c" } };
    const destination = dest({ name: "KV-A", markers: undefined, enabled: true }, seedCopy, foreignC);
    const sources = [v2("a"), v2("b"), v2("c")];
    const refused = await plan(sources, destination);
    assert.deepEqual(brief(refused.items), [
      "refuse kv/a -> kv-a: destination exists and was not created by this migration",
      "refuse kv/b -> kv-b: destination exists and was not created by this migration",
      "refuse kv/c -> kv-c: destination exists and was not created by this migration",
    ]);
    assert.deepEqual(brief((await plan(sources, destination, { existing: "adopt" })).items).map((l) => l.split(": ")[1]), Array(3).fill("adopting existing destination secret"));
    assert.deepEqual(brief((await plan(sources, destination, { existing: "overwrite" })).items).map((l) => l.split(": ")[1]), Array(3).fill("overwriting existing destination secret"));
  });

  it("treats a stranger's soft-deleted secret as existing, re-creates our own, and never orphans it", async () => {
    const a = v2("a", 2);
    const b = v2("b", 2);
    const destination = dest(
      { name: "kv-a", markers: undefined, enabled: true, deleted: true },
      ours("kv-b", v2("b", 1), { deleted: true }),
      ours("kv-gone", v2("gone", 1), { deleted: true }),
    );
    let inspected = 0;
    const run = (existing: PlanOptions["existing"]) =>
      planMigration({ source: [a, b], destination, mapper, options: { ...base, existing, deletionPolicy: "delete" }, inspectUnmarked: (e) => (inspected++, e) });
    const refused = await run("fail");
    assert.deepEqual(brief(refused.items), [
      "refuse kv/a -> kv-a: destination exists and was not created by this migration",
      "create kv/b -> kv-b: new in source",
    ]);
    assert.match(refused.items[0]?.detail ?? "", /soft-deleted.*existing: adopt or overwrite/);
    assert.deepEqual(refused.orphaned, [], "our soft-deleted copy of a gone source is no orphan");
    assert.equal(inspected, 0, "a soft-deleted entry has no versions to inspect");
    assert.deepEqual(brief((await run("adopt")).items), ["update kv/a -> kv-a: adopting existing destination secret", "create kv/b -> kv-b: new in source"]);
    assert.deepEqual(brief((await run("overwrite")).items), ["update kv/a -> kv-a: overwriting existing destination secret", "create kv/b -> kv-b: new in source"]);
  });

  it("never writes managed secrets and leaves disabled copies alone", async () => {
    const p = await plan([v2("a"), v2("b", 2)], dest({ name: "kv-a", markers: undefined, enabled: true, managed: true }, ours("kv-b", v2("b", 1), { enabled: false })), { existing: "overwrite" });
    assert.deepEqual(brief(p.items), ["refuse kv/a -> kv-a: destination is managed by the destination service"]);
    assert.deepEqual(brief(p.skipped), ["skip kv/b -> kv-b: destination disabled"]);
  });

  it("skips deleted and destroyed source versions", async () => {
    const p = await plan([v2("a", 2, { state: "deleted" }), v2("b", 2, { state: "destroyed" })], dest(ours("kv-a", v2("a", 1))));
    assert.deepEqual(p.items, []);
    assert.deepEqual(brief(p.skipped), ["skip kv/a -> kv-a: source version deleted", "skip kv/b -> kv-b: source version destroyed"]);
    assert.deepEqual(p.orphaned, [], "a skipped source still claims its copy");
  });

  it("orphans or deletes our copies without a source, per deletionPolicy", async () => {
    const destination = dest(
      ours("kv-gone", v2("gone")),
      ours("kv-excluded-x", v2("excluded/x")),
      ours("old-name", v2("renamed")),
      ours("other-mount", { ...v2("z"), mount: "other" }),
      { name: "foreign", markers: undefined, enabled: true },
    );
    const sources = [v2("excluded/x"), v2("renamed")];
    const kept = await plan(sources, destination);
    assert.deepEqual(brief(kept.orphaned), [
      "orphan kv/excluded/x -> kv-excluded-x: no longer mapped (kept, orphaned)",
      "orphan kv/gone -> kv-gone: source deleted (kept, orphaned)",
      "orphan kv/renamed -> old-name: no longer mapped (kept, orphaned)",
    ]);
    assert.deepEqual(brief(kept.items), ["create kv/renamed -> kv-renamed: new in source"]);
    const deleted = await plan(sources, destination, { deletionPolicy: "delete" });
    assert.deepEqual(brief(deleted.items.filter((i) => i.action === "delete")), [
      "delete kv/excluded/x -> kv-excluded-x: no longer mapped (deletionPolicy: delete)",
      "delete kv/gone -> kv-gone: source deleted (deletionPolicy: delete)",
      "delete kv/renamed -> old-name: no longer mapped (deletionPolicy: delete)",
    ]);
    assert.equal(deleted.counts.excluded, 1);
  });

  it("takes over a copy written from a vanished source path", async () => {
    const p = await plan([v2("new")], dest({ ...ours("kv-new", v2("old")) }));
    assert.deepEqual(brief(p.items), ["update kv/new -> kv-new: destination was written from another source path"]);
    assert.deepEqual(p.orphaned, []);
  });

  it("refuses every source of a name collision, even one in sync", async () => {
    const a = v2("a_b");
    const p = await plan([a, v2("a-b"), v2("A/B"), v2("ok")], dest(ours("kv-a-b", a)));
    assert.deepEqual(brief(p.items), [
      "refuse kv/A/B -> kv-A-B: destination name collision",
      "refuse kv/a-b -> kv-a-b: destination name collision",
      "refuse kv/a_b -> kv-a-b: destination name collision",
      "create kv/ok -> kv-ok: new in source",
    ].sort((x, y) => (x.split(" ")[1]! < y.split(" ")[1]! ? -1 : 1)));
    assert.match(p.items[0]!.detail ?? "", /\[kv\/a_b\], \[kv\/a-b\]/);
    assert.equal(p.inSync, 0);
    assert.deepEqual(p.orphaned, []);
  });

  it("refuses paths without a valid name", async () => {
    const p = await planMigration({ source: [v2("___")], destination: dest(), mapper: createMapper({ naming: keyVaultNaming, rules: [{ match: "**", name: "{path}" }] }), options: base });
    assert.deepEqual(brief(p.items), ["refuse kv/___ -> : invalid destination name"]);
    assert.match(p.items[0]!.detail!, /maps to an empty name/);
  });

  it("streams async sources against an async lookup", async () => {
    async function* source(): AsyncGenerator<SourceSecret> {
      yield v2("a", 2);
      yield v2("b", 1);
    }
    const entries = dest(ours("kv-a", v2("a", 1)), ours("kv-b", v2("b", 1)), ours("kv-orphan", v2("orphan")));
    const lookup = async (key: string): Promise<DestinationEntry | undefined> => entries.get(key);
    const p = await planMigration({ source: source(), destination: lookup, mapper, options: base });
    assert.deepEqual(brief(p.items), ["update kv/a -> kv-a: source version changed"]);
    assert.equal(p.orphansChecked, false);
    assert.deepEqual(p.orphaned, []);
  });

  it("indexes a listing itself, whatever the map keys", async () => {
    const entries = new Map([["anything", ours("KV-A", v2("a", 1))]]);
    const p = await planMigration({ source: [v2("a", 1)], destination: entries, mapper, options: base });
    assert.deepEqual(p.items, []);
    assert.equal(p.orphansChecked, true);
  });

  it("rejects bad inputs", async () => {
    await assert.rejects(plan([v2("a")], dest(), { scope: ["/"] }), (err) => isPlanInputError(err));
    await assert.rejects(plan([{ ...v1("a", {}), fingerprint: undefined } as SourceSecret], dest()), /KV v1 secret \[kv\/a\] has no fingerprint/);
    await assert.rejects(plan([v2("a", 1, { currentVersion: undefined })], dest()), /KV v2 secret \[kv\/a\] has no current version/);
  });

  describe("properties", () => {
    const segment = fc.constantFrom("a", "b", "A", "a_b", "a-b", "excluded", "x");
    const path = fc.array(segment, { minLength: 1, maxLength: 3 }).map((s) => s.join("/"));
    // A small value domain so that destination fingerprints sometimes match the source.
    const value = fc.constantFrom("VALUE-alpha", "VALUE-beta", "VALUE-gamma");
    const sourceArb = fc
      .record({
        kv: fc.constantFrom<1 | 2>(1, 2),
        version: fc.integer({ min: 1, max: 3 }),
        state: fc.constantFrom("live", "live", "live", "deleted", "destroyed"),
        data: value.map((v): SecretData => ({ k1: v })),
        owner: fc.constantFrom("", "team-a", "team-b"),
      });
    const scenarioArb = fc.uniqueArray(path, { maxLength: 12 }).chain((paths) =>
      fc.tuple(
        fc.constant(paths),
        fc.array(sourceArb, { minLength: paths.length, maxLength: paths.length }),
        fc.array(entryArb(paths), { maxLength: 10 }),
      ),
    );
    interface EntrySpec {
      path: string;
      nameFromPath: boolean;
      kind: "foreign" | "seed" | "ours" | "ours-moved" | "other-scope";
      version: number;
      hash: string;
      handEdited: boolean;
      enabled: boolean;
      managed: boolean;
      value: string;
    }
    const entryArb = (paths: string[]): fc.Arbitrary<EntrySpec> => fc.record({
      // Mostly paths that exist in the source, so that stale copies are common.
      path: paths.length > 0 ? fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...paths) }, { weight: 1, arbitrary: path }) : path,
      nameFromPath: fc.constantFrom(true, true, true, false),
      kind: fc.constantFrom<EntrySpec["kind"]>("foreign", "seed", "ours", "ours", "ours", "ours-moved", "other-scope"),
      version: fc.integer({ min: 1, max: 3 }),
      hash: fc.constantFrom(MH, "old"),
      handEdited: fc.constantFrom(false, false, false, true),
      enabled: fc.constantFrom(true, true, true, false),
      managed: fc.constantFrom(false, false, false, true),
      value,
    });
    const optionsArb = fc.record({
      existing: fc.constantFrom<PlanOptions["existing"]>("fail", "adopt", "overwrite"),
      deletionPolicy: fc.constantFrom<PlanOptions["deletionPolicy"]>("keep", "delete"),
      withMetadata: fc.boolean(),
    });

    function build(paths: string[], specs: { kv: 1 | 2; version: number; state: string; data: SecretData; owner: string }[]): { sources: SourceSecret[]; values: string[] } {
      const values: string[] = [];
      const sources = paths.map((p, i) => {
        const s = specs[i]!;
        values.push(...(Object.values(s.data) as string[]));
        const customMetadata: Record<string, string> = s.owner ? { owner: s.owner } : {};
        return s.kv === 1
          ? { ...v1(p, s.data), customMetadata }
          : v2(p, s.version, { state: s.state as SourceSecret["state"], customMetadata });
      });
      return { sources, values };
    }

    function buildDest(specs: EntrySpec[], options: PlanOptions): Map<string, DestinationEntry> {
      const out = new Map<string, DestinationEntry>();
      for (const e of specs) {
        const s = v2(e.path, e.version);
        const name = e.nameFromPath ? (mapper.map(s) as { name?: string }).name ?? "fallback" : `n-${e.path.replace(/[^a-z]/gi, "")}`;
        const flags = { enabled: e.enabled, handEdited: e.handEdited, managed: e.managed };
        let entry: DestinationEntry;
        if (e.kind === "foreign") entry = { name, markers: undefined, ...flags };
        else if (e.kind === "seed") entry = { name, markers: { origin: "hashicorp-vault", sourcePath: `kv/${e.path}` }, ...flags };
        else if (e.kind === "ours-moved") entry = { name, markers: { ...markersFor(s, options), sourcePath: `kv/moved/${e.path}` }, ...flags };
        else if (e.kind === "other-scope") entry = { name, markers: { ...markersFor(s, options), sourcePath: `other/${e.path}` }, ...flags };
        else entry = { name, markers: { ...markersFor(s, options), mappingHash: e.hash, fingerprint: fingerprint(KEY, `kv/${e.path}`, { k1: e.value }) }, ...flags };
        out.set(name.toLowerCase(), entry);
      }
      return out;
    }

    /** Executes a plan against an in-memory destination the way the provider would. */
    function apply(p: Plan, sources: SourceSecret[], d: Map<string, DestinationEntry>, options: PlanOptions): void {
      const bySource = new Map(sources.map((s) => [`kv/${s.path}`, s]));
      for (const item of p.items) {
        const key = item.destinationName.toLowerCase();
        if (item.action === "delete") d.delete(key);
        if (item.action === "create" || item.action === "update") {
          const s = bySource.get(item.sourcePath)!;
          assert.equal(item.sourceVersion, s.kvVersion === 2 ? s.currentVersion : undefined);
          d.set(key, { name: item.destinationName, markers: markersFor(s, options), enabled: true });
        }
      }
    }

    it("re-planning after applying the plan yields nothing pending", async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, optionsArb, async ([paths, specs, entrySpecs], o) => {
          const options: PlanOptions = {
            ...base,
            existing: o.existing,
            deletionPolicy: o.deletionPolicy,
            ...(o.withMetadata ? { metadataHash: (s: SourceSecret) => sourceMetadataHash(s) } : {}),
          };
          const { sources } = build(paths, specs);
          const d = buildDest(entrySpecs, options);
          const first = await planMigration({ source: sources, destination: d, mapper, options });
          apply(first, sources, d, options);
          const second = await planMigration({ source: sources, destination: d, mapper, options });
          assert.deepEqual(second.items.filter((i) => ["create", "update", "delete"].includes(i.action)), [], "pending after apply");
          assert.deepEqual(second.items, first.items.filter((i) => i.action === "refuse"), "refusals are stable");
          assert.deepEqual(second.skipped, first.skipped);
          if (o.deletionPolicy === "keep") assert.deepEqual(second.orphaned, first.orphaned);
          else assert.deepEqual(second.orphaned, []);
        }),
        { numRuns: 150 },
      );
    });

    it("counts add up and the plan holds no values nor unkeyed hashes of them", async () => {
      await fc.assert(
        fc.asyncProperty(scenarioArb, optionsArb, async ([paths, specs, entrySpecs], o) => {
          const options: PlanOptions = { ...base, existing: o.existing, deletionPolicy: o.deletionPolicy };
          const { sources, values } = build(paths, specs);
          const p = await planMigration({ source: sources, destination: buildDest(entrySpecs, options), mapper, options });
          const c = p.counts;
          assert.equal(c.sources, sources.length);
          assert.equal(c.sources, c.excluded + c.inSync + c.create + c.update + c.skip + c.refuse);
          assert.equal(p.items.length + p.skipped.length + p.orphaned.length, c.create + c.update + c.delete + c.skip + c.orphan + c.refuse);
          assert.equal(p.inSync, c.inSync);
          const text = JSON.stringify(p);
          for (const v of values) {
            assert.ok(!text.includes(v), "value in plan");
            assert.ok(!text.includes(createHash("sha256").update(v).digest("hex").slice(0, 16)), "unkeyed hash in plan");
          }
          assert.deepEqual(JSON.parse(text), p, "plan is plain JSON");
        }),
        { numRuns: 150 },
      );
    });
  });
});

describe("planMigration: inspecting unmarked entries", () => {
  it("asks the destination about an unmarked entry a source maps to, and only about that one", async () => {
    const mapper = createMapper({ naming: keyVaultNaming });
    const source = [{ mount: "secret", path: "a", kvVersion: 2 as const, currentVersion: 3, state: "live" as const, customMetadata: {} }];
    const entries = [
      { name: "secret-a", markers: undefined, enabled: true },
      { name: "someone-elses", markers: undefined, enabled: true },
    ];
    const inspected: string[] = [];
    const plan = await planMigration({
      source,
      destination: { get: () => undefined, values: () => entries },
      mapper,
      options: { existing: "fail", deletionPolicy: "keep", mappingHash: "h", scope: ["secret"], migrationId: "stack/m" },
      inspectUnmarked: (e) => {
        inspected.push(e.name);
        return { ...e, handEdited: true, markers: { origin: "hashicorp-vault", sourcePath: "secret/a", sourceVersion: 3, mappingHash: "h", migrationId: "stack/m" } };
      },
    });
    assert.deepEqual(inspected, ["secret-a"]);
    assert.deepEqual(plan.items.map((i) => [i.destinationName, i.action, i.reason]), [["secret-a", "update", "destination changed by hand"]]);
  });
  describe("names the destination's rules changed beyond substitution say so (issue #25, 8)", () => {
    it("a name cut to Key Vault's 127 characters, and a path segment that vanished, are in the item's detail", async () => {
      const long = `apps/${"a".repeat(150)}`;
      const p = await plan([v2(long), v2("apps/__/db"), v2("apps/db_main")], dest());
      const byPath = new Map(p.items.map((i) => [i.sourcePath, i]));
      assert.equal(byPath.get(`kv/${long}`)?.destinationName.length, 127);
      assert.equal(byPath.get(`kv/${long}`)?.detail, "name shortened to 127 of 158 characters");
      assert.equal(byPath.get("kv/apps/__/db")?.destinationName, "kv-apps-db");
      assert.equal(byPath.get("kv/apps/__/db")?.detail, 'path segment(s) "__" left no character in the name');
      // Substitution alone (`_` → `-`) is the documented rule and says nothing.
      assert.equal(byPath.get("kv/apps/db_main")?.detail, undefined);
      assert.equal(encodePlanLine(byPath.get("kv/apps/__/db") as PlanItem), 'kv/apps/__/db → kv-apps-db: create v1: new in source (path segment(s) "__" left no character in the name)');
    });
  });

  it("an entry whose markers announce an unfinished write is ours and updated, even when its markers alone look in sync", async () => {
    const mapper = createMapper({ naming: keyVaultNaming });
    const source = [{ mount: "secret", path: "a", kvVersion: 2 as const, currentVersion: 3, state: "live" as const, customMetadata: {} }];
    const markers = { origin: "hashicorp-vault" as const, sourcePath: "secret/a", sourceVersion: 3, mappingHash: "h", migrationId: "stack/m" };
    const plan = await planMigration({
      source,
      destination: { get: () => undefined, values: () => [{ name: "secret-a", markers, enabled: true, interrupted: true }] },
      mapper,
      options: { existing: "fail", deletionPolicy: "keep", mappingHash: "h", scope: ["secret"], migrationId: "stack/m" },
    });
    assert.deepEqual(plan.items.map((i) => [i.destinationName, i.action, i.reason]), [["secret-a", "update", "destination write interrupted"]]);
  });
});
