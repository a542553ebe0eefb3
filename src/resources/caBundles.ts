// CA bundles out of the diff: a PEM is kilobytes of text that `pulumi preview --diff` would print
// in full on every change of a migration's inputs. The resource keeps it in a separate input
// (stored encrypted, as a secret, though it is not one) and shows a SHA-256 of it in its place, so
// the diff still says that it changed.

/** The PEM bundles a migration's connections trust, kept apart from the shown inputs. */
export interface CaBundles {
  source?: string;
  destination?: string;
}

/** `x` with its `caCertPem` replaced by `caCertSha256`, and the PEM. */
export function splitCa<T extends { caCertPem?: unknown }>(x: T): { shown: Omit<T, "caCertPem"> & { caCertSha256?: string }; pem?: string } {
  const { caCertPem, ...rest } = x;
  if (typeof caCertPem !== "string" || caCertPem === "") return { shown: rest };
  const { createHash } = require("node:crypto") as typeof import("node:crypto");
  return { shown: { ...rest, caCertSha256: createHash("sha256").update(caCertPem, "utf8").digest("hex") }, pem: caCertPem };
}

/** The inverse of {@link splitCa}: what a client connects with. State written before the split keeps its PEM inline. */
export function joinCa<T extends object>(shown: T & { caCertSha256?: string }, pem: string | undefined): T & { caCertPem?: string } {
  const { caCertSha256: _sha, ...rest } = shown;
  return (pem ? { ...rest, caCertPem: pem } : rest) as T & { caCertPem?: string };
}
