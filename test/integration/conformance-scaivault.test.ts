// The destination conformance suite on ScaiVault: the real driver and client against the ScaiVault
// contract double (test/doubles/scaivault/), which is pinned to shared/scaivault-api.md.
import { createScaiVaultDestination } from "../../src/migration/destinations/scaivault/destination";
import { destinationConformance } from "../conformance/destinationSuite";
import { startScaiVaultDouble, type ScaiVaultDouble } from "../doubles/scaivault";

describe("ScaiVault destination (double)", function () {
  this.timeout(60_000);
  let sv: ScaiVaultDouble;
  let admin: string;

  before(async () => {
    // No retention, so a removed name can be written again at once (the "re-create" case); the
    // retention itself is tested in scaivault-client.test.ts. Limits off: pacing is tested there too.
    sv = await startScaiVaultDouble({ limits: false, retentionMs: 0 });
    admin = sv.issueToken(["admin"], "sa:hand");
  });
  after(() => sv?.stop());

  // As a person with curl would: a PUT of data only (metadata left out is kept by the double).
  const put = async (name: string, value: string): Promise<void> => {
    const r = await fetch(`${sv.url}/v1/secrets/${name}`, { method: "PUT", headers: { authorization: `Bearer ${admin}`, "content-type": "application/json" }, body: JSON.stringify({ data: { value } }) });
    if (!r.ok) throw new Error(`seed PUT ${name}: ${r.status}`);
  };

  destinationConformance(
    "ScaiVault (double)",
    async ({ fingerprintKey }) => {
      const destination = createScaiVaultDestination({
        url: sv.url,
        token: sv.issueToken(["secrets:read", "secrets:write", "secrets:delete", "secrets:list", "federation:read"]),
        fingerprintKey,
        pacing: false,
        retry: { baseMs: 20, maxMs: 200 },
      });
      return { destination, seedForeign: put, editByHand: put, teardown: () => destination.close() };
    },
    { capabilities: { softDelete: false, versions: true, checkAndSet: false, metadata: true, expiry: false } },
  );
});
