/**
 * The destination conformance suite: one set of cases every MigrationDestination driver passes
 * against its server or double, as abstract-level's suite does for every Level store
 * (`suite({ test, factory })`). The cases go through the contract and, where the planner is part
 * of the behaviour, through `planRun` / `applyRun` / `verifyRun` with an in-memory FakeSource:
 * create, no-op, update, hand edit seen, foreign secret refused, a stranger's secret that appeared
 * under a planned create since planning, removed and soft-deleted names,
 * remove (only this migration's copies in its scope), markers round-trip, warnings returned,
 * names (case rule, invalid names), value limit — and a leak scan over everything the destination
 * and the run returned or threw.
 *
 * Capabilities decide what runs: the caller states the manifest it expects, a case checks that
 * the destination declares exactly that, and only the cases the manifest allows are registered.
 *
 * Usage (one file per driver and server):
 *   destinationConformance("Key Vault (double)", factory, { capabilities: {...} });
 * where `factory(context)` opens the destination for one case (the context carries the case's
 * fingerprint key, settings and source, as a driver's `open` gets them) and returns hooks that act
 * on the server directly, outside the migration.
 */
import * as assert from "node:assert/strict";
import { createHash, randomBytes } from "node:crypto";
import {
  MIGRATED_FROM,
  fullSourcePath,
  sourceMetadataHash,
  toMarkdown,
  type DestinationEntry,
  type KvVersion,
  type MigrationReport,
  type PlanItem,
  type SecretData,
} from "../../src/engine";
import { applyRun } from "../../src/migration/applyRun";
import type { DestinationCapabilities, DestinationContext, DestinationWrite, MigrationDestination, WriteResult } from "../../src/migration/destination";
import { mapperFor, planRun, type RunPlan } from "../../src/migration/planRun";
import { withDefaults, type MigrationSettings } from "../../src/migration/settings";
import { verifyRun, type Verification } from "../../src/migration/verifyRun";
import { destinationWrite, type WriteContext } from "../../src/migration/writes";
import { FakeSource } from "../doubles/fakeSource";

/** What a factory hands the suite for one case. Hooks act on the server directly, never through the destination. */
export interface ConformanceTarget {
  readonly destination: MigrationDestination;
  /** Creates a secret under `name` (a destination name) that no migration wrote, holding `value`. */
  seedForeign(name: string, value: string): Promise<void>;
  /** Sets a new value under `name` as a person would (console, CLI), outside the migration. */
  editByHand(name: string, value: string): Promise<void>;
  /** Creates a foreign secret under `name` and soft-deletes it. Only where soft delete is declared. */
  softDeleteForeign?(name: string, value: string): Promise<void>;
  /** Closes the destination and frees what the factory made for this case. */
  teardown(): Promise<void>;
}

/** Opens the destination for one case; `context` is what a driver's `open` would get. */
export type ConformanceFactory = (context: DestinationContext) => Promise<ConformanceTarget>;

export interface ConformanceOptions {
  /** The manifest the destination must declare; it decides which cases run. */
  readonly capabilities: DestinationCapabilities;
  /** Source KV versions of the plan-based cases. Default both, `[2, 1]`. */
  readonly sourceKvVersions?: readonly KvVersion[];
  /** custom_metadata the destination cannot carry whole. Default: 70 keys, one of them 200 characters long. */
  readonly overLimitMetadata?: Readonly<Record<string, string>>;
  /**
   * The destination checks names alone before the first write (`validateWithoutValue`), so its
   * preview and `up` read no value before copying. Default false; the `value-checks` case checks
   * the destination declares exactly this.
   */
  readonly checksByName?: boolean;
}

/** Everything the destination and the run returned or threw, and every value seeded, for the leak scan. */
export class LeakSink {
  readonly values: string[];
  readonly texts: { where: string; text: string }[];
  errors: number;
  warnings: number;

  constructor() {
    this.values = [];
    this.texts = [];
    this.errors = 0;
    this.warnings = 0;
  }

  /** A new unique value, remembered for the scan (long enough to search for, random so no path contains it). */
  value(label: string): string {
    const v = `cv-${label}-${randomBytes(8).toString("hex")}`;
    this.values.push(v);
    return v;
  }

  text(where: string, text: string): void {
    this.texts.push({ where, text });
  }

  /** An error: its string form, stack and own properties. */
  error(where: string, e: unknown): void {
    this.errors++;
    const own: Record<string, unknown> = {};
    if (e && typeof e === "object") for (const k of Object.keys(e)) own[k] = (e as Record<string, unknown>)[k];
    let props: string;
    try {
      props = JSON.stringify(own);
    } catch {
      props = "[unserializable]";
    }
    this.text(where, `${String(e)}\n${e instanceof Error ? e.stack ?? "" : ""}\n${props}`);
  }

  report(where: string, r: MigrationReport): void {
    this.warnings += r.warnings.length;
    this.text(`${where} (json)`, JSON.stringify(r));
    this.text(`${where} (markdown)`, toMarkdown(r));
  }

  /** No seeded value, nor its SHA-256 (hex, base64, base64url), in anything recorded. */
  assertNoLeaks(): void {
    this.values.forEach((v, i) => {
      const h = createHash("sha256").update(v).digest();
      const needles = { value: v, "sha256 hex": h.toString("hex"), "sha256 base64": h.toString("base64"), "sha256 base64url": h.toString("base64url") };
      for (const { where, text } of this.texts) {
        for (const [kind, n] of Object.entries(needles)) {
          const at = text.indexOf(n);
          // Names the value by index and shows what precedes it, never the value itself.
          assert.ok(at < 0, `seeded value #${i} (${kind}) appears in ${where}, after: ${JSON.stringify(text.slice(Math.max(0, at - 80), at))}`);
        }
      }
    });
  }
}

/** Calls of the methods that change the destination. */
interface Changes {
  write: number;
  remove: number;
}

/** The destination as the suite uses it: every result and error recorded, changes counted. */
function observed(d: MigrationDestination, sink: LeakSink, changes: Changes): MigrationDestination {
  const guard = async <T>(where: string, p: () => Promise<T>): Promise<T> => {
    try {
      return await p();
    } catch (e) {
      sink.error(where, e);
      throw e;
    }
  };
  return {
    kind: d.kind,
    location: d.location,
    naming: d.naming,
    ...(d.shaping ? { shaping: d.shaping } : {}),
    capabilities: () => d.capabilities(),
    ...(d.prepare ? { prepare: () => guard("prepare", () => (d.prepare as () => Promise<void>)()) } : {}),
    entries: () => observedEntries(d, sink),
    inspectUnmarked: (e) =>
      guard("inspectUnmarked", async () => {
        const r = await d.inspectUnmarked(e);
        sink.text("inspectUnmarked", JSON.stringify(r));
        return r;
      }),
    validate: (w) => {
      const m = d.validate(w);
      if (m !== undefined) sink.text("validate", m);
      return m;
    },
    ...(d.validateWithoutValue
      ? {
          validateWithoutValue: (name: string, sourcePath: string) => {
            const m = (d.validateWithoutValue as NonNullable<MigrationDestination["validateWithoutValue"]>)(name, sourcePath);
            if (m !== undefined) sink.text("validateWithoutValue", m);
            return m;
          },
        }
      : {}),
    ...(d.notices
      ? {
          notices: (w: DestinationWrite) => {
            const list = (d.notices as NonNullable<MigrationDestination["notices"]>)(w);
            for (const x of list) sink.text("notices", x);
            return list;
          },
        }
      : {}),
    write: (w) =>
      guard(`write '${w.name}'`, async () => {
        changes.write++;
        const r: WriteResult = await d.write(w);
        sink.warnings += r.warnings.length;
        for (const x of r.warnings) sink.text(`warning of write '${w.name}'`, x);
        return r;
      }),
    expectedFingerprint: (w) => {
      try {
        return d.expectedFingerprint(w);
      } catch (e) {
        sink.error(`expectedFingerprint '${w.name}'`, e);
        throw e;
      }
    },
    storedFingerprint: (name) => guard(`storedFingerprint '${name}'`, () => d.storedFingerprint(name)),
    remove: (name) =>
      guard(`remove '${name}'`, async () => {
        changes.remove++;
        await d.remove(name);
      }),
    close: () => d.close(),
  };
}

async function* observedEntries(d: MigrationDestination, sink: LeakSink): AsyncGenerator<DestinationEntry> {
  try {
    for await (const e of d.entries()) {
      sink.text("entries", JSON.stringify(e));
      yield e;
    }
  } catch (e) {
    sink.error("entries", e);
    throw e;
  }
}

const DEFAULT_OVER_LIMIT: Readonly<Record<string, string>> = (() => {
  const m: Record<string, string> = {};
  for (let i = 0; i < 70; i++) m[`k${String(i).padStart(2, "0")}`] = `meta-${i}`;
  m[`long-${"x".repeat(195)}`] = "meta-long";
  return m;
})();

/** One case's world: its source, settings, destination and helpers. */
export class Harness {
  readonly key: string;
  readonly settings: MigrationSettings;
  readonly source: FakeSource;
  readonly destination: MigrationDestination;
  readonly target: ConformanceTarget;
  readonly sink: LeakSink;
  readonly changes: Changes;
  readonly options: ConformanceOptions;
  /** Folder of this case in the source mount, e.g. `create-v2`. */
  readonly base: string;

  constructor(init: { key: string; settings: MigrationSettings; source: FakeSource; target: ConformanceTarget; sink: LeakSink; options: ConformanceOptions; base: string }) {
    this.key = init.key;
    this.settings = init.settings;
    this.source = init.source;
    this.target = init.target;
    this.sink = init.sink;
    this.options = init.options;
    this.base = init.base;
    this.changes = { write: 0, remove: 0 };
    this.destination = observed(init.target.destination, init.sink, this.changes);
  }

  value(label: string): string {
    return this.sink.value(label);
  }

  /** Destination name of a source path (relative to the mount), under this case's settings. */
  nameOf(path: string, source: FakeSource = this.source): string {
    const m = mapperFor(this.destination, this.settings).map({ mount: source.mount, path });
    assert.equal(m.kind, "mapped", `path ${path} maps to a name`);
    return (m as { name: string }).name;
  }

  async plan(over: Partial<MigrationSettings> = {}, source: FakeSource = this.source): Promise<RunPlan> {
    try {
      const p = await planRun(source, this.destination, { ...this.settings, ...over }, this.key, { checkValues: true });
      this.sink.text("plan", JSON.stringify(p));
      return p;
    } catch (e) {
      this.sink.error("planRun", e);
      throw e;
    }
  }

  async apply(p: RunPlan, over: Partial<MigrationSettings> = {}, source: FakeSource = this.source, items: readonly PlanItem[] = p.plan.items): Promise<MigrationReport> {
    const s = { ...this.settings, ...over };
    let report: MigrationReport;
    try {
      report = await applyRun({ items, source, destination: this.destination, fingerprintKey: this.key, mappingHash: p.mappingHash, migrationId: s.migrationId, concurrency: s.concurrency, inSync: p.plan.inSync, notices: [...p.plan.skipped, ...p.plan.orphaned] });
    } catch (e) {
      // A run refused before its first write: its message is scanned for leaks too.
      this.sink.error("applyRun", e);
      throw e;
    }
    this.sink.report("report", report);
    return report;
  }

  /** Plans and applies; asserts nothing failed unless told. */
  async run(over: Partial<MigrationSettings> = {}, source: FakeSource = this.source): Promise<{ plan: RunPlan; report: MigrationReport }> {
    const plan = await this.plan(over, source);
    const report = await this.apply(plan, over, source);
    return { plan, report };
  }

  async verify(): Promise<Verification> {
    const v = await verifyRun(this.source, this.destination, this.settings, this.key);
    this.sink.text("verify", JSON.stringify(v));
    return v;
  }

  async entries(): Promise<DestinationEntry[]> {
    const out: DestinationEntry[] = [];
    for await (const e of this.destination.entries()) out.push(e);
    return out;
  }

  async entry(name: string): Promise<DestinationEntry | undefined> {
    const key = this.destination.naming.caseSensitive ? name : name.toLowerCase();
    return (await this.entries()).find((e) => (this.destination.naming.caseSensitive ? e.name : e.name.toLowerCase()) === key);
  }

  writeContext(migrationId = this.settings.migrationId): WriteContext {
    return { fingerprintKey: this.key, mappingHash: "conformance-mapping-hash", migrationId };
  }

  /** The write the run would make of `path`'s current value. */
  async writeOf(path: string, ctx: WriteContext = this.writeContext(), source: FakeSource = this.source): Promise<DestinationWrite> {
    const v = await source.read(path);
    assert.ok(v, `source ${path} exists`);
    return destinationWrite(this.nameOf(path, source), v, ctx);
  }

  /** The stored value is the one the source's current value would be written as. */
  async assertHolds(path: string, source: FakeSource = this.source): Promise<void> {
    const w = await this.writeOf(path, this.writeContext(), source);
    assert.equal(await this.destination.storedFingerprint(w.name), this.destination.expectedFingerprint(w), `${w.name} holds the current value of ${path}`);
  }

  /** A second FakeSource on the same mount (another prefix or another migration's tree). */
  sibling(prefix: string): FakeSource {
    return new FakeSource({ mount: this.source.mount, kvVersion: this.source.kvVersion, prefix });
  }
}

/** One case of the suite. */
export interface ConformanceCase {
  readonly id: string;
  readonly title: string;
  /** Source KV versions it runs with (each gets its own case folder); default the suite's. */
  readonly kvVersions?: readonly KvVersion[];
  /** Whether the manifest allows it; default always. */
  readonly when?: (caps: DestinationCapabilities) => boolean;
  run(h: Harness): Promise<void>;
}

function brief(items: readonly PlanItem[]): string[] {
  return items.map((i) => `${i.action} ${i.destinationName}: ${i.reason}`);
}

function data(h: Harness, label: string, keys = 1): SecretData {
  const d: SecretData = {};
  for (let i = 0; i < keys; i++) d[keys === 1 ? "value" : `k${i}`] = h.value(`${label}${keys === 1 ? "" : `-${i}`}`);
  return d;
}

/** Seeds `apps/db` (two keys), `apps/api` (one key, custom_metadata on KV v2) and `apps/nested/deep/key`. */
function seedTree(h: Harness): string[] {
  const apps = `${h.base}/apps`;
  h.source.put(`${apps}/db`, data(h, "db", 2));
  h.source.put(`${apps}/api`, data(h, "api"), { customMetadata: { owner: "team-a" } });
  h.source.put(`${apps}/nested/deep/key`, data(h, "deep"));
  return [`${apps}/api`, `${apps}/db`, `${apps}/nested/deep/key`];
}

export const CONFORMANCE_CASES: readonly ConformanceCase[] = [
  {
    id: "capabilities",
    title: "capabilities: declares the manifest this suite was told (which decides the cases below)",
    kvVersions: [2],
    async run(h) {
      const caps = await h.destination.capabilities();
      assert.deepEqual(caps, h.options.capabilities);
    },
  },
  {
    id: "create",
    title: "create: plans each new secret, writes it with its markers, reads it back equal",
    async run(h) {
      const paths = seedTree(h);
      const { plan, report } = await h.run();
      assert.deepEqual(plan.problems, []);
      assert.deepEqual(brief(plan.plan.items), paths.map((p) => `create ${h.nameOf(p)}: new in source`).sort());
      assert.equal(report.counts.created, 3, JSON.stringify(report.items));
      assert.equal(report.counts.failed, 0);
      for (const p of paths) await h.assertHolds(p);
      const listed = await h.entries();
      for (const p of paths) {
        const e = listed.find((x) => x.name === h.nameOf(p));
        assert.ok(e, `${h.nameOf(p)} is listed`);
        assert.equal(e.markers?.sourcePath, `${h.source.mount}/${p}`);
        assert.equal(e.markers?.migrationId, h.settings.migrationId);
        assert.equal(e.enabled, true);
      }
    },
  },
  {
    id: "noop",
    title: "no-op: a re-plan of a copied tree has nothing pending, writes nothing, and verifies every copy",
    async run(h) {
      seedTree(h);
      await h.run();
      const writes = h.changes.write;
      const again = await h.plan();
      assert.deepEqual(brief(again.plan.items), []);
      assert.equal(again.plan.inSync, 3);
      assert.deepEqual(again.plan.orphaned, []);
      const report = await h.apply(again);
      assert.equal(report.items.length, 0);
      const v = await h.verify();
      assert.deepEqual(brief(v.drift), []);
      assert.equal(v.verified, 3);
      assert.equal(h.changes.write, writes, "no write on a no-change run");
      assert.equal(h.changes.remove, 0);
    },
  },
  {
    id: "update",
    title: "update: a changed source value (and, on KV v2, metadata alone) is planned with its reason, written and verified",
    async run(h) {
      const [api, db] = seedTree(h) as [string, string, string];
      await h.run();
      h.source.put(db, data(h, "db2", 2));
      const p = await h.plan();
      const reason = h.source.kvVersion === 2 ? "source version changed" : "source value changed";
      assert.deepEqual(brief(p.plan.items), [`update ${h.nameOf(db)}: ${reason}`]);
      const r = await h.apply(p);
      assert.equal(r.counts.updated, 1, JSON.stringify(r.items));
      await h.assertHolds(db);
      if (h.source.kvVersion === 2) {
        h.source.setCustomMetadata(api, { owner: "team-b" });
        const m = await h.plan();
        assert.deepEqual(brief(m.plan.items), [`update ${h.nameOf(api)}: source metadata changed`]);
        assert.equal((await h.apply(m)).counts.updated, 1);
        await h.assertHolds(api);
      }
      assert.deepEqual(brief((await h.plan()).plan.items), [], "converged");
    },
  },
  {
    id: "hand-edit",
    title: "hand edit seen: a value set outside the migration is drift, and applying the drift repairs it",
    async run(h) {
      const [api] = seedTree(h) as [string, string, string];
      await h.run();
      const name = h.nameOf(api);
      await h.target.editByHand(name, h.value("hand"));
      const v = await h.verify();
      assert.deepEqual(v.drift.map((i) => `${i.action} ${i.destinationName}: ${i.reason}`), [`update ${name}: destination changed by hand`]);
      // What `pulumi up` after a refresh does: apply the drift.
      const r = await h.apply(await h.plan(), {}, h.source, v.drift);
      assert.equal(r.counts.updated, 1, JSON.stringify(r.items));
      await h.assertHolds(api);
      assert.deepEqual(brief((await h.verify()).drift), [], "repaired");
    },
  },
  {
    id: "foreign",
    title: "foreign secret refused: a mapped name that exists and is not ours is refused and untouched; overwrite takes it over",
    async run(h) {
      const apps = `${h.base}/apps`;
      h.source.put(`${apps}/mine`, data(h, "mine"));
      h.source.put(`${apps}/taken`, data(h, "taken"));
      const taken = h.nameOf(`${apps}/taken`);
      await h.target.seedForeign(taken, h.value("foreign"));
      // A foreign secret no source maps to, among our names: never a delete candidate.
      const stranger = h.nameOf(`${apps}/stranger`);
      await h.target.seedForeign(stranger, h.value("stranger"));
      const before = await h.destination.storedFingerprint(taken);
      assert.ok(before, "the foreign secret is readable");
      const { plan, report } = await h.run({ deletionPolicy: "delete" });
      assert.deepEqual(brief(plan.plan.items), [`create ${h.nameOf(`${apps}/mine`)}: new in source`, `refuse ${taken}: destination exists and was not created by this migration`].sort());
      assert.equal(report.counts.created, 1);
      assert.equal(h.changes.write, 1, "only the free name was written");
      assert.equal(h.changes.remove, 0, "nothing removed");
      assert.equal(await h.destination.storedFingerprint(taken), before, "the foreign secret is unchanged");
      assert.ok(await h.destination.storedFingerprint(stranger), "the unmapped foreign secret is still there");
      const over = await h.run({ existing: "overwrite" });
      assert.deepEqual(brief(over.plan.plan.items), [`update ${taken}: overwriting existing destination secret`]);
      assert.equal(over.report.counts.updated, 1, JSON.stringify(over.report.items));
      await h.assertHolds(`${apps}/taken`);
      assert.deepEqual(brief((await h.plan()).plan.items), [], "ours from now on");
    },
  },
  {
    id: "appeared",
    title: "appeared since planning: a secret someone else writes under a name planned as a create is refused at apply and kept, the other creates land, and the next plan refuses it",
    kvVersions: [2],
    async run(h) {
      const apps = `${h.base}/apps`;
      h.source.put(`${apps}/free`, data(h, "free", 2));
      h.source.put(`${apps}/taken`, data(h, "taken"));
      const soft = h.options.capabilities.softDelete;
      if (soft) h.source.put(`${apps}/binned`, data(h, "binned"));
      const names = { free: h.nameOf(`${apps}/free`), taken: h.nameOf(`${apps}/taken`), binned: h.nameOf(`${apps}/binned`) };
      const plan = await h.plan();
      assert.deepEqual(brief(plan.plan.items), [names.free, names.taken, ...(soft ? [names.binned] : [])].map((n) => `create ${n}: new in source`).sort());
      // After planning, someone else writes one planned name (and, where soft delete exists, writes and deletes another).
      await h.target.seedForeign(names.taken, h.value("stranger"));
      if (soft) {
        assert.ok(h.target.softDeleteForeign, "a destination declaring softDelete offers the softDeleteForeign hook");
        await h.target.softDeleteForeign(names.binned, h.value("binned-stranger"));
      }
      const before = await h.destination.storedFingerprint(names.taken);
      assert.ok(before, "the stranger's secret is readable");
      const report = await h.apply(plan);
      assert.equal(report.counts.created, 1, JSON.stringify(report.items));
      const failed = report.items.filter((i) => i.result === "failed");
      assert.deepEqual(failed.map((i) => i.destinationName).sort(), [names.taken, ...(soft ? [names.binned] : [])].sort());
      for (const f of failed) assert.match(f.error ?? "", /was absent when planned and now exists, not written by this migration; nothing was overwritten/, f.destinationName);
      assert.equal(await h.destination.storedFingerprint(names.taken), before, "the stranger's value is kept");
      assert.equal((await h.entry(names.taken))?.markers, undefined, "and carries no markers of ours");
      if (soft) {
        assert.equal((await h.entry(names.binned))?.deleted, true, "the stranger's deleted secret is not recovered");
        assert.equal(await h.destination.storedFingerprint(names.binned), undefined);
      }
      await h.assertHolds(`${apps}/free`);
      // The next run plans them again: someone else's now, so `existing: fail` refuses them.
      const again = await h.plan();
      assert.deepEqual(
        brief(again.plan.items),
        [names.taken, ...(soft ? [names.binned] : [])].map((n) => `refuse ${n}: destination exists and was not created by this migration`).sort(),
      );
    },
  },
  {
    id: "re-create",
    title: "removed name: a copy removed earlier is listed only as soft-deleted (with our markers) or not at all, reads as absent, and the next run creates it again",
    async run(h) {
      const [api] = seedTree(h) as [string, string, string];
      await h.run();
      const name = h.nameOf(api);
      await h.destination.remove(name);
      const removed = await h.entry(name);
      if (h.options.capabilities.softDelete) {
        assert.equal(removed?.deleted, true, "listed as soft-deleted once removed");
        assert.equal(removed.markers?.migrationId, h.settings.migrationId, "still carrying our markers");
      } else {
        assert.equal(removed, undefined, "not listed once removed");
      }
      assert.equal(await h.destination.storedFingerprint(name), undefined);
      const p = await h.plan();
      assert.deepEqual(brief(p.plan.items), [`create ${name}: new in source`]);
      const r = await h.apply(p);
      assert.equal(r.counts.created, 1, JSON.stringify(r.items));
      await h.assertHolds(api);
      assert.deepEqual(brief((await h.plan()).plan.items), []);
    },
  },
  {
    id: "soft-deleted-foreign",
    title: "soft-deleted name: a foreign secret soft-deleted under a mapped name is existing: refused and left deleted by default; overwrite recovers and replaces it",
    kvVersions: [2],
    when: (caps) => caps.softDelete,
    async run(h) {
      const path = `${h.base}/apps/recycled`;
      const fresh = `${h.base}/apps/fresh`;
      h.source.put(path, data(h, "recycled"));
      h.source.put(fresh, data(h, "fresh"));
      const name = h.nameOf(path);
      assert.ok(h.target.softDeleteForeign, "a destination declaring softDelete offers the softDeleteForeign hook");
      await h.target.softDeleteForeign(name, h.value("deleted-foreign"));
      const listed = await h.entry(name);
      assert.equal(listed?.deleted, true, "a soft-deleted secret is listed, flagged deleted");
      assert.notEqual(listed.markers?.migrationId, h.settings.migrationId);
      const { plan, report } = await h.run();
      assert.deepEqual(brief(plan.plan.items), [`create ${h.nameOf(fresh)}: new in source`, `refuse ${name}: destination exists and was not created by this migration`].sort());
      assert.match(plan.plan.items.find((i) => i.action === "refuse")?.detail ?? "", /soft-deleted/, "the refusal says the name is soft-deleted");
      assert.equal(report.counts.created, 1, JSON.stringify(report.items));
      assert.equal(h.changes.write, 1, "only the free name was written");
      assert.equal((await h.entry(name))?.deleted, true, "not recovered");
      assert.equal(await h.destination.storedFingerprint(name), undefined, "nothing readable under the name");
      const over = await h.run({ existing: "overwrite" });
      assert.deepEqual(brief(over.plan.plan.items), [`update ${name}: overwriting existing destination secret`]);
      assert.equal(over.report.counts.updated, 1, JSON.stringify(over.report.items));
      await h.assertHolds(path);
      const ours = await h.entry(name);
      assert.equal(ours?.deleted, undefined, "live again");
      assert.equal(ours?.markers?.migrationId, h.settings.migrationId);
      assert.deepEqual(brief((await h.plan()).plan.items), [], "ours from now on");
    },
  },
  {
    id: "remove",
    title: "remove: orphans and deletionPolicy delete act only on this migration's copies in its scope (secret/…/apps, not …/apps2)",
    kvVersions: [2],
    async run(h) {
      const apps = `${h.base}/apps`;
      h.source.put(`${apps}/keep`, data(h, "keep"));
      h.source.put(`${apps}/gone`, data(h, "gone"));
      await h.run();
      // Same migration id, a sibling prefix: out of scope with the `/` boundary.
      const apps2 = h.sibling(`${h.base}/apps2`);
      apps2.put(`${h.base}/apps2/gone`, data(h, "apps2"));
      await h.run({ prefix: `${h.base}/apps2` }, apps2);
      // Another migration writing under the same prefix.
      const other = h.sibling(apps);
      other.put(`${apps}/theirs`, data(h, "theirs"));
      await h.run({ migrationId: `${h.settings.migrationId}-other` }, other);
      const names = { keep: h.nameOf(`${apps}/keep`), gone: h.nameOf(`${apps}/gone`), apps2: h.nameOf(`${h.base}/apps2/gone`, apps2), theirs: h.nameOf(`${apps}/theirs`, other) };
      h.source.remove(`${apps}/gone`);

      const kept = await h.plan();
      assert.deepEqual(brief(kept.plan.items), []);
      assert.deepEqual(brief(kept.plan.orphaned), [`orphan ${names.gone}: source deleted (kept, orphaned)`]);
      const orphanReport = await h.apply(kept);
      assert.equal(orphanReport.counts.orphaned, 1);
      const removals = h.changes.remove;
      const del = await h.plan({ deletionPolicy: "delete" });
      assert.deepEqual(brief(del.plan.items), [`delete ${names.gone}: source deleted (deletionPolicy: delete)`]);
      const r = await h.apply(del, { deletionPolicy: "delete" });
      assert.equal(r.counts.deleted, 1, JSON.stringify(r.items));
      assert.equal(h.changes.remove, removals + 1, "one removal");
      const gone = await h.entry(names.gone);
      assert.ok(gone === undefined || gone.deleted === true, "not listed, or listed as soft-deleted");
      assert.equal(await h.destination.storedFingerprint(names.gone), undefined);
      for (const n of [names.keep, names.apps2, names.theirs]) assert.ok(await h.destination.storedFingerprint(n), `${n} is kept`);
      // Absent is not an error, twice over.
      await h.destination.remove(names.gone);
      await h.destination.remove(h.nameOf(`${apps}/never-written`));
      assert.deepEqual(brief((await h.plan({ deletionPolicy: "delete" })).plan.items), [], "converged");
    },
  },
  {
    id: "markers",
    title: "markers round-trip: what a write carries is what entries() lists, and a repeated write changes nothing",
    async run(h) {
      const path = `${h.base}/apps/marked`;
      h.source.put(path, data(h, "marked", 2), { customMetadata: { owner: "team-m", tier: "gold" } });
      const w = await h.writeOf(path);
      await h.destination.write(w);
      const e = await h.entry(w.name);
      assert.ok(e, "listed");
      assert.equal(e.name, w.name);
      assert.deepEqual(
        { ...e.markers, migratedOn: undefined },
        {
          origin: MIGRATED_FROM,
          sourcePath: fullSourcePath(w.source),
          ...(w.source.kvVersion === 2 ? { sourceVersion: w.source.currentVersion } : {}),
          fingerprint: w.fingerprint,
          mappingHash: w.mappingHash,
          metadataHash: sourceMetadataHash(w.source),
          migrationId: w.migrationId,
          migratedOn: undefined,
        },
      );
      assert.equal(await h.destination.storedFingerprint(w.name), h.destination.expectedFingerprint(w));
      await h.destination.write(w);
      assert.deepEqual((await h.entry(w.name))?.markers, e.markers, "a repeated write leaves the same markers");
      assert.equal(await h.destination.storedFingerprint(w.name), h.destination.expectedFingerprint(w));
    },
  },
  {
    id: "warnings",
    title: "warnings returned: custom_metadata beyond the destination's limits comes back as warnings naming the secret, and reaches the report",
    kvVersions: [2],
    async run(h) {
      const path = `${h.base}/apps/labelled`;
      h.source.put(path, data(h, "labelled"), { customMetadata: { ...(h.options.overLimitMetadata ?? DEFAULT_OVER_LIMIT) } });
      const name = h.nameOf(path);
      const plan = await h.plan();
      const seen: string[] = [];
      const report = await applyRun({ items: plan.plan.items, source: h.source, destination: h.destination, fingerprintKey: h.key, mappingHash: plan.mappingHash, migrationId: h.settings.migrationId, concurrency: 2, onWarning: (w) => seen.push(...w) });
      h.sink.report("report", report);
      assert.equal(report.counts.created, 1, JSON.stringify(report.items));
      assert.ok(report.warnings.length > 0, "the report carries the warnings");
      assert.deepEqual(seen, report.warnings, "onWarning saw the same");
      for (const w of report.warnings) assert.ok(w.includes(name) || w.includes(`${h.source.mount}/${path}`), `the warning names the secret: ${w}`);
      await h.assertHolds(path);
    },
  },
  {
    id: "names",
    title: "names: the declared case rule is the server's, and an invalid name is refused by validate and write, naming it",
    kvVersions: [2],
    async run(h) {
      const path = `${h.base}/apps/MiXed`;
      h.source.put(path, data(h, "mixed"));
      const w = await h.writeOf(path);
      await h.destination.write(w);
      assert.equal((await h.entry(w.name))?.name, w.name, "listed with its casing");
      const other = await h.destination.storedFingerprint(w.name.toLowerCase());
      if (h.destination.naming.caseSensitive) assert.equal(other, undefined, "case-sensitive: another name");
      else assert.equal(other, h.destination.expectedFingerprint(w), "case-insensitive: the same secret");
      const bad: DestinationWrite = { ...w, name: "" };
      assert.equal(h.destination.naming.isValid(""), false);
      const problem = h.destination.validate(bad);
      assert.ok(problem, "validate refuses an empty name");
      await assert.rejects(h.destination.write(bad), (e: unknown) => e instanceof Error && e.message.includes(h.destination.location.split(" ")[0] ?? ""), "write refuses it with an Error naming the destination");
    },
  },
  {
    id: "value-checks",
    title:
      "value checks: the preview's checks read each pending value once, or none when the destination checks names alone (as declared: validateWithoutValue, agreeing with validate, no notices); up's checks and copy then read each at most twice, once when by name",
    kvVersions: [2],
    async run(h) {
      const byName = h.options.checksByName === true;
      assert.equal(typeof h.destination.validateWithoutValue === "function", byName, `the destination ${byName ? "checks" : "does not check"} names alone, as declared`);
      const apps = `${h.base}/apps`;
      for (const n of ["a", "b", "c"]) h.source.put(`${apps}/${n}`, data(h, n));
      const before = h.source.counters.valueReads;
      const plan = await h.plan();
      assert.deepEqual(plan.problems, []);
      assert.equal(h.source.counters.valueReads - before, byName ? 0 : 3, "values read by the preview's checks");
      if (byName) {
        assert.equal(h.destination.notices, undefined, "no notices: they would need the values");
        const check = h.destination.validateWithoutValue as NonNullable<MigrationDestination["validateWithoutValue"]>;
        for (const n of ["a", "b", "c"]) {
          const w = await h.writeOf(`${apps}/${n}`);
          assert.equal(check(w.name, fullSourcePath(w.source)), h.destination.validate(w), "agrees with validate");
        }
        const w = await h.writeOf(`${apps}/a`);
        const problem = check("", fullSourcePath(w.source));
        assert.ok(problem?.includes(fullSourcePath(w.source)), "an invalid name is refused, naming the source path");
        assert.equal(h.destination.validate({ ...w, name: "" }) !== undefined, true, "as validate refuses it");
      }
      const atApply = h.source.counters.valueReads;
      const report = await h.apply(plan);
      assert.equal(report.counts.created, 3, JSON.stringify(report.items));
      assert.equal(h.source.counters.valueReads - atApply, byName ? 3 : 6, "values read by up's checks and the copy");
      for (const n of ["a", "b", "c"]) await h.assertHolds(`${apps}/${n}`);
    },
  },
  {
    id: "value-limit",
    title: "value limit: a value over maxValueBytes fails planning naming the path and size; applying that plan anyway (up --skip-preview) refuses the whole run before its first write; without it the rest is copied",
    kvVersions: [2],
    when: (caps) => caps.maxValueBytes !== undefined,
    async run(h) {
      const limit = h.options.capabilities.maxValueBytes as number;
      const apps = `${h.base}/apps`;
      const big = h.value("big");
      h.source.put(`${apps}/big`, { value: big + "x".repeat(limit) });
      h.sink.values.push(big + "x".repeat(limit));
      h.source.put(`${apps}/small`, data(h, "small"));
      const plan = await h.plan();
      assert.equal(plan.problems.length, 1, JSON.stringify(plan.problems));
      assert.ok((plan.problems[0] as string).includes(`${h.source.mount}/${apps}/big`), "the problem names the path");
      assert.ok(/\d{4,}/.test(plan.problems[0] as string), "and the size");
      await assert.rejects(h.apply(plan), (e: Error) => e.message.startsWith("nothing was written; 1 problem(s)") && e.message.includes(`${h.source.mount}/${apps}/big`));
      assert.equal(await h.destination.storedFingerprint(h.nameOf(`${apps}/big`)), undefined, "never written");
      assert.equal(await h.destination.storedFingerprint(h.nameOf(`${apps}/small`)), undefined, "nor the valid value beside it");
      await assert.rejects(h.destination.write(await h.writeOf(`${apps}/big`)));
      assert.equal(await h.destination.storedFingerprint(h.nameOf(`${apps}/big`)), undefined);
      // The oversize value gone from the source, the next run copies the rest.
      h.source.remove(`${apps}/big`);
      const rerun = await h.apply(await h.plan());
      assert.equal(rerun.counts.created, 1);
      assert.equal(rerun.counts.failed, 0);
      await h.assertHolds(`${apps}/small`);
    },
  },
];

let caseCounter = 0;

/**
 * Runs one case against a fresh destination from `factory`; the sink collects what the leak scan
 * reads. Exported so the suite's own tests can run a case against a broken destination.
 */
export async function runConformanceCase(c: ConformanceCase, kvVersion: KvVersion, factory: ConformanceFactory, options: ConformanceOptions, sink: LeakSink): Promise<void> {
  const base = `${c.id}-v${kvVersion}-${(caseCounter++).toString(36)}`;
  const key = randomBytes(24).toString("base64");
  const source = new FakeSource({ mount: kvVersion === 2 ? "secret" : "kv1src", kvVersion, prefix: `${base}/apps` });
  const settings = withDefaults({ migrationId: `conformance/${base}`, mount: source.mount, prefix: `${base}/apps`, kvVersion, concurrency: 4 });
  const target = await factory({ fingerprintKey: key, settings, source });
  try {
    await c.run(new Harness({ key, settings, source, target, sink, options, base }));
  } finally {
    await target.teardown();
  }
}

/** Registers the suite (mocha `describe`/`it`) for one destination. */
export function destinationConformance(name: string, factory: ConformanceFactory, options: ConformanceOptions): void {
  describe(`destination conformance: ${name}`, function () {
    const sink = new LeakSink();
    const versions = options.sourceKvVersions ?? [2, 1];
    // The manifest is static (told by the caller; the `capabilities` case checks the destination
    // declares it): mocha registers tests before any hook runs, so a case cannot wait for the server.
    for (const c of CONFORMANCE_CASES) {
      if (c.when && !c.when(options.capabilities)) continue;
      const own = (c.kvVersions ?? versions).filter((x) => versions.includes(x));
      for (const v of own) {
        it(`${c.title}${own.length > 1 ? ` [KV v${v} source]` : ""}`, () => runConformanceCase(c, v, factory, options, sink));
      }
    }
    it("leak scan: no seeded value, nor its SHA-256, in any error, warning, listing, plan or report", () => {
      assert.ok(sink.texts.length > 0, "something was recorded");
      assert.ok(sink.errors > 0, "errors were provoked and scanned");
      assert.ok(sink.warnings > 0, "warnings were returned and scanned");
      sink.assertNoLeaks();
    });
  });
}
