// Two Infisical syncs into one Vault mount/path erase each other's keys unless their key schemas keep
// the keys apart (Infisical issues #4318, #807; fact sheet §5): the sync deletes every key matching
// its schema that its own source lacks, and writes its keys over whatever is there. Pure, no Pulumi.

export interface SyncTarget {
  /** How the sync is named in errors (the resource or config name). */
  readonly label: string;
  readonly mount: string;
  readonly path: string;
  readonly environment: string;
  readonly keySchema?: string;
}

/** The literal text before the first and after the last `{{secretKey}}`, with the environment filled in. */
function edges(t: SyncTarget): { prefix: string; suffix: string } | undefined {
  const s = t.keySchema;
  if (!s || !s.includes("{{secretKey}}")) return undefined;
  const fill = (x: string): string => x.split("{{environment}}").join(t.environment);
  return { prefix: fill(s.slice(0, s.indexOf("{{secretKey}}"))), suffix: fill(s.slice(s.lastIndexOf("{{secretKey}}") + "{{secretKey}}".length)) };
}

const compatible = (a: string, b: string, at: "start" | "end"): boolean => (at === "start" ? a.startsWith(b) || b.startsWith(a) : a.endsWith(b) || b.endsWith(a));

/**
 * True when no Vault key can belong to both syncs: their schemas' fixed prefixes (or suffixes)
 * differ so that neither is a prefix (suffix) of the other. No schema matches every key.
 */
export function keysKeptApart(a: SyncTarget, b: SyncTarget): boolean {
  const x = edges(a);
  const y = edges(b);
  if (!x || !y) return false;
  return !compatible(x.prefix, y.prefix, "start") || !compatible(x.suffix, y.suffix, "end");
}

const norm = (s: string): string => s.replace(/^\/+|\/+$/g, "");

/** One message per pair of syncs sharing a mount/path whose keys are not kept apart. */
export function syncTargetOverlaps(targets: readonly SyncTarget[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < targets.length; i++) {
    for (let j = i + 1; j < targets.length; j++) {
      const a = targets[i] as SyncTarget;
      const b = targets[j] as SyncTarget;
      if (norm(a.mount) !== norm(b.mount) || norm(a.path) !== norm(b.path) || keysKeptApart(a, b)) continue;
      out.push(
        `Infisical syncs "${a.label}" and "${b.label}" both write Vault ${norm(a.mount)}/${norm(a.path)} and would erase each other's keys ` +
          `(Infisical issues #4318, #807): give each a keySchema with its own fixed prefix or suffix (e.g. "A_{{secretKey}}" and "B_{{secretKey}}"), or another path`,
      );
    }
  }
  return out;
}
