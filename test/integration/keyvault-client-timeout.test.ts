// KeyVaultSecretsClient against a Key Vault (double) that stops answering: every request has a
// timeout, a stalled request is abandoned and retried like a dropped connection, and a vault that
// keeps stalling fails the call with code `timeout` instead of holding the run forever.
import * as assert from "node:assert/strict";
import { isKeyVaultError } from "../../src/clients/keyvault/errors";
import { KeyVaultSecretsClient } from "../../src/clients/keyvault/KeyVaultSecretsClient";
import { startKeyVaultDouble, staticTokenCredential, type KeyVaultDouble } from "../doubles/keyvault";

describe("KeyVaultSecretsClient: a stalled response", function () {
  let kv: KeyVaultDouble;
  let client: KeyVaultSecretsClient;

  before(async () => {
    kv = await startKeyVaultDouble({ deleteDelayMs: 0 });
    client = new KeyVaultSecretsClient({
      vaultUrl: kv.vaultUrl,
      credential: staticTokenCredential(kv.issueToken()),
      caCertPem: kv.caCertPem,
      disableChallengeResourceVerification: true,
      pacing: false,
      // Short so the test is quick; the default is a minute.
      requestTimeoutMs: 300,
      retry: { retries: 2, baseMs: 10, maxMs: 20 },
    });
    await client.setSecret("steady", "value");
  });
  beforeEach(() => {
    kv.clearFaults();
    kv.resetCounters();
  });
  after(async () => {
    await client.close();
    await kv.stop();
  });

  it("a write whose answer never comes is abandoned and retried, and the retry lands", async () => {
    kv.setFaults({ sequence: ["stall"], operations: ["setSecret"] });
    await client.setSecret("after-stall", "ok");
    assert.equal(kv.counters().setSecret, 2, "the stalled attempt, then the retry");
    assert.equal((await client.getSecret("after-stall"))?.value, "ok");
  });

  it("a read and a listing that keep stalling fail with code timeout, naming the operation, after the bounded retries", async () => {
    kv.setFaults({ sequence: ["stall", "stall", "stall"], operations: ["getSecret"] });
    const e = await client.getSecret("steady").then(
      () => assert.fail("a stalled read returned"),
      (x: unknown) => x,
    );
    assert.ok(isKeyVaultError(e), String(e));
    assert.equal(e.code, "timeout");
    assert.match(e.message, /Key Vault getSecret on secret 'steady' failed \(ETIMEDOUT\).*no answer within 300 ms/);
    assert.equal(kv.counters().getSecret, 3, "one try and two retries");

    kv.setFaults({ sequence: ["stall", "stall", "stall"], operations: ["listSecrets"] });
    const listing = async (): Promise<void> => {
      for await (const _ of client.listProperties()) void _;
    };
    const l = await listing().then(
      () => assert.fail("a stalled listing returned"),
      (x: unknown) => x,
    );
    assert.ok(isKeyVaultError(l), String(l));
    assert.equal(l.code, "timeout");
  });
});
