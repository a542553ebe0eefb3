// Issue #24: pacing, RBAC wait and concurrency values outside sane bounds are refused, each
// naming its key and the accepted range.
import * as assert from "node:assert/strict";
import { validateMigrationArgs } from "../../../src/components/migrationArgs";
import { keyVaultDriver } from "../../../src/migration/destinations/keyvault/driver";
import { keyVaultNaming } from "../../../src/migration/destinations/keyvault/naming";

const spec = (extra: Record<string, unknown>) => ({ kind: "azure-keyvault", vaultUrl: "https://kv-x.vault.azure.net", ...extra });

describe("bad input: pacing and concurrency bounds", () => {
  it("refuses pacing values outside their ranges, naming key and bounds", () => {
    const cases: [string, unknown, RegExp][] = [
      ["writeLimit", 0, /^\[destination\.pacing\.writeLimit\] must be a whole number from 1 to 10,000: 0$/],
      ["writeLimit", 1e6, /^\[destination\.pacing\.writeLimit\] must be a whole number from 1 to 10,000: 1000000$/],
      ["writeLimit", 2.5, /from 1 to 10,000: 2\.5$/],
      ["otherLimit", 200_000, /^\[destination\.pacing\.otherLimit\] must be a whole number from 1 to 100,000/],
      ["windowMs", 10, /^\[destination\.pacing\.windowMs\] must be a whole number from 100 to 600,000: 10$/],
      ["windowMs", 86_400_000, /from 100 to 600,000/],
      ["headroom", 0.001, /^\[destination\.pacing\.headroom\] must be a number from 0\.1 to 1: 0\.001$/],
      ["headroom", 1.5, /from 0\.1 to 1: 1\.5$/],
      ["headroom", "0.9", /from 0\.1 to 1: "0\.9"$/],
    ];
    for (const [k, v, re] of cases) {
      const problems = keyVaultDriver.validateSpec(spec({ pacing: { [k]: v } }), "destination");
      assert.equal(problems.length, 1, `${k}=${String(v)}: ${problems.join("; ")}`);
      assert.match(problems[0] ?? "", re);
    }
    assert.deepEqual(keyVaultDriver.validateSpec(spec({ pacing: { writeLimit: 300, otherLimit: 4000, windowMs: 10_000, headroom: 0.95 } }), "destination"), []);
    assert.deepEqual(keyVaultDriver.validateSpec(spec({ pacing: false }), "destination"), []);
  });

  it("refuses an RBAC wait outside 0 to one hour", () => {
    for (const v of [-1, 7_200_000, Number.POSITIVE_INFINITY, "5m"]) {
      const problems = keyVaultDriver.validateSpec(spec({ rbacMaxWaitMs: v }), "destination");
      assert.equal(problems.length, 1, String(v));
      assert.match(problems[0] ?? "", /^\[destination\.rbacMaxWaitMs\] must be a whole number from 0 to 3,600,000: .* \(milliseconds\)$/);
    }
    for (const v of [0, 300_000, 3_600_000]) assert.deepEqual(keyVaultDriver.validateSpec(spec({ rbacMaxWaitMs: v }), "destination"), [], String(v));
  });

  it("refuses a concurrency outside 1 to 256", () => {
    const source = { connection: { address: "https://v.example.com", auth: { method: "token" as const, token: "t" } }, mount: "secret" };
    for (const concurrency of [0, 257, 1.5, 10_000]) {
      assert.throws(() => validateMigrationArgs("M", "s/m", { source, fingerprintKey: "k".repeat(32), concurrency }, keyVaultNaming), /\[concurrency\] must be a whole number from 1 to 256/, String(concurrency));
    }
    assert.equal(validateMigrationArgs("M", "s/m", { source, fingerprintKey: "k".repeat(32), concurrency: 256 }, keyVaultNaming).concurrency, 256);
  });
});
