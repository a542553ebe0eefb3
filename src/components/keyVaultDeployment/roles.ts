// The built-in Azure RBAC roles of the Key Vault data plane, and the names and ids a role
// assignment of one of them is created with. Pure: no Pulumi.
import { deterministicGuid } from "./guids";

/**
 * Built-in Azure RBAC roles for the Key Vault data plane. The ids are the same in every tenant;
 * {@link roleDefinitionId} turns them into per-subscription role definition ids.
 */
export const KEY_VAULT_ROLES = {
    /** Everything on the data plane, including purge and RBAC-free key/certificate operations. */
    administrator: { displayName: "Key Vault Administrator", id: "00482a5a-887f-4fb3-b363-3b7fe8e74483" },
    /** Create, update, delete and read secrets — what the migration needs to write, nothing more. */
    secretsOfficer: { displayName: "Key Vault Secrets Officer", id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7" },
    /** Read secret values — what applications reading migrated secrets need. */
    secretsUser: { displayName: "Key Vault Secrets User", id: "4633458b-17de-408a-b874-0445c86b69e6" },
} as const;

/** Key of {@link KEY_VAULT_ROLES}. */
export type KeyVaultRole = keyof typeof KEY_VAULT_ROLES;

/** Namespace of {@link roleAssignmentName}: fixed, so names are stable across runs and machines. */
export const ROLE_ASSIGNMENT_NAMESPACE = "3c8a1a9e-6f1d-4b53-9d7e-2f0b8c4e5a71";

/**
 * Name (a GUID) of the role assignment of `role` to `principalId` on vault `vaultName`. Deterministic, so a re-run
 * or a second stack targets the same assignment instead of creating a duplicate. Case-insensitive in its inputs,
 * like the Azure names and ids it is built from.
 */
export function roleAssignmentName(vaultName: string, principalId: string, role: KeyVaultRole): string {
    return deterministicGuid(ROLE_ASSIGNMENT_NAMESPACE, vaultName.toLowerCase(), principalId.toLowerCase(), KEY_VAULT_ROLES[role].id);
}

/** Subscription-scoped role definition id of a built-in Key Vault role. */
export function roleDefinitionId(subscriptionId: string, role: KeyVaultRole): string {
    return `/subscriptions/${subscriptionId}/providers/Microsoft.Authorization/roleDefinitions/${KEY_VAULT_ROLES[role].id}`;
}
