import { kvErrors } from "./errors";

/** Operation kinds, named after the SDK methods' REST operations (fact sheet §2). Counters use these keys. */
export const OPERATIONS = [
  "setSecret",
  "getSecret",
  "updateSecret",
  "deleteSecret",
  "getDeletedSecret",
  "purgeDeletedSecret",
  "recoverDeletedSecret",
  "backupSecret",
  "restoreSecret",
  "listSecrets",
  "listSecretVersions",
  "listDeletedSecrets",
] as const;
export type OperationName = (typeof OPERATIONS)[number];

/** Rights a token issued by the double can carry. */
export const RIGHTS = ["read", "write", "delete", "recover", "purge", "backup", "restore"] as const;
export type Right = (typeof RIGHTS)[number];

/**
 * Which right each operation needs. Mirrors the RBAC data actions of "Key Vault Secrets Officer",
 * coarsened: reading metadata and values is one right, as the migration never needs one without the other.
 */
export const REQUIRED_RIGHT: Readonly<Record<OperationName, Right>> = {
  getSecret: "read",
  listSecrets: "read",
  listSecretVersions: "read",
  getDeletedSecret: "read",
  listDeletedSecrets: "read",
  setSecret: "write",
  updateSecret: "write",
  deleteSecret: "delete",
  recoverDeletedSecret: "recover",
  purgeDeletedSecret: "purge",
  backupSecret: "backup",
  restoreSecret: "restore",
};

/** The RBAC data action named in a ForbiddenByRbac message (fact sheet §3). */
export const RBAC_ACTION: Readonly<Record<OperationName, string>> = {
  getSecret: "Microsoft.KeyVault/vaults/secrets/getSecret/action",
  listSecrets: "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
  listSecretVersions: "Microsoft.KeyVault/vaults/secrets/readMetadata/action",
  getDeletedSecret: "Microsoft.KeyVault/vaults/deletedSecrets/read",
  listDeletedSecrets: "Microsoft.KeyVault/vaults/deletedSecrets/read",
  setSecret: "Microsoft.KeyVault/vaults/secrets/setSecret/action",
  updateSecret: "Microsoft.KeyVault/vaults/secrets/update/action",
  deleteSecret: "Microsoft.KeyVault/vaults/secrets/delete",
  recoverDeletedSecret: "Microsoft.KeyVault/vaults/secrets/recover/action",
  purgeDeletedSecret: "Microsoft.KeyVault/vaults/deletedSecrets/purge/action",
  backupSecret: "Microsoft.KeyVault/vaults/secrets/backup/action",
  restoreSecret: "Microsoft.KeyVault/vaults/secrets/restore/action",
};

/** Operations whose request carries a JSON body. */
export const TAKES_BODY: ReadonlySet<OperationName> = new Set<OperationName>(["setSecret", "updateSecret", "restoreSecret"]);

export interface Route {
  op: OperationName;
  /** The name as the request spelled it (case kept for messages). */
  name?: string;
  /** `""` means the latest version (the SDK sends `/secrets/{n}/`). */
  version?: string;
}

const NAME = /^[0-9a-zA-Z-]{1,127}$/;

function checkName(name: string, method: string): string {
  if (name === "") throw kvErrors.methodNotAllowed(method);
  if (!NAME.test(name)) throw kvErrors.invalidName(name);
  return name;
}

/** Maps method + path to an operation, or throws the service's 400/404/405. */
export function route(method: string, pathname: string): Route {
  let segments: string[];
  try {
    segments = pathname.split("/").slice(1).map((s) => decodeURIComponent(s));
  } catch {
    throw kvErrors.notFound();
  }
  const [collection, name, third, ...rest] = segments;
  if (rest.length > 0) throw kvErrors.notFound();

  if (collection === "secrets") {
    if (name === undefined || (name === "" && third === undefined && method === "GET")) {
      if (method !== "GET") throw kvErrors.methodNotAllowed(method);
      return { op: "listSecrets" };
    }
    if (third === undefined) {
      if (method === "POST" && name === "restore") return { op: "restoreSecret" };
      const n = checkName(name, method);
      switch (method) {
        case "PUT": return { op: "setSecret", name: n };
        case "DELETE": return { op: "deleteSecret", name: n };
        // Lenient: `/secrets/{n}` without the trailing slash reads or patches the latest version.
        case "GET": return { op: "getSecret", name: n, version: "" };
        case "PATCH": return { op: "updateSecret", name: n, version: "" };
        default: throw kvErrors.methodNotAllowed(method);
      }
    }
    const n = checkName(name, method);
    if (third === "versions") {
      if (method !== "GET") throw kvErrors.methodNotAllowed(method);
      return { op: "listSecretVersions", name: n };
    }
    if (third === "backup") {
      if (method !== "POST") throw kvErrors.methodNotAllowed(method);
      return { op: "backupSecret", name: n };
    }
    switch (method) {
      case "GET": return { op: "getSecret", name: n, version: third };
      case "PATCH": return { op: "updateSecret", name: n, version: third };
      default: throw kvErrors.methodNotAllowed(method);
    }
  }

  if (collection === "deletedsecrets") {
    if (name === undefined || (name === "" && third === undefined && method === "GET")) {
      if (method !== "GET") throw kvErrors.methodNotAllowed(method);
      return { op: "listDeletedSecrets" };
    }
    const n = checkName(name, method);
    if (third === undefined) {
      switch (method) {
        case "GET": return { op: "getDeletedSecret", name: n };
        case "DELETE": return { op: "purgeDeletedSecret", name: n };
        default: throw kvErrors.methodNotAllowed(method);
      }
    }
    if (third === "recover") {
      if (method !== "POST") throw kvErrors.methodNotAllowed(method);
      return { op: "recoverDeletedSecret", name: n };
    }
  }
  throw kvErrors.notFound();
}
