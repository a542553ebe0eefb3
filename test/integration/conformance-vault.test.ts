// The destination conformance suite on Vault/OpenBao KV v2 and KV v1: the real driver, opened
// through the destination registry as a migration opens it, against one real OpenBao dev server.
// Each case writes under a folder of its own, so the cases share the server but not a listing.
import type { KvVersion } from "../../src/engine";
import { openDestination, type VaultCredentials, type VaultDestinationSpec } from "../../src/migration/destinations";
import { destinationConformance } from "../conformance/destinationSuite";
import { startOpenBaoDev, vaultRequest, type OpenBaoServer } from "../support/openbao";

describe("Vault/OpenBao destination (real OpenBao)", function () {
  this.timeout(60_000);
  let bao: OpenBaoServer;
  let folders = 0;

  before(async () => {
    bao = await startOpenBaoDev(); // mounts kv1 (KV v1) and kv2 (KV v2)
  });
  after(() => bao?.stop());

  for (const kv of [2, 1] as const satisfies readonly KvVersion[]) {
    const mount = `kv${kv}`;
    destinationConformance(
      `Vault KV v${kv} (OpenBao)`,
      async (context) => {
        const prefix = `conformance/c${folders++}`;
        const spec: VaultDestinationSpec = { kind: "vault", address: bao.address, mount, prefix };
        const credentials: VaultCredentials = { auth: { method: "token", token: bao.rootToken } };
        const destination = openDestination({ spec, credentials }, context);
        // Paths under the destination's folder, as a person would address them (KV v2: data/ and metadata/).
        const dataPath = (name: string): string => (kv === 2 ? `${mount}/data/${prefix}/${name}` : `${mount}/${prefix}/${name}`);
        const put = async (name: string, value: string): Promise<void> => {
          await vaultRequest(bao, "POST", dataPath(name), kv === 2 ? { data: { value } } : { value });
        };
        return {
          destination,
          seedForeign: put,
          editByHand: put,
          // KV v2 only (KV v1 declares no soft delete): the current version deleted, history kept.
          softDeleteForeign: async (name, value) => {
            await put(name, value);
            await vaultRequest(bao, "DELETE", dataPath(name));
          },
          teardown: () => destination.close(),
        };
      },
      {
        capabilities: kv === 2 ? { softDelete: true, versions: true, checkAndSet: true, metadata: true, expiry: false } : { softDelete: false, versions: false, checkAndSet: false, metadata: false, expiry: false },
        checksByName: true,
      },
    );
  }
});
