// ScaiVault's secret path grammar (fact sheet §2): lowercase a-z 0-9 - _ /, case-sensitive, at most
// 10 segments and 512 characters, no leading or trailing `/`, no `//`. Shared by the client (it
// refuses to send a bad path) and the driver's naming.

export const SCAIVAULT_PATH_MAX_LENGTH = 512;
export const SCAIVAULT_PATH_MAX_SEGMENTS = 10;

/** Why a path breaks the grammar, or undefined when it is valid. */
export function scaiVaultPathProblem(path: string): string | undefined {
  if (!path) return "the path is empty";
  if (path.length > SCAIVAULT_PATH_MAX_LENGTH) return `the path is ${path.length} characters, over ${SCAIVAULT_PATH_MAX_LENGTH}`;
  if (!/^[a-z0-9\-_/]+$/.test(path)) return "the path holds characters outside lowercase a-z, 0-9, '-', '_' and '/'";
  if (path.startsWith("/") || path.endsWith("/")) return "the path starts or ends with '/'";
  if (path.includes("//")) return "the path holds an empty segment ('//')";
  const n = path.split("/").length;
  if (n > SCAIVAULT_PATH_MAX_SEGMENTS) return `the path has ${n} segments, over ${SCAIVAULT_PATH_MAX_SEGMENTS}`;
  return undefined;
}

export function isValidScaiVaultPath(path: string): boolean {
  return scaiVaultPathProblem(path) === undefined;
}
