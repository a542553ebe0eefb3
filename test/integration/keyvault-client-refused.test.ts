// KeyVaultSecretsClient against an address where nothing listens: a wrong URL or port fails in about
// a second instead of riding out the full transient backoff (about a minute), which is what a
// mistyped destination at `pulumi preview` would otherwise cost.
import * as assert from "node:assert/strict";
import * as net from "node:net";
import { KeyVaultSecretsClient } from "../../src/clients/keyvault/KeyVaultSecretsClient";
import { staticTokenCredential } from "../doubles/keyvault";
import { NetworkProbe } from "../support/networkProbe";

/** A port that was free a moment ago: connecting to it is refused. */
async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as net.AddressInfo;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** Counts the connections this process starts to `port` while `fn` runs. */
async function countConnections(port: number, fn: () => Promise<void>): Promise<number> {
  const probe = new NetworkProbe();
  await probe.record(fn);
  return probe.attempts.filter((a) => a === `connect 127.0.0.1:${port}`).length;
}

describe("KeyVaultSecretsClient: a refused connection", function () {
  for (const [what, call] of [
    ["a read", (c: KeyVaultSecretsClient) => c.getSecret("any")],
    ["a listing", async (c: KeyVaultSecretsClient) => { for await (const _ of c.listProperties()) void _; }],
  ] as const) {
    it(`${what} is retried twice, then fails naming the address`, async () => {
      const port = await closedPort();
      const client = new KeyVaultSecretsClient({ vaultUrl: `https://127.0.0.1:${port}`, credential: staticTokenCredential("t0ken-refused"), disableChallengeResourceVerification: true, pacing: false });
      let error: Error | undefined;
      const attempts = await countConnections(port, async () => {
        await call(client).then(() => undefined, (e: Error) => void (error = e));
      });
      await client.close();
      assert.ok(error, "the call fails");
      assert.match(error.message, new RegExp(`127\\.0\\.0\\.1:${port}|ECONNREFUSED`), error.message);
      // The challenge probe (one try, its failure left to the call itself), then the call: one try and two retries.
      assert.equal(attempts, 4, `connection attempts: ${attempts}`);
    });
  }
});
