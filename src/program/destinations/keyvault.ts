// Stack config of an Azure Key Vault destination (`destination.kind` absent or `azure-keyvault`).
import { keyVaultDriver } from "../../migration/destinations/keyvault/driver";
import { isObject, readCaFile, type DestinationConfigReader } from "./types";

/**
 * `destination`: `vaultUrl` (else `AZURE_KEYVAULT_URL`, else the stack's KeyVaultDeployment),
 * `caCertFile` (else `AZURE_KEYVAULT_CA_FILE`), `disableChallengeResourceVerification`,
 * `softDeleted`, `pacing`, `rbacMaxWaitMs`. The entry's `credential`: `{type: default}` (default),
 * `{type: clientSecret, tenantId, clientId, clientSecret}`, or `{type: accessToken}` with the token
 * from the secret config `keyVaultAccessToken` or `AZURE_KEYVAULT_ACCESS_TOKEN`.
 */
export const keyVaultConfigReader: DestinationConfigReader = {
  kind: "azure-keyvault",
  entryKeys: ["credential"],
  read(entry, destination, ctx) {
    const { caCertFile, ...spec } = destination;
    spec.vaultUrl ??= ctx.env.AZURE_KEYVAULT_URL;
    const pem = readCaFile(caCertFile ?? ctx.env.AZURE_KEYVAULT_CA_FILE, "destination.caCertFile", ctx);
    if (pem) spec.caCertPem = pem;
    const cred: Record<string, unknown> = isObject(entry.credential) ? { ...entry.credential } : { type: "default" };
    // The driver's rule, named under this entry's key.
    keyVaultDriver.validateCredentials({ credential: cred }, ctx.prefix).forEach(ctx.problem);
    if (cred.type === "accessToken") {
      cred.token ??= ctx.secret("keyVaultAccessToken") ?? ctx.env.AZURE_KEYVAULT_ACCESS_TOKEN;
      if (!cred.token) ctx.problem(`${ctx.at("credential")}: an access token is needed (config secret keyVaultAccessToken or AZURE_KEYVAULT_ACCESS_TOKEN)`);
    }
    return { spec, credentials: { credential: cred }, ...(spec.vaultUrl === undefined ? { fromStack: { vaultUrl: "keyVaultUri" } } : {}) };
  },
};
