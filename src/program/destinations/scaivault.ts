// Stack config of a ScaiVault destination (`destination.kind: scaivault`).
import { scaiVaultDriver } from "../../migration/destinations/scaivault/driver";
import { readCaFile, type DestinationConfigReader } from "./types";

/**
 * `destination`: `url` (else `SCAIVAULT_URL`), `caCertFile` (else `SCAIVAULT_CA_FILE`),
 * `secretType`, `tags`, `description`, `maxVersions`, `pacing`. The token comes from the secret
 * config `scaivaultToken` or `SCAIVAULT_TOKEN`, never from the plain `destination` object.
 */
export const scaiVaultConfigReader: DestinationConfigReader = {
  kind: "scaivault",
  entryKeys: [],
  read(_entry, destination, ctx) {
    const { caCertFile, ...spec } = destination;
    if ("token" in spec) ctx.problem(`${ctx.at("destination.token")}: a token is not read from the plain destination settings; set the secret config scaivaultToken (pulumi config set --secret scaivaultToken …) or SCAIVAULT_TOKEN`);
    delete spec.token;
    spec.url ??= ctx.env.SCAIVAULT_URL;
    if (typeof spec.url !== "string" || !spec.url) ctx.problem(`${ctx.at("destination.url")} is required (or SCAIVAULT_URL)`);
    const pem = readCaFile(caCertFile ?? ctx.env.SCAIVAULT_CA_FILE, "destination.caCertFile", ctx);
    if (pem) spec.caCertPem = pem;
    const token = ctx.secret("scaivaultToken") ?? ctx.env.SCAIVAULT_TOKEN ?? "";
    for (const p of scaiVaultDriver.validateCredentials({ token }, `${ctx.prefix}.destination`)) {
      ctx.problem(p.endsWith("token is needed") ? `${p} (secret config scaivaultToken or SCAIVAULT_TOKEN)` : p);
    }
    return { spec, credentials: { token } };
  },
};
