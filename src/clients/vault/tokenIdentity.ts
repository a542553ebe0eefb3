// Who a connection is, as Vault's audit log will name it: `auth/token/lookup-self` (in Vault's
// `default` policy). Cutover readiness uses it to leave the migration's own reads out.
import type { VaultClient } from "./VaultClient";

export interface TokenIdentity {
  readonly displayName?: string;
  readonly entityId?: string;
  /** `meta.role_name`: the AppRole role the token was issued for. */
  readonly roleName?: string;
}

interface LookupSelf {
  display_name?: unknown;
  entity_id?: unknown;
  meta?: { role_name?: unknown } | null;
}

const str = (v: unknown): string | undefined => (typeof v === "string" && v ? v : undefined);

/** The token's identity; the token and its accessor are not returned. */
export async function lookupSelfIdentity(client: VaultClient): Promise<TokenIdentity> {
  const r = await client.read<LookupSelf>("auth/token/lookup-self");
  const d = r?.data ?? {};
  const displayName = str(d.display_name);
  const entityId = str(d.entity_id);
  const roleName = str(d.meta?.role_name);
  return { ...(displayName ? { displayName } : {}), ...(entityId ? { entityId } : {}), ...(roleName ? { roleName } : {}) };
}
