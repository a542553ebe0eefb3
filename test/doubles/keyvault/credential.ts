import type { AccessToken, TokenCredential } from "@azure/core-auth";

/**
 * A TokenCredential that always hands out one token, e.g. from `KeyVaultDouble.issueToken()`.
 * The expiry is an hour ahead on every call so the SDK's token cycler never tries to refresh.
 */
export function staticTokenCredential(token: string): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => ({
      token,
      expiresOnTimestamp: Date.now() + 3_600_000,
      tokenType: "Bearer",
    }),
  };
}
