// Infisical's HashiCorp Vault app connection (fact sheet §4) and secret sync into Vault (§5): the
// wire shapes the client sends and reads. Secrets (accessToken, secretId) travel only in requests.

export type VaultConnectionMethod = "app-role" | "access-token";

export type VaultConnectionCredentials =
  | { readonly instanceUrl: string; readonly namespace?: string; readonly roleId: string; readonly secretId: string }
  | { readonly instanceUrl: string; readonly namespace?: string; readonly accessToken: string };

export interface VaultConnectionCreate {
  readonly name: string;
  readonly description?: string;
  readonly projectId?: string;
  readonly gatewayId?: string;
  readonly method: VaultConnectionMethod;
  readonly credentials: VaultConnectionCredentials;
}

/** PATCH: what is sent changes; credentials are re-validated only when sent (§4). */
export interface VaultConnectionUpdate {
  readonly name?: string;
  readonly description?: string;
  readonly gatewayId?: string | null;
  readonly credentials?: VaultConnectionCredentials;
}

/** As Infisical answers it: never the accessToken or secretId. */
export interface VaultAppConnection {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly projectId: string | null;
  readonly gatewayId: string | null;
  readonly method: VaultConnectionMethod;
  readonly credentialsHash: string | null;
  readonly credentials: { readonly instanceUrl: string; readonly namespace: string | null; readonly roleId?: string };
}

export type InitialSyncBehavior = "overwrite-destination" | "import-prioritize-source" | "import-prioritize-destination";
export const INITIAL_SYNC_BEHAVIORS: readonly InitialSyncBehavior[] = ["overwrite-destination", "import-prioritize-source", "import-prioritize-destination"];

export interface VaultSyncOptions {
  readonly initialSyncBehavior: InitialSyncBehavior;
  readonly keySchema?: string;
  readonly disableSecretDeletion?: boolean;
}

export interface VaultSyncCreate {
  readonly name: string;
  readonly projectId: string;
  readonly connectionId: string;
  readonly environment: string;
  readonly secretPath: string;
  readonly isAutoSyncEnabled: boolean;
  readonly description?: string;
  readonly syncOptions: VaultSyncOptions;
  readonly destinationConfig: { readonly mount: string; readonly path: string };
}

export type VaultSyncUpdate = Partial<Omit<VaultSyncCreate, "projectId">>;

export type SyncStatus = "pending" | "running" | "succeeded" | "failed";

export interface VaultSecretSync {
  readonly id: string;
  readonly name: string;
  readonly description: string | null;
  readonly projectId: string;
  readonly connectionId: string;
  /** `isAutoSyncEnabled` in the service, `isEnabled` in the docs' sample: both read (§5). */
  readonly isAutoSyncEnabled: boolean;
  readonly syncStatus: SyncStatus | null;
  readonly lastSyncMessage: string | null;
  readonly lastSyncedAt: string | null;
  readonly removeStatus: SyncStatus | null;
  readonly lastRemoveMessage: string | null;
  readonly environment: string | null;
  readonly secretPath: string | null;
  readonly syncOptions: VaultSyncOptions;
  readonly destinationConfig: { readonly mount: string; readonly path: string };
}

const str = (v: unknown): string | null => (typeof v === "string" ? v : null);
const status = (v: unknown): SyncStatus | null => (v === "pending" || v === "running" || v === "succeeded" || v === "failed" ? v : null);

/** Reads a connection answer (fields the sheet names; anything else ignored). */
export function toVaultAppConnection(raw: Record<string, unknown>): VaultAppConnection {
  const c = (raw.credentials ?? {}) as Record<string, unknown>;
  return {
    id: String(raw.id ?? ""),
    name: String(raw.name ?? ""),
    description: str(raw.description),
    projectId: str(raw.projectId),
    gatewayId: str(raw.gatewayId),
    method: raw.method === "access-token" ? "access-token" : "app-role",
    credentialsHash: str(raw.credentialsHash),
    credentials: { instanceUrl: String(c.instanceUrl ?? ""), namespace: str(c.namespace), ...(typeof c.roleId === "string" ? { roleId: c.roleId } : {}) },
  };
}

/** Reads a sync answer: `environment` and `folder` may come as objects (§5) or plain strings. */
export function toVaultSecretSync(raw: Record<string, unknown>): VaultSecretSync {
  const o = (raw.syncOptions ?? {}) as Record<string, unknown>;
  const d = (raw.destinationConfig ?? {}) as Record<string, unknown>;
  const env = raw.environment;
  const folder = raw.folder as { path?: unknown } | undefined;
  const auto = raw.isAutoSyncEnabled ?? raw.isEnabled;
  return {
    id: String(raw.id ?? ""),
    name: String(raw.name ?? ""),
    description: str(raw.description),
    projectId: String(raw.projectId ?? ""),
    connectionId: String(raw.connectionId ?? (raw.connection as { id?: unknown } | undefined)?.id ?? ""),
    isAutoSyncEnabled: auto !== false,
    syncStatus: status(raw.syncStatus),
    lastSyncMessage: str(raw.lastSyncMessage),
    lastSyncedAt: typeof raw.lastSyncedAt === "string" ? raw.lastSyncedAt : raw.lastSyncedAt instanceof Date ? raw.lastSyncedAt.toISOString() : null,
    removeStatus: status(raw.removeStatus),
    lastRemoveMessage: str(raw.lastRemoveMessage),
    environment: typeof env === "string" ? env : str((env as { slug?: unknown } | null)?.slug),
    secretPath: str(raw.secretPath) ?? str(folder?.path),
    syncOptions: {
      initialSyncBehavior: (INITIAL_SYNC_BEHAVIORS as readonly unknown[]).includes(o.initialSyncBehavior) ? (o.initialSyncBehavior as InitialSyncBehavior) : "overwrite-destination",
      ...(typeof o.keySchema === "string" && o.keySchema ? { keySchema: o.keySchema } : {}),
      disableSecretDeletion: o.disableSecretDeletion === true,
    },
    destinationConfig: { mount: String(d.mount ?? ""), path: String(d.path ?? "") },
  };
}
