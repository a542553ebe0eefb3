import type { AccessToken, TokenCredential } from "@azure/core-auth";
import { ClientSecretCredential, DefaultAzureCredential } from "@azure/identity";

/** How to authenticate to Key Vault. */
export type KeyVaultCredentialSpec =
  /** DefaultAzureCredential: env vars, workload identity, managed identity, Azure CLI… (real Azure). */
  | { readonly type: "default" }
  /** A service principal's client secret. */
  | { readonly type: "clientSecret"; readonly tenantId: string; readonly clientId: string; readonly clientSecret: string }
  /**
   * A bearer token obtained elsewhere, e.g. `az account get-access-token --resource https://vault.azure.net`
   * (also how a local test double is reached). `expiresOn` defaults to the JWT's `exp` claim when the
   * token is a JWT, else the token is treated as valid for the next hour on every call.
   */
  | { readonly type: "accessToken"; readonly token: string; readonly expiresOn?: Date };

/**
 * A TokenCredential for Key Vault's data plane (scope `https://vault.azure.net/.default`, which the
 * SDK takes from the 401 challenge). The identity then needs the RBAC data actions named on each
 * `KeyVaultSecretsClient` method (role "Key Vault Secrets Officer" covers all of them).
 */
export function keyVaultCredential(spec: KeyVaultCredentialSpec): TokenCredential {
  switch (spec.type) {
    case "default":
      return new DefaultAzureCredential();
    case "clientSecret":
      return new ClientSecretCredential(spec.tenantId, spec.clientId, spec.clientSecret);
    case "accessToken":
      return staticToken(spec.token, spec.expiresOn ?? jwtExpiry(spec.token));
  }
}

/** A static token must have this long left when a run starts: it cannot be refreshed mid-run. */
export const STATIC_TOKEN_MIN_REMAINING_MS = 5 * 60_000;

/**
 * Why a static access token is unfit for a run, checked at preview and again before the first write:
 * expired, or expiring within {@link STATIC_TOKEN_MIN_REMAINING_MS}. Names the expiry, never the token.
 */
export function staticTokenProblem(spec: { readonly token?: unknown; readonly expiresOn?: unknown }, nowMs: number = Date.now()): string | undefined {
  if (typeof spec.token !== "string" || !spec.token) return undefined;
  const raw = spec.expiresOn;
  const expiresOn = raw instanceof Date ? raw : typeof raw === "string" || typeof raw === "number" ? new Date(raw) : jwtExpiry(spec.token);
  if (!expiresOn || Number.isNaN(expiresOn.getTime())) return undefined;
  const left = expiresOn.getTime() - nowMs;
  const renew = "obtain a new one (e.g. `az account get-access-token --resource https://vault.azure.net`), or use a credential that refreshes (`default`, `clientSecret`)";
  if (left <= 0) return `the access token expired at ${expiresOn.toISOString()}: ${renew}`;
  if (left < STATIC_TOKEN_MIN_REMAINING_MS) return `the access token expires at ${expiresOn.toISOString()}, in ${Math.ceil(left / 1000)} s, too soon for a run (it cannot be refreshed): ${renew}`;
  return undefined;
}

function staticToken(token: string, expiresOn: Date | undefined): TokenCredential {
  return {
    getToken: async (): Promise<AccessToken> => {
      // A static token cannot be refreshed: fail clearly instead of sending one the service rejects.
      if (expiresOn && expiresOn.getTime() <= Date.now()) {
        throw new Error(
          `the Key Vault access token expired at ${expiresOn.toISOString()}; obtain a new one ` +
            "(e.g. `az account get-access-token --resource https://vault.azure.net`)",
        );
      }
      // Without a known expiry, always an hour ahead so the SDK's token cycler never tries to refresh.
      return { token, tokenType: "Bearer", expiresOnTimestamp: expiresOn?.getTime() ?? Date.now() + 3_600_000 };
    },
  };
}

/** `exp` of a JWT, read without verification (only to know when to stop using it); undefined if not a JWT. */
function jwtExpiry(token: string): Date | undefined {
  const parts = token.split(".");
  if (parts.length !== 3) return undefined;
  try {
    const payload: unknown = JSON.parse(Buffer.from(parts[1] as string, "base64url").toString("utf8"));
    const exp = (payload as { exp?: unknown } | null)?.exp;
    return typeof exp === "number" ? new Date(exp * 1000) : undefined;
  } catch {
    // Not a JWT: the parse error could quote the token, so it is swallowed.
    return undefined;
  }
}
