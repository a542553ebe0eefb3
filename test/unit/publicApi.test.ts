import * as assert from "node:assert/strict";
import * as fs from "node:fs";

describe("the package's public API (src/index.ts)", () => {
  it("exports what a stack program of one's own needs, and every registered destination kind", async () => {
    const api = await import("../../src/index");
    for (const name of ["MigrationReader", "KeyVaultDeployment", "Migration", "KeyVaultMigration", "VaultMigration", "InfisicalMigration", "ScaiVaultMigration", "VaultPolicy", "VaultAppRole", "InfisicalVaultConnection", "InfisicalVaultSync", "InfisicalSyncWriter", "renderInfisicalSyncPolicy", "isClientError", "DESTINATION_DRIVERS"]) {
      assert.ok(name in api, `${name} is exported`);
    }
    assert.deepEqual(api.destinationKinds(), ["azure-keyvault", "vault", "infisical", "scaivault"]);
  });

  it("is not what the language host runs: Pulumi.yaml names index.ts at the top", () => {
    assert.match(fs.readFileSync("Pulumi.yaml", "utf8"), /^main: index\.ts$/m);
  });
});
