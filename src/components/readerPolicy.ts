import { configuredPathProblem } from "../engine/paths";

/** A KV mount the migration reader may read, and the path prefixes within it. */
export interface ReaderSource {
  /** Mount path, e.g. `secret`. */
  mount: string;
  kvVersion: 1 | 2;
  /** Prefixes under the mount (`apps/billing/`); empty or omitted = the whole mount. */
  prefixes?: string[];
}

const clean = (s: string): string => s.replace(/^\/+|\/+$/g, "");

/** Validates sources; returns problems naming the argument. */
export function validateReaderSources(sources: ReaderSource[] | undefined): string[] {
  if (!sources?.length) return ["[sources] must name at least one KV mount"];
  const problems: string[] = [];
  sources.forEach((s, i) => {
    const mountProblem = configuredPathProblem(s.mount ?? "", true);
    if (mountProblem) problems.push(`[sources[${i}].mount] ${mountProblem === "is required" ? "must not be empty" : mountProblem}`);
    if (s.kvVersion !== 1 && s.kvVersion !== 2) problems.push(`[sources[${i}].kvVersion] must be 1 or 2`);
    for (const p of s.prefixes ?? []) {
      if (/[*+]/.test(p)) problems.push(`[sources[${i}].prefixes] are literal path prefixes, not globs: ${p}`);
      const prefixProblem = configuredPathProblem(p, false);
      if (prefixProblem) problems.push(`[sources[${i}].prefixes] ${prefixProblem}`);
    }
  });
  return problems;
}

/**
 * Renders the least-privilege reader policy: read+list on the KV v2 `data/` and `metadata/` trees
 * (or the KV v1 tree) under each prefix, and read on `sys/mounts` so the migration can detect a
 * mount's KV version. Nothing else: no write, no delete, no `sys/` beyond that one path.
 */
export function renderReaderPolicy(sources: ReaderSource[]): string {
  return renderPolicy(sources, "# Least-privilege reader for vault-migration: read and list only.", (mount, prefix, kvVersion) =>
    kvVersion === 2 ? [[`${mount}/data/${prefix}*`, ["read", "list"]], [`${mount}/metadata/${prefix}*`, ["read", "list"]]] : [[`${mount}/${prefix}*`, ["read", "list"]]],
  );
}

/**
 * Renders the policy of a CI preview identity (README, "Running in CI"): list and metadata read on
 * the KV v2 `metadata/` tree, `read` (no list) on `data/` because the preview reads the value of
 * each secret it is about to create or update to refuse an oversize one, and on KV v1 read+list,
 * because a KV v1 secret has no metadata and fingerprinting reads its value. No write anywhere.
 */
export function renderPreviewPolicy(sources: ReaderSource[]): string {
  return renderPolicy(sources, "# CI preview identity for vault-migration: list and metadata read; values only to size-check pending copies and to fingerprint KV v1.", (mount, prefix, kvVersion) =>
    kvVersion === 2 ? [[`${mount}/metadata/${prefix}*`, ["read", "list"]], [`${mount}/data/${prefix}*`, ["read"]]] : [[`${mount}/${prefix}*`, ["read", "list"]]],
  );
}

/**
 * Renders the retire policy (`retireSource`), separate from the reader's: on KV v2 `update` on the
 * `delete/` tree only, which soft-deletes named versions (`undelete` brings them back) and can
 * neither read, write nor destroy a value; on KV v1 `delete` on the tree, which is final. No read,
 * no list, no `sys/`: the copy's reader reads and verifies, this identity only deletes.
 */
export function renderRetirePolicy(sources: ReaderSource[]): string {
  return renderPolicy(
    sources,
    "# Retire identity for vault-migration: soft delete of KV v2 versions (undeletable), KV v1 delete; no read, no list.",
    (mount, prefix, kvVersion) => (kvVersion === 2 ? [[`${mount}/delete/${prefix}*`, ["update"]]] : [[`${mount}/${prefix}*`, ["delete"]]]),
    false,
  );
}

function renderPolicy(sources: ReaderSource[], header: string, pathsOf: (mount: string, prefix: string, kvVersion: 1 | 2) => Array<[string, string[]]>, sysMounts = true): string {
  const lines: string[] = [header];
  const rule = (path: string, caps: string[]): string => `path "${path}" {\n  capabilities = [${caps.map((c) => `"${c}"`).join(", ")}]\n}`;
  const seen = new Set<string>();
  for (const s of sources) {
    const mount = clean(s.mount);
    const prefixes = s.prefixes?.length ? s.prefixes.map((p) => (clean(p) ? `${clean(p)}/` : "")) : [""];
    for (const prefix of [...new Set(prefixes)].sort()) {
      for (const [p, caps] of pathsOf(mount, prefix, s.kvVersion)) {
        if (seen.has(p)) continue;
        seen.add(p);
        lines.push(rule(p, caps));
      }
    }
  }
  if (sysMounts) lines.push(rule("sys/mounts", ["read"]));
  return lines.join("\n") + "\n";
}
