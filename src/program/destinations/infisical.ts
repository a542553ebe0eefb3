// Stack config of an Infisical destination (`destination.kind: infisical`).
import { INFISICAL_CLOUD_US, type InfisicalAuth } from "../../clients/infisical/InfisicalClient";
import { infisicalDriver } from "../../migration/destinations/infisical/driver";
import { isObject, readCaFile, type DestinationConfigReader } from "./types";

/**
 * `destination`: `siteUrl` (else `INFISICAL_SITE_URL`, else Infisical Cloud US), `projectMapping`,
 * `project`, `environment`, `layout`, `whitespace`, `plan`, `pacing`, `caCertFile`; `auth: {method:
 * universal-auth, clientId, clientSecret}` (clientId else `INFISICAL_CLIENT_ID`, clientSecret else the
 * secret config `infisicalClientSecret` or `INFISICAL_CLIENT_SECRET`), or `{method: access-token}`
 * with the token from the secret config `infisicalAccessToken` or `INFISICAL_TOKEN`.
 */
export const infisicalConfigReader: DestinationConfigReader = {
  kind: "infisical",
  entryKeys: [],
  read(_entry, destination, ctx) {
    const { auth: rawAuth, caCertFile, ...spec } = destination;
    spec.siteUrl ??= ctx.env.INFISICAL_SITE_URL ?? INFISICAL_CLOUD_US;
    const pem = readCaFile(caCertFile, "destination.caCertFile", ctx);
    if (pem) spec.caCertPem = pem;
    const a = isObject(rawAuth) ? rawAuth : { method: "universal-auth" };
    let auth: InfisicalAuth;
    if (a.method === "access-token") {
      auth = { method: "access-token", accessToken: String(a.accessToken ?? ctx.secret("infisicalAccessToken") ?? ctx.env.INFISICAL_TOKEN ?? "") };
    } else {
      if (a.method !== "universal-auth") ctx.problem(`${ctx.at("destination.auth.method")} must be "universal-auth" or "access-token"`);
      auth = {
        method: "universal-auth",
        clientId: String(a.clientId ?? ctx.env.INFISICAL_CLIENT_ID ?? ""),
        clientSecret: String(a.clientSecret ?? ctx.secret("infisicalClientSecret") ?? ctx.env.INFISICAL_CLIENT_SECRET ?? ""),
      };
    }
    // The driver's rule, named under this entry's key; where a credential can come from is the reader's to say.
    for (const p of infisicalDriver.validateCredentials({ auth }, `${ctx.prefix}.destination`)) {
      ctx.problem(
        p.includes("clientSecret")
          ? `${p} (or the secret config infisicalClientSecret, or INFISICAL_CLIENT_SECRET)`
          : p.includes("clientId")
            ? `${p} (or INFISICAL_CLIENT_ID)`
            : p.includes("accessToken")
              ? `${p} (the secret config infisicalAccessToken, or INFISICAL_TOKEN)`
              : p,
      );
    }
    return { spec, credentials: { auth } };
  },
};
