/**
 * Checks of the slash-separated paths users configure (mounts, prefixes, auth mount paths).
 *
 * Why: a `.` or `..` segment is resolved by the URL parser before the request leaves the machine
 * (`secret/../sys/policy/default` reaches `/v1/sys/policy/default`), so a mount or prefix holding
 * one escapes the mount it names. An empty segment (`a//b`) is resolved differently by Vault's
 * router than by our own path joins. Vault also decodes the URL path before routing, so a segment
 * that percent-decodes to `.` or `..` (`%2e%2e`) is the same escape and is refused as well.
 */

/** Why `segment` may not appear in an API path, or `undefined` when it may. */
export function badSegment(segment: string): string | undefined {
  let decoded = segment;
  try {
    decoded = decodeURIComponent(segment);
  } catch {
    // Not valid percent-encoding: Vault keeps it literally, so the raw form is what counts.
  }
  if (segment === "" || decoded === "") return "an empty segment";
  if (decoded === "." || decoded === "..") return `a '${segment}' segment`;
  return undefined;
}

/**
 * Why the configured path `value` is refused, or `undefined` when it is a clean path. Leading and
 * trailing slashes are tolerated (`/secret/`, `apps/`), as the readers strip them; an empty value
 * is the caller's to allow or not (`required`).
 */
export function configuredPathProblem(value: string, required: boolean): string | undefined {
  const trimmed = value.replace(/^\/+|\/+$/g, "");
  if (trimmed === "") return required ? "is required" : undefined;
  for (const segment of trimmed.split("/")) {
    const why = badSegment(segment);
    if (why) return `must be a path without empty, '.' or '..' segments (found ${why}): ${JSON.stringify(value)}`;
  }
  return undefined;
}
