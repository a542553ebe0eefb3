// What the Infisical resources' providers share: a client for one call, closed after it, and the
// checks of where they connect. Small: loaded by reference with each provider.
import type * as pulumi from "@pulumi/pulumi";
import { InfisicalClient, siteUrlProblem, type InfisicalAuth } from "../clients/infisical/InfisicalClient";

/** Where an Infisical resource connects, as Pulumi inputs: the credentials are a Pulumi secret. */
export interface InfisicalSiteArgs {
  /** `https://app.infisical.com`, `https://eu.infisical.com` or a self-hosted site. */
  siteUrl: string;
  /** A machine identity's universal-auth client ID and secret, or an access token. */
  auth: InfisicalAuth;
  caCertPem?: string;
}

/** The connection fields both resources store (`auth` is a Pulumi secret). */
export interface InfisicalSiteProps {
  siteUrl: string;
  auth: InfisicalAuth;
  caCertPem?: string;
}

export async function withInfisical<T>(p: InfisicalSiteProps, fn: (c: InfisicalClient) => Promise<T>): Promise<T> {
  const c = new InfisicalClient({ siteUrl: p.siteUrl, auth: p.auth, ...(p.caCertPem ? { caCertPem: p.caCertPem } : {}) });
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** Problems of the site and credentials, named `[infisical.…]`; no network. */
export function infisicalSiteFailures(p: Partial<InfisicalSiteProps>): pulumi.dynamic.CheckFailure[] {
  const out: pulumi.dynamic.CheckFailure[] = [];
  const site = siteUrlProblem(p.siteUrl);
  if (site) out.push({ property: "siteUrl", reason: `[infisical.siteUrl] ${site}` });
  const a = p.auth;
  if (!a || (a.method === "universal-auth" ? !a.clientId || !a.clientSecret : a.method === "access-token" ? !a.accessToken : true)) {
    out.push({ property: "auth", reason: "[infisical.auth] needs {method: universal-auth, clientId, clientSecret} or {method: access-token, accessToken}" });
  }
  return out;
}

/** Infisical's slugs (names of connections and syncs): `[a-z0-9-]`. */
export const INFISICAL_SLUG = /^[a-z0-9]+(?:-[a-z0-9]+)*$/;
