// ScaiVault secret paths (fact sheet §2): lowercase a-z 0-9 - _ /, ≤ 10 segments, ≤ 512 characters.
import { isValidScaiVaultPath, scaiVaultPathProblem } from "../../../clients/scaivault/paths";
import type { DestinationNaming } from "../../../engine";

/**
 * Maps a rendered name onto the grammar: lower-cased, every other character outside it becomes
 * `-`, runs of `/` collapse, leading and trailing `/` go. Lower-casing makes `Team/DB` and
 * `team/db` one name, so the mapper's collision check (run after sanitising) refuses both.
 * Nothing is cut: a path still over 10 segments or 512 characters fails `isValid` and is refused.
 */
export function sanitizeScaiVaultPath(raw: string): string {
  return raw
    .toLowerCase()
    .replace(/[^a-z0-9\-_/]/g, "-")
    .replace(/\/+/g, "/")
    .replace(/^\/+|\/+$/g, "");
}

/** What the mapping did beyond substituting characters, or why the name is refused. */
export function describeScaiVaultNameChange(raw: string, name: string): string | undefined {
  const notes: string[] = [];
  if (raw !== raw.toLowerCase()) notes.push("lower-cased");
  const why = scaiVaultPathProblem(name);
  if (why) notes.push(why);
  return notes.length ? notes.join("; ") : undefined;
}

/**
 * ScaiVault paths are case-sensitive, but only lowercase ones are valid, so two valid names never
 * differ only in case: comparing them ignoring case is the same, and folds `Team/DB` onto `team/db`
 * for the collision check.
 */
export const scaiVaultNaming: DestinationNaming = {
  id: "scaivault-path",
  caseSensitive: false,
  sanitize: sanitizeScaiVaultPath,
  isValid: isValidScaiVaultPath,
  describeChange: describeScaiVaultNameChange,
};
