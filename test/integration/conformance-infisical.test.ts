// The destination conformance suite on Infisical: the real driver and client against the Infisical
// contract double (test/doubles/infisical/), mount mapping, folder layout.
import { InfisicalClient } from "../../src/clients/infisical";
import { INFISICAL_MAX_VALUE_BYTES, createInfisicalDestination } from "../../src/migration/destinations/infisical/destination";
import { folderPath, parseInfisicalName } from "../../src/migration/destinations/infisical/naming";
import { destinationConformance } from "../conformance/destinationSuite";
import { startInfisicalDouble, type InfisicalDouble } from "../doubles/infisical";

describe("Infisical destination (double)", function () {
  this.timeout(60_000);
  let inf: InfisicalDouble;
  let creds: { clientId: string; clientSecret: string };
  let raw: InfisicalClient;

  before(async () => {
    inf = await startInfisicalDouble();
    creds = inf.createIdentity();
    // A person's own session on the same server: the hooks never go through the destination.
    raw = new InfisicalClient({ siteUrl: inf.siteUrl, auth: { method: "universal-auth", ...inf.createIdentity() } });
  });
  after(async () => {
    await raw?.close();
    await inf?.stop();
  });

  /** Where a name's leaf key lives, creating project, environment and folder as a person would. */
  const place = async (name: string): Promise<{ projectId: string; environment: string; secretPath: string; key: string }> => {
    const p = parseInfisicalName(name);
    if (!p) throw new Error(`not an Infisical name: ${name}`);
    const project = await raw.ensureProject(p.project, p.project);
    await raw.ensureEnvironment(project.id, p.environment, p.environment);
    await raw.ensureFolder(project.id, p.environment, folderPath(p.folders));
    return { projectId: project.id, environment: p.environment, secretPath: folderPath(p.folders), key: p.leaf };
  };

  destinationConformance(
    "Infisical (double)",
    async ({ fingerprintKey, settings }) => {
      const destination = createInfisicalDestination({
        siteUrl: inf.siteUrl,
        auth: { method: "universal-auth", ...creds },
        fingerprintKey,
        mount: settings.mount,
        retry: { baseMs: 20, maxMs: 200 },
      });
      return {
        destination,
        seedForeign: async (name, value) => {
          const at = await place(name);
          await raw.upsertSecrets(at, [{ secretKey: at.key, secretValue: value, secretMetadata: [] }]);
        },
        // As the dashboard does: a new value, the key's metadata left as it was.
        editByHand: async (name, value) => {
          const at = await place(name);
          inf.store.put(at.projectId, at.environment, at.secretPath, { secretKey: at.key, secretValue: value }, "update");
        },
        teardown: () => destination.close(),
      };
    },
    { capabilities: { softDelete: false, versions: true, checkAndSet: false, metadata: true, expiry: false, maxValueBytes: INFISICAL_MAX_VALUE_BYTES } },
  );
});
