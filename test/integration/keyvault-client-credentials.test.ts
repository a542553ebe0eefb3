// Azure tokens during a run (Key Vault double): a credential that refreshes is asked again as its
// tokens near expiry, so a run outlives each token; a static token that has expired fails with a
// clear message before any request carries it.
import * as assert from "node:assert/strict";
import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { keyVaultCredential } from "../../src/clients/keyvault/credentials";
import { KeyVaultSecretsClient } from "../../src/clients/keyvault/KeyVaultSecretsClient";
import { startKeyVaultDouble, type KeyVaultDouble } from "../doubles/keyvault";

describe("KeyVaultSecretsClient: tokens during a run", function () {
  let kv: KeyVaultDouble;
  const clientFor = (credential: TokenCredential): KeyVaultSecretsClient =>
    new KeyVaultSecretsClient({ vaultUrl: kv.vaultUrl, credential, caCertPem: kv.caCertPem, disableChallengeResourceVerification: true, pacing: false, retry: { retries: 0 } });

  before(async () => {
    kv = await startKeyVaultDouble({ deleteDelayMs: 0, throttling: false });
  });
  after(() => kv.stop());

  it("a TokenCredential whose tokens are about to expire is asked again, and every request succeeds with the fresh token", async () => {
    const issued: string[] = [];
    // Each token is revoked once the next is issued: a request with a stale one would get 401.
    const credential: TokenCredential = {
      getToken: async (): Promise<AccessToken> => {
        const previous = issued.at(-1);
        if (previous) kv.revokeToken(previous);
        issued.push(kv.issueToken());
        // Inside the SDK's forced-refresh window (1 s before expiry) from the start, so every request
        // waits for a fresh token. At exactly 1 s a request in the same millisecond as the issue is
        // outside it, and the SDK refreshes in the background while sending the cached token, which
        // this credential has just revoked: a 401 in about 4% of requests on this machine.
        return { token: issued.at(-1) as string, tokenType: "Bearer", expiresOnTimestamp: Date.now() + 500 };
      },
    };
    const client = clientFor(credential);
    // 200 requests, so a request sent with a revoked token would not go unseen.
    for (let i = 0; i < 100; i++) await client.setSecret(`refresh-${i}`, `v${i}`);
    for (let i = 0; i < 100; i++) assert.equal((await client.getSecret(`refresh-${i}`))?.value, `v${i}`);
    await client.close();
    assert.ok(issued.length >= 200, `tokens issued: ${issued.length}`);
  });

  it("a static access token that has expired fails with a clear message, and no request carries it", async () => {
    const token = kv.issueToken();
    const client = clientFor(keyVaultCredential({ type: "accessToken", token, expiresOn: new Date(Date.now() - 1_000) }));
    kv.resetCounters();
    const e = await client.getSecret("any").then(
      () => assert.fail("the expired token was used"),
      (x: unknown) => x as Error,
    );
    await client.close();
    assert.match(e.message, /the Key Vault access token expired at .*obtain a new one/);
    assert.ok(!e.message.includes(token));
    assert.equal(kv.counters().getSecret, 0, "no authenticated request reached the vault");
  });
});
