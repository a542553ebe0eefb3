// Issue #22: a Vault → OpenBao KV v2 copy with copyMetadata takes the source's settings
// (max_versions, cas_required, delete_version_after) from the plan, which listed them, instead of
// a source metadata GET per secret at write time. A proxy in front of the SOURCE counts those GETs
// (real OpenBao, plan → apply through the run code); the destination's metadata is read back.
import * as assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import type { PlanItem } from "../../src/engine";
import { applyRun } from "../../src/migration/applyRun";
import { openDestination, type VaultDestinationSpec } from "../../src/migration/destinations";
import { decodePending, encodePending, encodeSourceSettings, withSourceSettings } from "../../src/migration/pendingChanges";
import { planRun } from "../../src/migration/planRun";
import { withDefaults } from "../../src/migration/settings";
import { VaultSource } from "../../src/migration/vaultSource";
import { startFaultProxy, type FaultProxy } from "../support/faultProxy";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";
import { assertNoSecrets } from "../support/pulumi";

type Settings = { max_versions: number; cas_required: boolean; delete_version_after: string };
const DEFAULTS: Settings = { max_versions: 0, cas_required: false, delete_version_after: "0s" };
const NAMES = ["cfg/plain", "cfg/preset", "cfg/tuned"];

describe("Vault → OpenBao copy: source settings from the plan, not a metadata GET per secret (real OpenBao, counting proxy)", function () {
  this.timeout(240_000);
  let bao: OpenBaoServer;
  let proxy: FaultProxy; // in front of the source
  const key = randomBytes(32).toString("base64");
  const seeded: string[] = [];
  const texts: string[] = [];
  const settingsOf = async (path: string): Promise<Settings> => {
    const m = (await vaultRequest<{ data: Settings }>(bao, "GET", path))!.data;
    return { max_versions: m.max_versions, cas_required: m.cas_required, delete_version_after: m.delete_version_after };
  };
  // A secret's metadata, not a folder's LIST (`GET …/metadata/cfg/?list=true`).
  const sourceMetadataGets = (): number => proxy.log.filter((l) => /^GET \/v1\/secret\/metadata\/[^?]*[^/?]$/.test(l)).length;

  before(async () => {
    bao = await startOpenBaoDev(); // secret/ (source) and kv2/ (destination) are KV v2
    proxy = await startFaultProxy(bao.address);
    for (const n of NAMES) {
      const v = `s3ttings-${n}-${randomBytes(6).toString("hex")}`;
      seeded.push(v);
      await vaultRequest(bao, "POST", `secret/data/${n}`, { data: { v } });
    }
    await vaultRequest(bao, "POST", "secret/metadata/cfg/tuned", { max_versions: 5, cas_required: true, delete_version_after: "720h" });
  });
  after(async () => {
    await proxy?.close();
    await bao?.stop();
  });

  /**
   * Plans `secret/cfg/` into `kv2/<folder>/` and applies it with the items `carry` makes of the plan;
   * returns the source metadata GETs of the apply alone. `cfg/preset`'s destination exists beforehand
   * with non-default settings its source does not have.
   */
  async function copy(folder: string, carry: (items: readonly PlanItem[]) => PlanItem[], opts: { replay?: boolean } = {}): Promise<number> {
    // Someone else's secret under the name, with its own settings: overwritten (`existing: overwrite`).
    await vaultRequest(bao, "POST", `kv2/data/${folder}/cfg/preset`, { data: { v: "not-ours" } });
    await vaultRequest(bao, "POST", `kv2/metadata/${folder}/cfg/preset`, { max_versions: 9, cas_required: true, delete_version_after: "48h" });
    const settings = withDefaults({ migrationId: `test/settings-${folder}`, mount: "secret", prefix: "cfg/", rules: [{ match: "**", name: "{path}" }], existing: "overwrite", concurrency: 2 });
    const source = await VaultSource.open({ address: proxy.address, auth: { method: "token", token: bao.rootToken } }, settings);
    const spec: VaultDestinationSpec = { kind: "vault", address: bao.address, mount: "kv2", prefix: folder, ...(opts.replay ? { replayVersions: true } : {}) };
    const dest = openDestination({ spec, credentials: { auth: { method: "token", token: bao.rootToken } } }, { fingerprintKey: key, settings, source });
    try {
      proxy.reset();
      const { plan, mappingHash, problems } = await planRun(source, dest, settings, key);
      assert.deepEqual(problems, []);
      assert.equal(sourceMetadataGets(), NAMES.length, "the inventory reads each source secret's metadata once");
      assert.deepEqual(plan.items.map((i) => `${i.destinationName}: ${i.action}`), ["cfg/plain: create", "cfg/preset: update", "cfg/tuned: create"]);
      proxy.reset();
      const report = await applyRun({ items: carry(plan.items), source, destination: dest, fingerprintKey: key, mappingHash, migrationId: settings.migrationId, concurrency: 2 });
      texts.push(JSON.stringify(plan), JSON.stringify(report));
      assert.equal(report.counts.failed, 0, JSON.stringify(report.items));
      assert.equal(report.counts.created + report.counts.updated, NAMES.length);
      return sourceMetadataGets();
    } finally {
      await Promise.all([source.close(), dest.close()]);
    }
  }

  /** Every copy has exactly its source's settings: defaults as defaults (over the pre-set ones), the rest as set. */
  async function assertSettingsCopied(folder: string): Promise<void> {
    for (const n of NAMES) assert.deepEqual(await settingsOf(`kv2/metadata/${folder}/${n}`), await settingsOf(`secret/metadata/${n}`), `${folder}/${n}`);
    assert.deepEqual(await settingsOf("secret/metadata/cfg/tuned"), { max_versions: 5, cas_required: true, delete_version_after: "720h0m0s" });
    assert.deepEqual(await settingsOf(`kv2/metadata/${folder}/cfg/preset`), DEFAULTS, "the pre-set destination settings are reset to the source's defaults");
    assert.deepEqual(await settingsOf(`kv2/metadata/${folder}/cfg/plain`), DEFAULTS);
  }

  it("the plan's own items: no source metadata GET at write time, settings copied exactly", async () => {
    assert.equal(await copy("planned", (items) => [...items]), 0);
    await assertSettingsCopied("planned");
  });

  it("the items as the migration resource carries them (pending map + hidden settings map: one entry, the non-default secret): no GET either", async () => {
    let carried: Record<string, string> | undefined;
    const gets = await copy("carried", (items) => {
      const pending = encodePending(items);
      carried = encodeSourceSettings(items);
      return withSourceSettings(decodePending(pending, "secret"), pending, carried);
    });
    assert.deepEqual(carried, { "secret/cfg/tuned → cfg/tuned": '[5,true,"720h0m0s"]' }, "secrets with default settings add nothing");
    assert.equal(gets, 0);
    await assertSettingsCopied("carried");
  });

  it("items whose plan does not know the settings (no settings map): the write asks the source, once per secret", async () => {
    assert.equal(await copy("unknown", (items) => decodePending(encodePending(items), "secret")), NAMES.length);
    await assertSettingsCopied("unknown");
  });

  it("replayVersions: the write still reads the source's metadata (its live versions), once per secret", async () => {
    assert.equal(await copy("replay", (items) => [...items], { replay: true }), NAMES.length);
    await assertSettingsCopied("replay");
  });

  it("no value in the plans or reports", () => {
    assertNoSecrets({ "plans and reports": texts.join("\n") }, seeded);
  });
});
