// The Infisical driver: its spec, checks and how to open it.
import { INFISICAL_PLAN_LIMITS, siteUrlProblem, type InfisicalAuth, type InfisicalPacing } from "../../../clients/infisical/InfisicalClient";
import type { DestinationDriver } from "../../destination";
import { createInfisicalDestination } from "./destination";
import { PROJECT_SLUG, ENV_SLUG, infisicalNaming, type InfisicalProjectMapping } from "./naming";

/** Infisical Cloud (US/EU) or self-hosted. Needs a machine identity (universal auth) that may create and write the projects. */
export interface InfisicalDestinationSpec {
  kind: "infisical";
  /** `https://app.infisical.com` (default), `https://eu.infisical.com` or a self-hosted site. */
  siteUrl: string;
  /** `mount` (default): one project per KV mount, one environment (`environment`, default `production`); `namespace`: the namespace's `project`, one environment per mount. */
  projectMapping?: InfisicalProjectMapping;
  /** Project slug (5–36 of `[a-z0-9-]`): required with `namespace`; with `mount` it replaces the slug made from the mount. */
  project?: string;
  /** Environment slug with `mount` mapping. Default `production`. */
  environment?: string;
  /** A multi-key Vault secret as a `folder` of keys (default, Infisical's own layout) or one `json` value. */
  layout?: "folder" | "json";
  /** A value with edge whitespace, which Infisical trims: `refuse` (default) at preview, or store it `base64`-encoded with its key marked `migration-encoding: base64`. */
  whitespace?: "refuse" | "base64";
  /** Pacing under the plan's limits (secrets, read, write per minute; 600/min overall): `free` 120/200/90, `pro` 300/350/200, `self-hosted` none (default). */
  plan?: "free" | "pro" | "self-hosted";
  /** Explicit pacing (wins over `plan`): `requestsPerMinute` the secrets limit, optional read/write (default the same) and overall (default 600 on Cloud) limits; `false` turns it off. */
  pacing?: InfisicalPacing | false;
  caCertPem?: string;
}

export interface InfisicalCredentials {
  auth: InfisicalAuth;
}

/** Every key of an Infisical destination spec (README's tables are checked against it). */
export const INFISICAL_SPEC_KEYS = ["kind", "siteUrl", "projectMapping", "project", "environment", "layout", "whitespace", "plan", "pacing", "caCertPem"];

const PACING_KEYS = ["requestsPerMinute", "readPerMinute", "writePerMinute", "overallPerMinute", "headroom", "windowMs"];

function validateSpec(spec: Readonly<Record<string, unknown>>, prefix: string): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(spec)) if (!INFISICAL_SPEC_KEYS.includes(k)) problems.push(`[${prefix}.${k}] is not an Infisical destination setting`);
  const site = siteUrlProblem(spec.siteUrl);
  if (site) problems.push(`[${prefix}.siteUrl] ${site}`);
  if (spec.projectMapping !== undefined && spec.projectMapping !== "mount" && spec.projectMapping !== "namespace") problems.push(`[${prefix}.projectMapping] must be "mount" or "namespace"`);
  if (spec.projectMapping === "namespace" && spec.project === undefined) problems.push(`[${prefix}.project] is required with projectMapping "namespace" (the slug of the namespace's project)`);
  if (spec.project !== undefined && (typeof spec.project !== "string" || !PROJECT_SLUG.test(spec.project))) problems.push(`[${prefix}.project] must be a project slug of 5-36 characters of [a-z0-9-]: ${JSON.stringify(spec.project)}`);
  if (spec.environment !== undefined && (typeof spec.environment !== "string" || !ENV_SLUG.test(spec.environment))) problems.push(`[${prefix}.environment] must be an environment slug of at most 64 characters of [a-z0-9-]: ${JSON.stringify(spec.environment)}`);
  if (spec.environment !== undefined && spec.projectMapping === "namespace") problems.push(`[${prefix}.environment] is the mount's with projectMapping "namespace"; leave it out`);
  if (spec.layout !== undefined && spec.layout !== "folder" && spec.layout !== "json") problems.push(`[${prefix}.layout] must be "folder" or "json"`);
  if (spec.whitespace !== undefined && spec.whitespace !== "refuse" && spec.whitespace !== "base64") problems.push(`[${prefix}.whitespace] must be "refuse" or "base64"`);
  if (spec.plan !== undefined && !["free", "pro", "self-hosted"].includes(spec.plan as string)) problems.push(`[${prefix}.plan] must be "free", "pro" or "self-hosted"`);
  if (spec.pacing !== undefined && spec.pacing !== false) {
    const p = spec.pacing as Partial<InfisicalPacing> | null;
    if (typeof p !== "object" || p === null) problems.push(`[${prefix}.pacing] must be {requestsPerMinute, readPerMinute?, writePerMinute?, overallPerMinute?, headroom?, windowMs?} or false`);
    else {
      for (const k of Object.keys(p)) if (!PACING_KEYS.includes(k)) problems.push(`[${prefix}.pacing.${k}] is not a pacing setting (${PACING_KEYS.join(", ")})`);
      const perWindow = (v: unknown): boolean => typeof v === "number" && Number.isInteger(v) && v >= 1 && v <= 100_000;
      if (!perWindow(p.requestsPerMinute)) problems.push(`[${prefix}.pacing.requestsPerMinute] must be a whole number from 1 to 100,000`);
      for (const k of ["readPerMinute", "writePerMinute", "overallPerMinute"] as const) if (p[k] !== undefined && !perWindow(p[k])) problems.push(`[${prefix}.pacing.${k}] must be a whole number from 1 to 100,000`);
      if (p.windowMs !== undefined && (typeof p.windowMs !== "number" || !Number.isInteger(p.windowMs) || p.windowMs < 1000 || p.windowMs > 600_000)) problems.push(`[${prefix}.pacing.windowMs] must be a whole number of milliseconds from 1,000 to 600,000`);
      if (p.headroom !== undefined && (typeof p.headroom !== "number" || p.headroom < 0.1 || p.headroom > 1)) problems.push(`[${prefix}.pacing.headroom] must be a number from 0.1 to 1`);
    }
  }
  return problems;
}

function validateCredentials(c: unknown, prefix: string): string[] {
  const auth = (c as Partial<InfisicalCredentials> | undefined)?.auth as Record<string, unknown> | undefined;
  if (auth?.method === "universal-auth") {
    const out: string[] = [];
    if (typeof auth.clientId !== "string" || !auth.clientId) out.push(`[${prefix}.auth.clientId] is required (the machine identity's universal-auth client ID)`);
    if (typeof auth.clientSecret !== "string" || !auth.clientSecret) out.push(`[${prefix}.auth.clientSecret] is required (set it with pulumi config set --secret)`);
    return out;
  }
  if (auth?.method === "access-token") return typeof auth.accessToken === "string" && auth.accessToken ? [] : [`[${prefix}.auth.accessToken] is required`];
  return [`[${prefix}.auth.method] must be "universal-auth" or "access-token"`];
}

/** The pacing a spec asks for: explicit, else the plan's limit, else none. */
export function pacingOf(spec: Pick<InfisicalDestinationSpec, "plan" | "pacing">): InfisicalPacing | false {
  if (spec.pacing !== undefined) return spec.pacing;
  const limits = spec.plan ? INFISICAL_PLAN_LIMITS[spec.plan] : undefined;
  return limits ? { ...limits } : false;
}

export const infisicalDriver: DestinationDriver<InfisicalDestinationSpec, InfisicalCredentials> = {
  kind: "infisical",
  label: "InfisicalMigration",
  componentType: "vault-migration:migration:InfisicalMigration",
  // A getter (see the Key Vault driver): the static naming checks rule templates; the opened
  // destination's naming follows its spec's project mapping.
  get naming() {
    return infisicalNaming({});
  },
  validateSpec,
  validateCredentials,
  location: (spec) => `${spec.siteUrl.replace(/\/+$/, "")}${spec.project ? `/${spec.project}` : ""}`,
  open({ spec, credentials }, { fingerprintKey, settings }) {
    return createInfisicalDestination({
      siteUrl: spec.siteUrl,
      auth: credentials.auth,
      ...(spec.caCertPem ? { caCertPem: spec.caCertPem } : {}),
      ...(spec.projectMapping ? { projectMapping: spec.projectMapping } : {}),
      ...(spec.project ? { project: spec.project } : {}),
      ...(spec.environment ? { environment: spec.environment } : {}),
      ...(spec.layout ? { layout: spec.layout } : {}),
      ...(spec.whitespace ? { whitespace: spec.whitespace } : {}),
      pacing: pacingOf(spec),
      fingerprintKey,
      mount: settings.mount,
      ...(settings.rules ? { rules: settings.rules } : {}),
    });
  },
};
