// The Vault/OpenBao KV driver: its spec, checks and how to open it.
import { validateVaultConnection, type VaultAuth } from "../../../clients/vault/connection";
import { configuredPathProblem } from "../../../engine/paths";
import type { DestinationDriver } from "../../destination";
import { createVaultDestination } from "./destination";
import { vaultKvNaming } from "./naming";

/**
 * Vault/OpenBao KV (another namespace or another cluster). Needs the capabilities listed on
 * `createVaultDestination` under `mount/prefix`.
 */
export interface VaultDestinationSpec {
  kind: "vault";
  /** e.g. `https://vault-b.example.com:8200`. */
  address: string;
  /** Namespace the destination mount lives in (Vault Enterprise / OpenBao). */
  namespace?: string;
  /** KV mount, e.g. `secret`. */
  mount: string;
  /** Detected when omitted. */
  kvVersion?: 1 | 2;
  /** Folder the names are written under. */
  prefix?: string;
  /** PEM bundle to trust instead of the default CAs. */
  caCertPem?: string;
  /** Turns TLS verification off (throwaway servers only). */
  insecureSkipTlsVerify?: boolean;
  /** KV v2 → KV v2: copy custom_metadata, max_versions, cas_required, delete_version_after. Default true. */
  copyMetadata?: boolean;
  /** KV v2 → KV v2: write every live source version in order. Default false. */
  replayVersions?: boolean;
}

/** Vault credentials: a token or an AppRole; a Pulumi secret wherever stored. */
export interface VaultCredentials {
  auth: VaultAuth;
}

/** Every key of a Vault destination spec (README's tables are checked against it). */
export const VAULT_SPEC_KEYS = ["kind", "address", "namespace", "mount", "kvVersion", "prefix", "caCertPem", "insecureSkipTlsVerify", "copyMetadata", "replayVersions"];
const trim = (p: unknown): string => (typeof p === "string" ? p : "").replace(/^\/+|\/+$/g, "");

function validateSpec(spec: Readonly<Record<string, unknown>>, prefix: string): string[] {
  const problems: string[] = [];
  for (const k of Object.keys(spec)) if (!VAULT_SPEC_KEYS.includes(k)) problems.push(`[${prefix}.${k}] is not a Vault destination setting`);
  // The connection check wants an auth; credentials are checked apart, so a placeholder stands in.
  problems.push(...validateVaultConnection({ address: spec.address as string | undefined, auth: { method: "token", token: "-" } }, prefix));
  const mountProblem = configuredPathProblem(typeof spec.mount === "string" ? spec.mount : "", true);
  if (mountProblem) problems.push(`[${prefix}.mount] ${mountProblem}`);
  if (spec.kvVersion !== undefined && spec.kvVersion !== 1 && spec.kvVersion !== 2) problems.push(`[${prefix}.kvVersion] must be 1 or 2`);
  if (spec.prefix !== undefined) {
    const prefixProblem = typeof spec.prefix === "string" ? configuredPathProblem(spec.prefix, false) : "must be a string";
    if (prefixProblem) problems.push(`[${prefix}.prefix] ${prefixProblem}`);
  }
  for (const k of ["copyMetadata", "replayVersions", "insecureSkipTlsVerify"]) {
    if (spec[k] !== undefined && typeof spec[k] !== "boolean") problems.push(`[${prefix}.${k}] must be true or false`);
  }
  return problems;
}

function validateCredentials(c: unknown, prefix: string): string[] {
  const auth = (c as Partial<VaultCredentials> | undefined)?.auth;
  // Only the auth part of the connection check: the address is the spec's.
  return validateVaultConnection({ address: "https://checked.with.the.spec", auth }, prefix).map((p) => p.replace(`[${prefix}.auth.token] is empty`, `[${prefix}]: a token is needed`));
}

export const vaultDriver: DestinationDriver<VaultDestinationSpec, VaultCredentials> = {
  kind: "vault",
  label: "VaultMigration",
  componentType: "vault-migration:migration:VaultMigration",
  // A getter, not the object itself: Pulumi's closure serializer, meeting the object both here
  // and through the destination module's exports, emitted the exports' assignment before the
  // object's declaration (so the provider saw `undefined`).
  get naming() {
    return vaultKvNaming;
  },
  validateSpec,
  validateCredentials,
  location(spec) {
    const ns = spec.namespace ? `${trim(spec.namespace)}/` : "";
    const prefix = trim(spec.prefix);
    return `${spec.address.replace(/\/+$/, "")}/${ns}${trim(spec.mount)}${prefix ? `/${prefix}` : ""}`;
  },
  open({ spec, credentials }, { fingerprintKey, settings, source }) {
    return createVaultDestination({
      connection: {
        address: spec.address,
        ...(spec.namespace ? { namespace: spec.namespace } : {}),
        ...(spec.caCertPem ? { caCertPem: spec.caCertPem } : {}),
        ...(spec.insecureSkipTlsVerify ? { insecureSkipTlsVerify: true } : {}),
        auth: credentials.auth,
      },
      mount: spec.mount,
      ...(spec.kvVersion !== undefined ? { kvVersion: spec.kvVersion } : {}),
      ...(spec.prefix !== undefined ? { prefix: spec.prefix } : {}),
      fingerprintKey,
      copyMetadata: spec.copyMetadata ?? true,
      replayVersions: spec.replayVersions ?? false,
      concurrency: Math.min(settings.concurrency, 64),
      ...(source?.history ? { sourceHistory: source.history } : {}),
    });
  },
};
