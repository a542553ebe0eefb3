// A static Key Vault access token cannot be refreshed: one that is expired, or would expire within
// minutes, is refused when the configuration is checked (preview, and up before the first write),
// naming its expiry and the way out, never the token.
import * as assert from "node:assert/strict";
import { STATIC_TOKEN_MIN_REMAINING_MS } from "../../../src/clients/keyvault/credentials";
import { keyVaultDriver } from "../../../src/migration/destinations/keyvault/driver";

/** Now, when each test runs (a module-level time goes stale in a long suite). */
const now = (): number => Date.now();
/** An unsigned JWT with this `exp` (the client reads `exp` only to know when to stop using it). */
function jwt(expMs: number): string {
  const part = (o: object): string => Buffer.from(JSON.stringify(o)).toString("base64url");
  return `${part({ alg: "none" })}.${part({ aud: "https://vault.azure.net", exp: Math.floor(expMs / 1000) })}.SIGNATURE-MARKER`;
}
const problems = (credential: Record<string, unknown>): string[] => keyVaultDriver.validateCredentials({ credential }, "destination");

describe("Key Vault static access token expiry", () => {
  it("an hour left: accepted", () => {
    assert.deepEqual(problems({ type: "accessToken", token: jwt(now() + 3_600_000) }), []);
  });

  it("less than the minimum left: refused as too soon for a run, naming the expiry and not the token", () => {
    const token = jwt(now() + STATIC_TOKEN_MIN_REMAINING_MS / 2);
    const [p, ...rest] = problems({ type: "accessToken", token });
    assert.deepEqual(rest, []);
    assert.match(p ?? "", /^\[destination\.credential\] the access token expires at \d{4}-\d\d-\d\dT[\d:.]+Z, in \d+ s, too soon for a run \(it cannot be refreshed\): obtain a new one/);
    assert.ok(!(p ?? "").includes(token) && !(p ?? "").includes("SIGNATURE-MARKER"));
  });

  it("expired (by its JWT exp, or an explicit expiresOn): refused", () => {
    assert.match(problems({ type: "accessToken", token: jwt(now() - 1_000) })[0] ?? "", /the access token expired at .*az account get-access-token/);
    assert.match(problems({ type: "accessToken", token: "opaque-token", expiresOn: new Date(now() - 1_000).toISOString() })[0] ?? "", /the access token expired at/);
  });

  it("an opaque token without a known expiry, and refreshing credentials, are not judged", () => {
    assert.deepEqual(problems({ type: "accessToken", token: "opaque-token" }), []);
    assert.deepEqual(problems({ type: "default" }), []);
  });
});
