// The destination conformance suite on Azure Key Vault: the real driver and client, through the
// real @azure/keyvault-secrets SDK, against the local Key Vault double (test/doubles/keyvault/).
import type { SecretClient } from "@azure/keyvault-secrets";
import { keyVaultCredential } from "../../src/clients/keyvault";
import { KEY_VAULT_MAX_VALUE_SIZE } from "../../src/engine";
import { createKeyVaultDestination } from "../../src/migration/destinations/keyvault/destination";
import { destinationConformance } from "../conformance/destinationSuite";
import { doubleSecretClient, startKeyVaultDouble, type KeyVaultDouble } from "../doubles/keyvault";

describe("Key Vault destination (double)", function () {
  this.timeout(60_000);
  let kv: KeyVaultDouble;
  let raw: SecretClient;

  before(async () => {
    // Short delete/recover windows: the driver's polls are what is tested, not the service's pace.
    kv = await startKeyVaultDouble({ deleteDelayMs: 100, recoverDelayMs: 100, throttling: false });
    raw = doubleSecretClient(kv);
  });
  after(() => kv?.stop());

  destinationConformance(
    "Azure Key Vault (double)",
    async ({ fingerprintKey, settings }) => {
      // As keyVaultDriver.open builds it, with short polls and retries for a local server.
      const destination = createKeyVaultDestination({
        vaultUrl: kv.vaultUrl,
        credential: keyVaultCredential({ type: "accessToken", token: kv.issueToken() }),
        caCertPem: kv.caCertPem,
        disableChallengeResourceVerification: true,
        fingerprintKey,
        ...(settings.unwrapKey ? { unwrapKey: settings.unwrapKey } : {}),
        ...(settings.expiryKey ? { expiry: { metadataKey: settings.expiryKey } } : {}),
        softDeleted: "recover",
        pacing: false,
        pollIntervalMs: 25,
        retry: { baseMs: 20, maxMs: 200 },
      });
      return {
        destination,
        seedForeign: async (name, value) => {
          await raw.setSecret(name, value);
        },
        // As `az keyvault secret set` does: a new version without our tags.
        editByHand: async (name, value) => {
          await raw.setSecret(name, value);
        },
        softDeleteForeign: async (name, value) => {
          await raw.setSecret(name, value);
          await (await raw.beginDeleteSecret(name, { intervalInMs: 25 })).pollUntilDone();
        },
        teardown: () => destination.close(),
      };
    },
    { capabilities: { softDelete: true, versions: true, checkAndSet: false, metadata: true, expiry: true, maxValueBytes: KEY_VAULT_MAX_VALUE_SIZE } },
  );
});
