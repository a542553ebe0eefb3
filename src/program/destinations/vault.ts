// Stack config of a Vault/OpenBao destination (`destination.kind: vault`).
import type { VaultAuth } from "../../clients/vault/connection";
import { vaultDriver } from "../../migration/destinations/vault/driver";
import { isObject, readCaFile, type DestinationConfigReader } from "./types";

/**
 * `destination`: `address` (else `DESTINATION_VAULT_ADDR`, else `VAULT_ADDR`), `namespace`,
 * `mount`, `prefix`, `kvVersion`, `caCertFile`, `insecureSkipTlsVerify`, `copyMetadata`,
 * `replayVersions`; `auth: {method: approle, roleId, secretId, mount?}`, else the token from the
 * secret config `destinationVaultToken` or `DESTINATION_VAULT_TOKEN`.
 */
export const vaultConfigReader: DestinationConfigReader = {
  kind: "vault",
  entryKeys: [],
  read(_entry, destination, ctx) {
    const { auth: rawAuth, caCertFile, ...spec } = destination;
    spec.address ??= ctx.env.DESTINATION_VAULT_ADDR ?? ctx.env.VAULT_ADDR;
    if (typeof spec.address !== "string" || !spec.address) ctx.problem(`${ctx.at("destination.address")} is required (or DESTINATION_VAULT_ADDR)`);
    const pem = readCaFile(caCertFile, "destination.caCertFile", ctx);
    if (pem) spec.caCertPem = pem;
    const token = ctx.secret("destinationVaultToken") ?? ctx.env.DESTINATION_VAULT_TOKEN ?? "";
    let auth: VaultAuth = { method: "token", token };
    if (isObject(rawAuth) && rawAuth.method === "approle") {
      auth = { method: "approle", roleId: String(rawAuth.roleId ?? ""), secretId: String(rawAuth.secretId ?? ""), ...(typeof rawAuth.mount === "string" ? { mount: rawAuth.mount } : {}) };
    } else if (isObject(rawAuth) && rawAuth.method === "token") {
      if (typeof rawAuth.token === "string") auth = { method: "token", token: rawAuth.token };
    } else if (rawAuth !== undefined) {
      ctx.problem(`${ctx.at("destination.auth.method")} must be "token" or "approle"`);
    }
    // The driver's rule, named under this entry's key; where a token can come from is the reader's to say.
    for (const p of vaultDriver.validateCredentials({ auth }, `${ctx.prefix}.destination`)) {
      ctx.problem(p.endsWith("a token is needed") ? `${p} (secret config destinationVaultToken or DESTINATION_VAULT_TOKEN, or destination.auth approle)` : p);
    }
    return { spec, credentials: { auth } };
  },
};
