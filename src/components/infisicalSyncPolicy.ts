// The least-privilege Vault policy of an Infisical sync's AppRole (seed 002's "Secret Sync" policy,
// narrowed from `<mount>/data/*` to the sync's own path). What the sync calls (fact sheet §5):
// `GET sys/mounts` (the KV version), read then write of the one secret. No delete (the sync writes
// the whole map), no list, no metadata.
import { configuredPathProblem } from "../engine/paths";

export interface InfisicalSyncPolicyTarget {
  /** The KV mount, e.g. `secret`. */
  mount: string;
  /** The secret's path under the mount (the sync's destination path), e.g. `apps/web`. */
  path: string;
  /** Default 2. */
  kvVersion?: 1 | 2;
  /** Also grant the paths under `path` (`path/*`): several syncs below one prefix. Default false. */
  folder?: boolean;
}

const clean = (s: string): string => s.replace(/^\/+|\/+$/g, "");

export function infisicalSyncPolicyProblems(targets: readonly InfisicalSyncPolicyTarget[]): string[] {
  if (targets.length === 0) return ["[targets] must name at least one mount and path"];
  const out: string[] = [];
  targets.forEach((t, i) => {
    const m = configuredPathProblem(t.mount ?? "", true);
    if (m) out.push(`[targets[${i}].mount] ${m}`);
    if (!clean(t.path ?? "")) out.push(`[targets[${i}].path] must name the sync's secret (not the whole mount)`);
    else if (/[*+]/.test(t.path)) out.push(`[targets[${i}].path] is a literal path, not a glob: ${t.path}`);
    if (t.kvVersion !== undefined && t.kvVersion !== 1 && t.kvVersion !== 2) out.push(`[targets[${i}].kvVersion] must be 1 or 2`);
  });
  return out;
}

/** The policy's HCL: create/read/update on each target (and below it for a folder), read on `sys/mounts`. */
export function renderInfisicalSyncPolicy(targets: readonly InfisicalSyncPolicyTarget[]): string {
  const problems = infisicalSyncPolicyProblems(targets);
  if (problems.length > 0) throw new Error(`Infisical sync policy: ${problems.join("; ")}`);
  const lines = ["# Least-privilege Vault policy for an Infisical secret sync: its own secret(s) only."];
  const seen = new Set<string>();
  for (const t of targets) {
    const base = (t.kvVersion ?? 2) === 2 ? `${clean(t.mount)}/data/${clean(t.path)}` : `${clean(t.mount)}/${clean(t.path)}`;
    for (const p of t.folder ? [base, `${base}/*`] : [base]) {
      if (seen.has(p)) continue;
      seen.add(p);
      lines.push(`path "${p}" {`, `  capabilities = ["create", "read", "update"]`, "}");
    }
  }
  lines.push(`path "sys/mounts" {`, `  capabilities = ["read"]`, "}");
  return `${lines.join("\n")}\n`;
}
