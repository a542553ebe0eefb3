// The KV v2 wire → model mapping against answers recorded from a real OpenBao
// (fixtures/record.ts), directly and through the inventory and readers over MockAgent.
import * as assert from "node:assert/strict";
import { inventoryKv, readKvMetadata, readKvSecret } from "../../../src/clients/vault/kv";
import { kvMetadataFromWire, kvV2DataFromWire, kvVersionState } from "../../../src/clients/vault/kvWire";
import { DEFAULT_KV_SETTINGS } from "../../../src/engine/kvSettings";
import type { SourceSecret } from "../../../src/engine/types";
import { fixture, fixtureData, mockVault } from "./support";

interface WireVersion {
  created_time: string;
  deletion_time: string;
}
interface WireMetadata {
  created_time: string;
  updated_time: string;
  versions: Record<string, WireVersion>;
}

/** The recorded wire metadata (only to name its timestamps, which differ per recording). */
function wire(name: string): WireMetadata {
  return fixtureData(name) as WireMetadata;
}

describe("clients/vault KV v2 wire mapping (recorded OpenBao answers)", () => {
  it("maps metadata with custom_metadata, settings and every version state", () => {
    const w = wire("kv2-metadata-db");
    assert.deepEqual(kvMetadataFromWire(w), {
      currentVersion: 3,
      maxVersions: 5,
      casRequired: false,
      deleteVersionAfter: "0s",
      customMetadata: { expires: "2030-01-01T00:00:00Z", owner: "team-web" },
      versions: {
        "1": { destroyed: true, createdTime: w.versions["1"]?.created_time },
        "2": { destroyed: false, deletionTime: w.versions["2"]?.deletion_time, createdTime: w.versions["2"]?.created_time },
        "3": { destroyed: false, createdTime: w.versions["3"]?.created_time },
      },
      createdTime: w.created_time,
      updatedTime: w.updated_time,
    });
  });

  it("maps custom_metadata null to {} and an empty deletion_time to none", () => {
    const m = kvMetadataFromWire(wire("kv2-metadata-plain"));
    assert.ok(m);
    assert.deepEqual(m.customMetadata, {});
    assert.equal(m.currentVersion, 1);
    assert.equal(m.maxVersions, 0);
    assert.deepEqual(Object.keys(m.versions["1"] ?? {}).sort(), ["createdTime", "destroyed"]);
  });

  it("tells live, deleted, destroyed and scheduled-for-deletion versions apart", () => {
    const state = (name: string): string => {
      const m = kvMetadataFromWire(wire(name));
      assert.ok(m);
      // "Now" is just after the recording, so the scheduled deletion (10 years on) is in the future.
      return kvVersionState(m.versions[String(m.currentVersion)], Date.parse(wire(name).updated_time) + 60_000);
    };
    assert.equal(state("kv2-metadata-db"), "live");
    assert.equal(state("kv2-metadata-gone"), "deleted");
    assert.equal(state("kv2-metadata-shredded"), "destroyed");
    assert.equal(state("kv2-metadata-scheduled"), "live");
    const scheduled = kvMetadataFromWire(wire("kv2-metadata-scheduled"));
    assert.equal(scheduled?.casRequired, true);
    assert.equal(scheduled?.deleteVersionAfter, "87600h0m0s");
    const at = Date.parse(scheduled?.versions["1"]?.deletionTime ?? "");
    assert.equal(kvVersionState(scheduled?.versions["1"], at + 1), "deleted", "once the scheduled time has passed");
  });

  it("takes fields of the wrong type as absent rather than trusting them", () => {
    assert.equal(kvMetadataFromWire(null), undefined);
    assert.equal(kvMetadataFromWire("x"), undefined);
    assert.deepEqual(kvMetadataFromWire({ current_version: "3", custom_metadata: { a: "b", n: 1 }, versions: { "1": null, x: {} }, cas_required: "yes" }), {
      currentVersion: 0,
      maxVersions: 0,
      casRequired: false,
      deleteVersionAfter: "0s",
      customMetadata: { a: "b" },
      versions: { "1": { destroyed: false } },
    });
  });

  it("maps a data answer, and a deleted version's answer (data null) to undefined", () => {
    assert.deepEqual(kvV2DataFromWire(fixtureData("kv2-data-db")), {
      data: { username: "app", password: "fixture-value-3" },
      version: 3,
      customMetadata: { expires: "2030-01-01T00:00:00Z", owner: "team-web" },
      createdTime: (fixtureData("kv2-data-db") as { metadata: { created_time: string } }).metadata.created_time,
    });
    assert.equal(kvV2DataFromWire(fixtureData("kv2-data-db-v2-deleted")), undefined);
    assert.equal(kvV2DataFromWire(fixtureData("kv2-data-gone")), undefined);
  });

  describe("through the client (MockAgent replaying the recordings)", () => {
    function replay(names: string[]) {
      const m = mockVault();
      for (const name of names) {
        const f = fixture(name);
        // The client sends LIST as `GET <path>?list=true`, and the path with `/v1/`.
        const p = f.request.method === "LIST" ? `/v1/${f.request.path}?list=true` : `/v1/${f.request.path}`;
        m.pool.intercept({ path: p, method: "GET" }).reply(f.status, f.body as object);
      }
      return m;
    }

    it("inventories the mount from LIST and metadata alone, skipping nothing live", async () => {
      const { agent, client } = replay([
        "kv2-list-root",
        "kv2-list-apps",
        "kv2-list-apps-web",
        "kv2-metadata-db",
        "kv2-metadata-plain",
        "kv2-metadata-gone",
        "kv2-metadata-shredded",
        "kv2-metadata-scheduled",
      ]);
      const found: SourceSecret[] = [];
      for await (const s of inventoryKv(client, { mount: "kv2", kvVersion: 2, concurrency: 2 })) found.push(s);
      found.sort((a, b) => a.path.localeCompare(b.path));
      // The base of relative expiries: the current version's write time (what a read of it returns too).
      const updated = (name: string): string => {
        const w = wire(name) as unknown as { current_version: number; versions: Record<string, { created_time: string }> };
        return (w.versions[String(w.current_version)] as { created_time: string }).created_time;
      };
      // The settings too, for the write (copyMetadata): defaults as one shared object.
      assert.equal(found.find((s) => s.path === "plain")?.settings, DEFAULT_KV_SETTINGS);
      assert.deepEqual(found, [
        { mount: "kv2", path: "apps/web/db", kvVersion: 2, currentVersion: 3, state: "live", customMetadata: { expires: "2030-01-01T00:00:00Z", owner: "team-web" }, updatedTime: updated("kv2-metadata-db"), settings: { maxVersions: 5, casRequired: false, deleteVersionAfter: "0s" } },
        { mount: "kv2", path: "gone", kvVersion: 2, currentVersion: 1, state: "deleted", customMetadata: {}, updatedTime: updated("kv2-metadata-gone"), settings: DEFAULT_KV_SETTINGS },
        { mount: "kv2", path: "plain", kvVersion: 2, currentVersion: 1, state: "live", customMetadata: {}, updatedTime: updated("kv2-metadata-plain"), settings: DEFAULT_KV_SETTINGS },
        { mount: "kv2", path: "scheduled", kvVersion: 2, currentVersion: 1, state: "live", customMetadata: {}, updatedTime: updated("kv2-metadata-scheduled"), settings: { maxVersions: 0, casRequired: true, deleteVersionAfter: "87600h0m0s" } },
        { mount: "kv2", path: "shredded", kvVersion: 2, currentVersion: 1, state: "destroyed", customMetadata: {}, updatedTime: updated("kv2-metadata-shredded"), settings: DEFAULT_KV_SETTINGS },
      ]);
      agent.assertNoPendingInterceptors();
    });

    it("readKvMetadata and the inventory agree on the same answer", async () => {
      const { agent, client } = replay(["kv2-metadata-db", "kv2-metadata-missing"]);
      assert.deepEqual(await readKvMetadata(client, "kv2", "apps/web/db"), kvMetadataFromWire(wire("kv2-metadata-db")));
      assert.equal(await readKvMetadata(client, "kv2", "nope"), undefined, "404 with errors: [] is absent");
      agent.assertNoPendingInterceptors();
    });

    it("readKvSecret: the current value, and undefined for a soft-deleted version (404 with metadata)", async () => {
      const { agent, client } = replay(["kv2-data-db", "kv2-data-db-v2-deleted", "kv2-data-gone"]);
      assert.deepEqual(await readKvSecret(client, "kv2", 2, "apps/web/db"), kvV2DataFromWire(fixtureData("kv2-data-db")));
      assert.equal(await readKvSecret(client, "kv2", 2, "apps/web/db", { version: 2 }), undefined);
      assert.equal(await readKvSecret(client, "kv2", 2, "gone"), undefined);
      agent.assertNoPendingInterceptors();
    });
  });
});
