// ScaiVault's stack config reader, spec checks and naming: no server, no engine.
import * as assert from "node:assert/strict";
import { validateMigrationArgs } from "../../src/components/migrationArgs";
import { scaiVaultDriver } from "../../src/migration/destinations/scaivault/driver";
import { sanitizeScaiVaultPath, scaiVaultNaming } from "../../src/migration/destinations/scaivault/naming";
import { readMigrations } from "../../src/program/migrationConfig";

describe("ScaiVault: stack config, spec checks, naming", () => {
  it("reads url (else SCAIVAULT_URL) and the token only from the secret config scaivaultToken or SCAIVAULT_TOKEN", () => {
    const raw = [{ name: "sv", source: { mount: "kv" }, destination: { kind: "scaivault", tags: ["migrated-from-vault"], maxVersions: 5 } }];
    const [a] = readMigrations(raw, { SCAIVAULT_URL: "https://scaivault.example.com", SCAIVAULT_TOKEN: "skt_env" });
    assert.equal(a?.kind, "scaivault");
    assert.deepEqual(a?.destination, { tags: ["migrated-from-vault"], maxVersions: 5, url: "https://scaivault.example.com" });
    assert.deepEqual(a?.credentials, { token: "skt_env" });
    const secrets: Record<string, string> = { scaivaultToken: "skt_config" };
    const [b] = readMigrations(raw, { SCAIVAULT_URL: "https://s", SCAIVAULT_TOKEN: "skt_env" }, (k) => secrets[k]);
    assert.deepEqual(b?.credentials, { token: "skt_config" });
    assert.throws(() => readMigrations(raw, {}), (e: Error) => /destination\.url\] is required/.test(e.message) && /ScaiVault token is needed \(secret config scaivaultToken or SCAIVAULT_TOKEN\)/.test(e.message));
    assert.throws(
      () => readMigrations([{ name: "sv", source: { mount: "kv" }, destination: { kind: "scaivault", url: "https://s", token: "skt_plain" } }], { SCAIVAULT_TOKEN: "skt_env" }),
      (e: Error) => /destination\.token\]: a token is not read from the plain destination settings/.test(e.message) && !e.message.includes("skt_plain"),
    );
  });

  it("spec checks name the key: https (http on loopback only), tags without '=', bounded pacing and max_versions, secret_type", () => {
    const p = (spec: Record<string, unknown>): string[] => scaiVaultDriver.validateSpec({ kind: "scaivault", ...spec }, "d");
    assert.deepEqual(p({ url: "https://scaivault.scailabs.ai" }), []);
    assert.deepEqual(p({ url: "http://127.0.0.1:8443" }), []);
    assert.match(p({ url: "http://scaivault.internal" }).join(), /\[d\.url\] must be https/);
    assert.match(p({ url: "https://s", tags: ["a=b"] }).join(), /\[d\.tags\]/);
    assert.match(p({ url: "https://s", pacing: { writeLimit: 0 } }).join(), /\[d\.pacing\.writeLimit\] must be a whole number from 1/);
    assert.match(p({ url: "https://s", pacing: { writes: 5 } }).join(), /\[d\.pacing\.writes\] is not a pacing setting/);
    assert.match(p({ url: "https://s", maxVersions: 0 }).join(), /\[d\.maxVersions\]/);
    assert.match(p({ url: "https://s", secretType: "blob" }).join(), /\[d\.secretType\]/);
    assert.match(p({ url: "https://s", vaultUrl: "x" }).join(), /\[d\.vaultUrl\] is not a ScaiVault destination setting/);
  });

  it("maxDuration: a duration or whole seconds, 1 s to 24 h, refused otherwise naming the key", () => {
    const args = (maxDuration: unknown) => ({ source: { connection: { address: "http://x", auth: { method: "token" as const, token: "t" } }, mount: "kv" }, fingerprintKey: "k", maxDuration: maxDuration as string });
    assert.equal(validateMigrationArgs("M", "s/m", args("1h30m"), scaiVaultNaming).maxDurationMs, 5_400_000);
    assert.equal(validateMigrationArgs("M", "s/m", args(90), scaiVaultNaming).maxDurationMs, 90_000);
    for (const bad of ["0s", "25h", "soon", -1]) assert.throws(() => validateMigrationArgs("M", "s/m", args(bad), scaiVaultNaming), /\[maxDuration\] must be a duration/);
  });

  it("names: lower-cased onto the grammar, nothing cut; over 10 segments or 512 characters is invalid", () => {
    assert.equal(sanitizeScaiVaultPath("kv/Team/DB.Password"), "kv/team/db-password");
    assert.equal(sanitizeScaiVaultPath("/a//b/"), "a/b");
    assert.equal(scaiVaultNaming.isValid("a/b/c/d/e/f/g/h/i/j"), true);
    assert.equal(scaiVaultNaming.isValid("a/b/c/d/e/f/g/h/i/j/k"), false);
    assert.equal(scaiVaultNaming.isValid("x".repeat(513)), false);
    assert.match(scaiVaultNaming.describeChange?.("kv/Team/DB", "kv/team/db") ?? "", /lower-cased/);
  });
});
