// A migration's `cutover` in the stack config and as a component argument: keys, durations,
// defaults, and the retire identity the stack's reader creates for it.
import * as assert from "node:assert/strict";
import { validateCutover } from "../../../src/migration/cutover/settings";
import { readMigrations } from "../../../src/program/migrationConfig";

const entry = (cutover: unknown): unknown[] => [{ name: "m", source: { mount: "secret", prefix: "apps/" }, destination: { vaultUrl: "https://x.vault.azure.net" }, reportPath: "reports/m", cutover }];

describe("stack config: cutover", () => {
  it("reads the keys and fills defaults (7d window, 1h max gap, retireSource off, report beside the migration's)", () => {
    const [m] = readMigrations(entry({ auditLogs: ["/var/log/vault/"], readers: [{ roleName: "ci" }] }), {});
    assert.deepEqual(m?.args.cutover, { auditLogs: ["/var/log/vault/"], readers: [{ roleName: "ci" }] });
    const { settings, problems } = validateCutover(m!.args.cutover!, "reports/m");
    assert.deepEqual(problems, []);
    assert.deepEqual(settings, { auditLogs: ["/var/log/vault/"], quietWindowMs: 7 * 86_400_000, maxGapMs: 3_600_000, readers: [{ roleName: "ci" }], retireSource: false, permanent: false, reportPath: "reports/m.cutover" });
  });

  it("refuses unknown keys, bad durations and bad readers, naming the key", () => {
    assert.throws(
      () => readMigrations(entry({ auditLogs: [], quietWindow: "a week", maxGap: 3, retireSoure: true, readers: [{ role: "x" }] }), {}),
      (e: Error) =>
        /\[vault-migration:migrations\[0\]\.cutover\.retireSoure\]/.test(e.message) &&
        /cutover\.auditLogs\] must list at least one/.test(e.message) &&
        /cutover\.quietWindow\] must be a duration/.test(e.message) &&
        /cutover\.maxGap\] must be a duration/.test(e.message) &&
        /cutover\.readers\[0\]\] must give one or more of roleName/.test(e.message),
    );
    assert.match(validateCutover({ auditLogs: ["a"], quietWindow: "1h", maxGap: "2h" }, undefined).problems.join(), /maxGap\] must be shorter than quietWindow/);
  });
});
