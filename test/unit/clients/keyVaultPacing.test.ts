// Key Vault counts requests per vault. One provider process runs every dynamic resource of a stack,
// each re-created from its own serialized copy of the client code: the clients of one vault must
// still share one pacer there, or two migrations into one vault each take the vault's whole rate.
import * as assert from "node:assert/strict";
import { execFile } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { promisify } from "node:util";
import * as pulumi from "@pulumi/pulumi";
import { KeyVaultSecretsClient } from "../../../src/clients/keyvault/KeyVaultSecretsClient";

/** The pacers a new client of `vaultUrl` uses (private fields, read here only to compare identities). */
function pacersOf(vaultUrl: string): unknown[] {
  const credential = { getToken: async () => null };
  const client = new KeyVaultSecretsClient({ vaultUrl, credential }) as unknown as { writes: unknown; others: unknown };
  return [client.writes, client.others];
}

describe("Key Vault pacing is per vault, per process", () => {
  it("clients of one vault share its pacers across separately serialized copies of the code; another vault has its own", async () => {
    // Two serializations, as two resources' `__provider`s: each carries its own copy of the client module.
    const first = await pulumi.runtime.serializeFunction((url: string) => pacersOf(url));
    const second = await pulumi.runtime.serializeFunction((url: string) => pacersOf(url));
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "pacing-"));
    try {
      fs.writeFileSync(path.join(dir, "a.js"), first.text);
      fs.writeFileSync(path.join(dir, "b.js"), second.text);
      // A plain node process, as the provider host (tsx would rewrite the generated code).
      const script = `
        const load = require(${JSON.stringify(require.resolve("require-from-string"))});
        const fs = require("fs");
        const a = load(fs.readFileSync(${JSON.stringify(path.join(dir, "a.js"))}, "utf8")).${first.exportName};
        const b = load(fs.readFileSync(${JSON.stringify(path.join(dir, "b.js"))}, "utf8")).${second.exportName};
        const [aw, ao] = a("https://kv-one.vault.azure.net");
        const [bw, bo] = b("https://KV-ONE.vault.azure.net/");
        const [cw] = b("https://kv-two.vault.azure.net");
        console.log(JSON.stringify({ sharedWrites: aw === bw, sharedOthers: ao === bo, classesApart: aw !== ao, otherVaultApart: cw !== aw }));`;
      const { stdout } = await promisify(execFile)(process.execPath, ["-e", script], { cwd: process.cwd(), encoding: "utf8" });
      assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop() as string), { sharedWrites: true, sharedOthers: true, classesApart: true, otherVaultApart: true });
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it("in this process too, two clients of one vault take turns in one pacer", () => {
    const [w1, o1] = pacersOf("https://kv-three.vault.azure.net");
    const [w2, o2] = pacersOf("https://kv-three.vault.azure.net/");
    assert.equal(w1, w2);
    assert.equal(o1, o2);
  });
});
