// The conformance suite tested against destinations broken on purpose, as abstract-level tests its
// suite in test/self.js: each case must fail on the defect it exists to catch, so a driver that
// passes the suite has shown the behaviour rather than slipped through a vacuous check.
import * as assert from "node:assert/strict";
import { CONFORMANCE_CASES, LeakSink, runConformanceCase, type ConformanceFactory, type ConformanceOptions } from "../../conformance/destinationSuite";
import type { DestinationEntry } from "../../../src/engine";
import type { MigrationDestination } from "../../../src/migration/destination";
import { FakeDestination, type FakeDestinationOptions } from "../../doubles/fakeDestination";

const OPTIONS: ConformanceOptions = { capabilities: { softDelete: true, versions: true, checkAndSet: false, metadata: true, expiry: true } };

/** The fake, seen through `change`: a destination that differs from a correct one in one way. */
function factory(change: (d: FakeDestination) => Partial<MigrationDestination>, options: Omit<FakeDestinationOptions, "fingerprintKey"> = {}): ConformanceFactory {
  return async ({ fingerprintKey }) => {
    const fake = new FakeDestination({ ...options, fingerprintKey });
    const over = change(fake);
    const destination: MigrationDestination = {
      kind: fake.kind,
      location: fake.location,
      naming: over.naming ?? fake.naming,
      capabilities: over.capabilities ?? (() => fake.capabilities()),
      entries: over.entries ?? (() => fake.entries()),
      inspectUnmarked: over.inspectUnmarked ?? ((e) => fake.inspectUnmarked(e)),
      validate: over.validate ?? ((w) => fake.validate(w)),
      write: over.write ?? ((w) => fake.write(w)),
      expectedFingerprint: over.expectedFingerprint ?? ((w) => fake.expectedFingerprint(w)),
      storedFingerprint: over.storedFingerprint ?? ((n) => fake.storedFingerprint(n)),
      remove: over.remove ?? ((n) => fake.remove(n)),
      close: () => fake.close(),
    };
    return {
      destination,
      seedForeign: async (name, value) => fake.seedForeign(name, { value }),
      editByHand: async (name, value) => fake.editByHand(name, { value }),
      softDeleteForeign: async (name, value) => {
        fake.seedForeign(name, { value });
        fake.softDelete(name);
      },
      teardown: () => fake.close(),
    };
  };
}

async function* hideDeleted(entries: AsyncIterable<DestinationEntry>): AsyncGenerator<DestinationEntry> {
  for await (const e of entries) if (!e.deleted) yield e;
}

function kase(id: string) {
  const c = CONFORMANCE_CASES.find((x) => x.id === id);
  assert.ok(c, `case ${id} exists`);
  return c;
}

async function fails(id: string, f: ConformanceFactory, pattern: RegExp, kvVersion: 1 | 2 = 2): Promise<void> {
  await assert.rejects(runConformanceCase(kase(id), kvVersion, f, OPTIONS, new LeakSink()), pattern);
}

describe("the conformance suite catches broken destinations", () => {
  it("the correct fake passes every case the manifest allows (the baseline for the cases below)", async () => {
    const sink = new LeakSink();
    for (const c of CONFORMANCE_CASES.filter((x) => !x.when || x.when(OPTIONS.capabilities))) await runConformanceCase(c, 2, factory(() => ({})), OPTIONS, sink);
    sink.assertNoLeaks();
  });

  it("capabilities: a manifest other than the one declared", async () => {
    await fails("capabilities", factory((d) => ({ capabilities: async () => ({ ...(await d.capabilities()), checkAndSet: true }) })), /Expected values to be strictly deep-equal/);
  });

  it("markers: a write that drops the migration id", async () => {
    const dropId = (d: FakeDestination): Partial<MigrationDestination> => ({ write: (w) => d.write({ ...w, migrationId: "" }) });
    await fails("markers", factory(dropId), /Expected values to be strictly deep-equal/);
    // …so the planner cannot prove they are ours: every run rewrites them to stamp the id.
    await fails("noop", factory(dropId), /destination markers incomplete/);
  });

  it("no-op: a destination that stores a stale fingerprint marker (seen where the source has no versions)", async () => {
    await fails("noop", factory((d) => ({ write: (w) => d.write({ ...w, fingerprint: "stale" }) })), /source value changed/, 1);
  });

  it("remove: a remove that leaves the secret in place", async () => {
    await fails("remove", factory(() => ({ remove: async () => undefined })), /not listed, or listed as soft-deleted/);
    await fails("re-create", factory(() => ({ remove: async () => undefined })), /listed as soft-deleted once removed/);
  });

  it("soft-deleted name: a listing that hides soft-deleted names (the planner would recover and overwrite a stranger's secret)", async () => {
    const liveOnly = (d: FakeDestination): Partial<MigrationDestination> => ({ entries: () => hideDeleted(d.entries()) });
    await fails("soft-deleted-foreign", factory(liveOnly), /listed, flagged deleted/);
  });

  it("appeared since planning: a destination that overwrites whatever a create finds (expectAbsent ignored)", async () => {
    await fails("appeared", factory((d) => ({ write: (w) => d.write({ ...w, expectAbsent: false }) })), /apps\/taken","action":"create","result":"created"/);
  });

  it("hand edit: a destination that cannot see edits (no version history)", async () => {
    await fails("hand-edit", factory((d) => ({ inspectUnmarked: async (e) => e, storedFingerprint: async (n) => (d.value(n) ? "constant" : undefined), expectedFingerprint: () => "constant" })), /Expected values/);
  });

  it("names: a case-insensitive server declared case-sensitive", async () => {
    await fails("names", factory((d) => ({ naming: { ...d.naming, caseSensitive: true } }), { caseSensitive: false }), /case-sensitive: another name/);
  });

  it("leak scan: a warning that quotes the value", async () => {
    const leaky = factory((d) => ({
      write: async (w) => {
        const r = await d.write(w);
        return { warnings: [...r.warnings, `${w.name}: stored ${JSON.stringify(w.data)}`] };
      },
    }));
    const sink = new LeakSink();
    await runConformanceCase(kase("create"), 2, leaky, OPTIONS, sink);
    assert.throws(() => sink.assertNoLeaks(), /seeded value #\d+ \(value\) appears in warning of write/);
  });

  it("leak scan: an error that carries the SHA-256 of the value", async () => {
    const { createHash } = await import("node:crypto");
    const hashing = factory((d) => ({
      validate: (w) => (w.name === "" ? `bad name for ${createHash("sha256").update(String(Object.values(w.data)[0])).digest("hex")}` : d.validate(w)),
    }));
    const sink = new LeakSink();
    await runConformanceCase(kase("names"), 2, hashing, OPTIONS, sink).catch(() => undefined);
    assert.throws(() => sink.assertNoLeaks(), /\(sha256 hex\) appears in validate/);
  });
});
