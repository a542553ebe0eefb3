// Unknown keys in the stack's config objects: a misplaced key would be ignored silently (a
// `prefixes` beside `sources` instead of inside one widens the reader's policy to the whole mount),
// so each one is an error naming it and the nearest valid key.

/** Pushes one problem per key of `o` not in `known`, with "did you mean" for a near miss. */
export function unknownKeys(o: Record<string, unknown>, known: readonly string[], at: (k: string) => string, problems: string[]): void {
  for (const k of Object.keys(o)) {
    if (known.includes(k)) continue;
    const near = nearest(k, known);
    problems.push(`${at(k)} is not a setting${near ? `; did you mean [${near}]?` : ""}`);
  }
}

/** The known key closest to `k` (edit distance ≤ 3), for "did you mean". */
export function nearest(k: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 4;
  for (const c of known) {
    const d = editDistance(k.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0] as number;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j] as number;
      row[j] = Math.min(cur + 1, (row[j - 1] as number) + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length] as number;
}
