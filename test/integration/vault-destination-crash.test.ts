// Crash safety of Vault/OpenBao destination writes (issue #24): a fault-injecting proxy between
// the destination and a real OpenBao stops the apply after each request in turn (and, separately,
// loses each request's answer); the next run, through the normal plan → apply code, must
// recognise what it finds as ours, finish it, and end with exactly the versions the copy needs.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { writeKvSecret } from "../../src/clients/vault/kv";
import { VaultClient } from "../../src/clients/vault/VaultClient";
import { fingerprint } from "../../src/engine";
import { applyRun } from "../../src/migration/applyRun";
import type { MigrationDestination } from "../../src/migration/destination";
import { openDestination, type VaultDestinationSpec } from "../../src/migration/destinations";
import { planRun } from "../../src/migration/planRun";
import { withDefaults, type MigrationSettings } from "../../src/migration/settings";
import { VaultSource } from "../../src/migration/vaultSource";
import { startFaultProxy, type FaultProxy, type FaultRule } from "../support/faultProxy";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets } from "../support/pulumi";

type Meta = { current_version: number; versions: Record<string, unknown>; custom_metadata: Record<string, string> | null };

interface Scenario {
  readonly label: string;
  readonly kv: 1 | 2;
  readonly replay?: boolean;
  /** Source versions written before the first (clean) run; 0 = no clean run (the faulty run is the first copy). */
  readonly before: number;
  /** Source versions in all. */
  readonly total: number;
  /** KV v2 destination versions the copy needs. */
  readonly versions?: number;
}

const SCENARIOS: readonly Scenario[] = [
  { label: "kv2-create", kv: 2, before: 0, total: 1, versions: 1 },
  { label: "kv2-update", kv: 2, before: 1, total: 2, versions: 2 },
  // A replay of two new source versions on top of the copy of the first.
  { label: "kv2-replay", kv: 2, replay: true, before: 1, total: 3, versions: 3 },
  // A replay with no older version to write: an interrupted one must not replay the history again.
  { label: "kv2-replay-one", kv: 2, replay: true, before: 2, total: 3, versions: 3 },
  { label: "kv1-create", kv: 1, before: 0, total: 1 },
  { label: "kv1-update", kv: 1, before: 1, total: 2 },
];

describe("Vault/OpenBao destination writes stopped between any two requests (fault proxy, real OpenBao)", function () {
  this.timeout(600_000);
  let bao: OpenBaoServer;
  let proxy: FaultProxy;
  const key = randomBytes(32).toString("base64");
  const seeded: string[] = [];
  const texts: string[] = [];

  before(async () => {
    bao = await startOpenBaoDev(); // mounts kv1 (KV v1) and kv2 (KV v2); secret/ is KV v2
    proxy = await startFaultProxy(bao.address);
  });
  after(async () => {
    await proxy?.close();
    await bao?.stop();
  });

  const meta = async (path: string): Promise<Meta> => (await vaultRequest<{ data: Meta }>(bao, "GET", path))!.data;
  const read2 = async (path: string): Promise<Record<string, string>> => (await vaultRequest<{ data: { data: Record<string, string> } }>(bao, "GET", path))!.data.data;
  const read1 = async (path: string): Promise<Record<string, string>> => (await vaultRequest<{ data: Record<string, string> }>(bao, "GET", path))!.data;

  /** One migration of `secret/<folder>/` into `<mount>/<folder>`, via the proxy or straight. */
  async function open(s: Scenario, folder: string, via: "proxy" | "direct"): Promise<{ settings: MigrationSettings; source: VaultSource; dest: MigrationDestination }> {
    const settings = withDefaults({ migrationId: "test/crash", mount: "secret", prefix: `${folder}/`, rules: [{ match: "**", name: "{path}" }], concurrency: 1 });
    const source = await VaultSource.open({ address: bao.address, auth: { method: "token", token: bao.rootToken } }, settings);
    const spec: VaultDestinationSpec = { kind: "vault", address: via === "proxy" ? proxy.address : bao.address, mount: `kv${s.kv}`, prefix: folder, ...(s.replay ? { replayVersions: true } : {}) };
    const dest = openDestination({ spec, credentials: { auth: { method: "token", token: bao.rootToken } } }, { fingerprintKey: key, settings, source });
    return { settings, source, dest };
  }

  /** Plans and applies; `rule` (on the proxy) applies to the apply only. Returns the reasons planned and the failures. */
  async function run(s: Scenario, folder: string, via: "proxy" | "direct", rule?: FaultRule): Promise<{ reasons: string[]; refused: string[]; failed: number; fired: boolean }> {
    const { settings, source, dest } = await open(s, folder, via);
    try {
      proxy.reset();
      const { plan, mappingHash, problems } = await planRun(source, dest, settings, key);
      assert.deepEqual(problems, []);
      proxy.reset(rule);
      const report = await applyRun({ items: plan.items, source, destination: dest, fingerprintKey: key, mappingHash, migrationId: settings.migrationId, concurrency: 1 });
      texts.push(JSON.stringify(plan), JSON.stringify(report));
      const fired = proxy.fired;
      proxy.reset();
      return {
        reasons: plan.items.map((i) => `${i.action}: ${i.reason}`),
        refused: plan.items.filter((i) => i.action === "refuse").map((i) => `${i.destinationName}: ${i.reason}`),
        failed: report.counts.failed ?? 0,
        fired,
      };
    } finally {
      await Promise.all([source.close(), dest.close()]);
    }
  }

  async function seedVersion(folder: string, i: number): Promise<void> {
    const v = `cr4sh-${folder}-${i}-${randomBytes(6).toString("hex")}`;
    seeded.push(v);
    await vaultRequest(bao, "POST", `secret/data/${folder}/s`, { data: { v } });
  }

  /** The copy is whole: the source's value, our markers, exactly the versions needed, in order. */
  async function assertConverged(s: Scenario, folder: string): Promise<void> {
    const again = await run(s, folder, "direct");
    assert.deepEqual(again.reasons, [], `${folder}: nothing left to do`);
    const source = await read2(`secret/data/${folder}/s`);
    if (s.kv === 2) {
      const m = await meta(`kv2/metadata/${folder}/${folder}/s`);
      assert.equal(m.current_version, s.versions, `${folder}: no data version beyond the ones the copy needs`);
      assert.equal(Object.keys(m.versions).length, s.versions);
      assert.equal(m.custom_metadata?.["migration-dest-version"], String(s.versions));
      assert.deepEqual(await read2(`kv2/data/${folder}/${folder}/s`), source);
      if (s.replay) {
        for (let v = 1; v <= s.total; v++) assert.deepEqual(await read2(`kv2/data/${folder}/${folder}/s?version=${v}`), await read2(`secret/data/${folder}/s?version=${v}`), `${folder}: version ${v} replayed in order`);
      }
    } else {
      assert.deepEqual(await read1(`kv1/${folder}/${folder}/s`), source);
      assert.equal((await read1(`kv1/${folder}/.vault-migration/${folder}/s`))["migration-fingerprint"], fingerprint(key, `secret/${folder}/s`, source));
    }
  }

  /** Runs the scenario once with `rule` from request 0, 1, 2… until the faulty run never meets its fault. */
  async function everyStop(s: Scenario, kind: "stop-after" | "lose-answer", check: (r: Awaited<ReturnType<typeof run>>, folder: string) => Promise<string[]>): Promise<string[]> {
    const reasons: string[] = [];
    for (let n = kind === "stop-after" ? 0 : 1; ; n++) {
      const folder = `${s.label}-${kind}-${n}`;
      let i = 1;
      for (; i <= s.before; i++) await seedVersion(folder, i);
      if (s.before > 0) assert.equal((await run(s, folder, "direct")).failed, 0);
      for (; i <= s.total; i++) await seedVersion(folder, i);
      const faulty = await run(s, folder, "proxy", { kind, n });
      reasons.push(...(await check(faulty, folder)));
      await assertConverged(s, folder);
      if (!faulty.fired) {
        // Every stop was tried: the whole write (KV v2: a metadata read, markers, data; KV v1: the
        // value read, marker, value, the check read) fits in n requests.
        assert.ok(n >= (s.kv === 2 ? 3 : 4), `${folder}: the faulty runs met their fault ${n} times`);
        return reasons;
      }
      assert.ok(n < 20, "a write of a single secret takes a handful of requests");
    }
  }

  for (const s of SCENARIOS) {
    it(`${s.label}: a stop after any request, then a re-run: recognised as ours (never refused), finished, no extra version`, async () => {
      const seen = await everyStop(s, "stop-after", async (faulty, folder) => {
        if (faulty.fired) assert.equal(faulty.failed, 1, `${folder}: the stopped write fails`);
        const rerun = await run(s, folder, "direct");
        assert.deepEqual(rerun.refused, [], `${folder}: nothing refused after the stop`);
        assert.equal(rerun.failed, 0);
        return rerun.reasons;
      });
      // Stops between our requests are told apart from hand edits (updates only: a stopped first copy is absent or whole).
      if (s.before > 0) assert.ok(seen.includes("update: destination write interrupted"), `an interrupted write is named as such: ${seen.join("; ")}`);
      assert.ok(!seen.some((r) => r.includes("changed by hand")), `no stop is taken for a hand edit: ${seen.join("; ")}`);
    });

    it(`${s.label}: any one answer lost: the same run finishes the write, no extra version`, async () => {
      await everyStop(s, "lose-answer", async (faulty, folder) => {
        assert.equal(faulty.failed, 0, `${folder}: the write survives a lost answer`);
        return [];
      });
    });
  }

  it("a check-and-set write whose answer was lost is found landed (its version read), not failed nor written twice", async () => {
    await vaultRequest(bao, "POST", "kv2/data/lost/cas", { data: { v: "first" } });
    const client = VaultClient.connect({ address: proxy.address, auth: { method: "token", token: bao.rootToken } });
    try {
      proxy.reset({ kind: "lose-answer", n: 1 });
      const r = await writeKvSecret(client, "kv2", 2, "lost/cas", { v: "second" }, { cas: 1 });
      assert.ok(proxy.fired, "the write's answer was lost");
      assert.equal(proxy.log[0], "PUT /v1/kv2/data/lost/cas");
      assert.equal(proxy.log.filter((l) => l.startsWith("PUT")).length, 1, "not sent twice");
      assert.equal(r.version, 2);
      assert.equal((await meta("kv2/metadata/lost/cas")).current_version, 2);
    } finally {
      proxy.reset();
      await client.close();
    }
  });

  it("a KV v2 copy takes three destination requests per secret, none of them a read back; KV v1 reads its value back", async () => {
    for (const s of [SCENARIOS[0], SCENARIOS[4]] as Scenario[]) {
      const folder = `count-${s.label}`;
      for (let i = 0; i < 3; i++) {
        const v = `c0unt-${s.label}-${i}-${randomBytes(6).toString("hex")}`;
        seeded.push(v);
        await vaultRequest(bao, "POST", `secret/data/${folder}/s${i}`, { data: { v } });
      }
      const { settings, source, dest } = await open(s, folder, "proxy");
      try {
        const { plan, mappingHash } = await planRun(source, dest, settings, key);
        proxy.reset();
        const report = await applyRun({ items: plan.items, source, destination: dest, fingerprintKey: key, mappingHash, migrationId: settings.migrationId, concurrency: 1 });
        assert.equal(report.counts.created, 3);
        const log = [...proxy.log];
        if (s.kv === 2) {
          // Per secret: GET metadata (check-and-set version), PUT metadata (markers), PUT data.
          assert.deepEqual(log.map((l) => l.replace(/\/s\d$/, "/s")), Array.from({ length: 3 }, () => [`GET /v1/kv2/metadata/${folder}/${folder}/s`, `PUT /v1/kv2/metadata/${folder}/${folder}/s`, `PUT /v1/kv2/data/${folder}/${folder}/s`]).flat());
        } else {
          assert.equal(log.filter((l) => l.startsWith(`GET /v1/kv1/${folder}/${folder}/`)).length, 6, "KV v1: the value before and the read back");
        }
      } finally {
        proxy.reset();
        await Promise.all([source.close(), dest.close()]);
      }
    }
  });

  it("no value in plans or reports", () => {
    assertNoSecrets({ "plans and reports": texts.join("\n") }, seeded);
  });
});
