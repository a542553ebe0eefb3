// The ScaiVault driver: its spec, checks and how to open it.
import type { ScaiVaultPacing } from "../../../clients/scaivault/pacer";
import type { DestinationDriver } from "../../destination";
import { createScaiVaultDestination } from "./destination";
import { scaiVaultNaming } from "./naming";

/** ScaiVault (fact sheet shared/scaivault-api.md). Scopes: see `createScaiVaultDestination`. */
export interface ScaiVaultDestinationSpec {
  kind: "scaivault";
  /** e.g. `https://scaivault.scailabs.ai`; `http://` only on a loopback address (a local double). */
  url: string;
  caCertPem?: string;
  /** `secret_type` of the copies: `kv`, `json` (default), `certificate`, `ssh_key`, `api_key`. */
  secretType?: string;
  /** Plain tags on every copy (default `["migrated-from-vault"]`); no `=` in a tag (markers use it). */
  tags?: string[];
  /** Description of every copy; placeholders `{mount}`, `{path}` (default `Migrated from vault: {mount}/{path}`). */
  description?: string;
  /** `options.max_versions` (default 10). */
  maxVersions?: number;
  /** Client-side pacing under the rate limits (default the documented limits × 0.95 per minute); `false` turns it off. */
  pacing?: ScaiVaultPacing | false;
}

/** ScaiVault credentials: a Pulumi secret wherever stored. */
export interface ScaiVaultCredentials {
  token: string;
}

/** Every key of a ScaiVault destination spec (README's tables are checked against it). */
export const SCAIVAULT_SPEC_KEYS = ["kind", "url", "caCertPem", "secretType", "tags", "description", "maxVersions", "pacing"];
const PACING_KEYS = ["writeLimit", "readLimit", "deleteLimit", "listLimit", "federationLimit", "windowMs", "headroom"];
const SECRET_TYPES = ["kv", "json", "certificate", "ssh_key", "api_key"];

/** Accepted ranges of the pacing settings (a typo is likelier than a million writes a minute). */
export const SCAIVAULT_SETTING_BOUNDS: Readonly<Record<string, { readonly min: number; readonly max: number; readonly whole: boolean }>> = {
  writeLimit: { min: 1, max: 100_000, whole: true },
  readLimit: { min: 1, max: 1_000_000, whole: true },
  deleteLimit: { min: 1, max: 100_000, whole: true },
  listLimit: { min: 1, max: 100_000, whole: true },
  federationLimit: { min: 1, max: 10_000, whole: true },
  windowMs: { min: 100, max: 3_600_000, whole: true },
  headroom: { min: 0.1, max: 1, whole: false },
  maxVersions: { min: 1, max: 1000, whole: true },
};

function bound(key: string, setting: string, v: unknown): string | undefined {
  const b = SCAIVAULT_SETTING_BOUNDS[setting] as { min: number; max: number; whole: boolean };
  const ok = typeof v === "number" && Number.isFinite(v) && v >= b.min && v <= b.max && (!b.whole || Number.isInteger(v));
  return ok ? undefined : `[${key}] must be ${b.whole ? "a whole number" : "a number"} from ${b.min.toLocaleString("en-US")} to ${b.max.toLocaleString("en-US")}: ${JSON.stringify(v)}`;
}

function validateSpec(spec: Readonly<Record<string, unknown>>, prefix: string): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(spec)) if (!SCAIVAULT_SPEC_KEYS.includes(k)) problems.push(`[${prefix}.${k}] is not a ScaiVault destination setting`);
  const url = typeof spec.url === "string" ? spec.url : "";
  try {
    const u = new URL(url);
    const loopback = ["127.0.0.1", "localhost", "[::1]"].includes(u.hostname);
    if (u.protocol !== "https:" && !(u.protocol === "http:" && loopback)) problems.push(`[${prefix}.url] must be https (http only on a loopback address): ${url}`);
    if (u.pathname !== "/" && u.pathname !== "") problems.push(`[${prefix}.url] must be the server's base URL, without a path: ${url}`);
  } catch {
    problems.push(`[${prefix}.url] is not a URL: ${url}`);
  }
  if (spec.secretType !== undefined && !SECRET_TYPES.includes(spec.secretType as string)) problems.push(`[${prefix}.secretType] must be one of ${SECRET_TYPES.join(", ")}`);
  if (spec.tags !== undefined) {
    if (!Array.isArray(spec.tags) || spec.tags.some((t) => typeof t !== "string" || !t || t.includes("=") || t.length > 128)) problems.push(`[${prefix}.tags] must be a list of tags of 1–128 characters without '=' (the markers' tags use it)`);
    else if (spec.tags.length > 16) problems.push(`[${prefix}.tags] holds ${spec.tags.length} tags; at most 16`);
  }
  if (spec.description !== undefined && (typeof spec.description !== "string" || spec.description.length > 1024)) problems.push(`[${prefix}.description] must be a string of at most 1,024 characters`);
  if (spec.maxVersions !== undefined) {
    const p = bound(`${prefix}.maxVersions`, "maxVersions", spec.maxVersions);
    if (p) problems.push(p);
  }
  if (spec.pacing !== undefined && spec.pacing !== false) {
    if (typeof spec.pacing !== "object" || spec.pacing === null || Array.isArray(spec.pacing)) problems.push(`[${prefix}.pacing] must be an object or false`);
    else {
      for (const [k, v] of Object.entries(spec.pacing as Record<string, unknown>)) {
        if (!PACING_KEYS.includes(k)) problems.push(`[${prefix}.pacing.${k}] is not a pacing setting (${PACING_KEYS.join(", ")})`);
        else {
          const p = bound(`${prefix}.pacing.${k}`, k, v);
          if (p) problems.push(p);
        }
      }
    }
  }
  return problems;
}

function validateCredentials(c: unknown, prefix: string): string[] {
  const token = (c as Partial<ScaiVaultCredentials> | undefined)?.token;
  if (typeof token !== "string" || !token) return [`[${prefix}]: a ScaiVault token is needed`];
  if (/\s/.test(token)) return [`[${prefix}]: the ScaiVault token holds whitespace`];
  return [];
}

export const scaiVaultDriver: DestinationDriver<ScaiVaultDestinationSpec, ScaiVaultCredentials> = {
  kind: "scaivault",
  label: "ScaiVaultMigration",
  componentType: "vault-migration:migration:ScaiVaultMigration",
  // A getter, as the other drivers (closure serializer ordering).
  get naming() {
    return scaiVaultNaming;
  },
  validateSpec,
  validateCredentials,
  // Its check at `up` must see the proxy mappings of the stack's backends.
  waitsFor: ["federationBackends"],
  location: (spec) => spec.url.replace(/\/+$/, ""),
  open({ spec, credentials }, { fingerprintKey }) {
    return createScaiVaultDestination({
      url: spec.url,
      token: credentials.token,
      ...(spec.caCertPem ? { caCertPem: spec.caCertPem } : {}),
      fingerprintKey,
      ...(spec.secretType ? { secretType: spec.secretType } : {}),
      ...(spec.tags ? { tags: spec.tags } : {}),
      ...(spec.description !== undefined ? { description: spec.description } : {}),
      ...(spec.maxVersions !== undefined ? { maxVersions: spec.maxVersions } : {}),
      ...(spec.pacing !== undefined ? { pacing: spec.pacing } : {}),
    });
  },
};
