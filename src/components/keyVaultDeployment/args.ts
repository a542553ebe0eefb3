// The arguments of KeyVaultDeployment: what a caller (or the stack config reader) may set, with the
// defaults documented where they are declared. Types only, plus the lists of accepted values that
// runtime checks need; Pulumi is imported for `pulumi.Input` alone.
import type * as pulumi from "@pulumi/pulumi";

/** Key Vault SKU. `premium` adds HSM-backed keys; secrets behave the same in both. */
export type KeyVaultSkuName = "standard" | "premium";

/** Every accepted {@link KeyVaultSkuName}, for runtime checks. */
export const KEY_VAULT_SKU_NAMES: readonly KeyVaultSkuName[] = ["standard", "premium"];

/** Entra principal kinds a role assignment may name. Azure rejects an assignment whose type does not match the principal. */
export type KeyVaultPrincipalType = "User" | "Group" | "ServicePrincipal" | "ForeignGroup";

/** Every accepted {@link KeyVaultPrincipalType}, for runtime checks (config parsing). */
export const KEY_VAULT_PRINCIPAL_TYPES: readonly KeyVaultPrincipalType[] = ["User", "Group", "ServicePrincipal", "ForeignGroup"];

/** Role given to the migration identity. */
export type KeyVaultMigrationRole = "secretsOfficer" | "administrator";

/** A principal that receives a role on the vault. */
export interface KeyVaultPrincipal {
    /** Entra object id of the user, group or service principal (for a managed identity, its `principalId`). */
    principalId: pulumi.Input<string>;
    /** Principal kind; must match the object or Azure rejects the assignment (`UnmatchedPrincipalType`). */
    principalType: KeyVaultPrincipalType;
    /**
     * Stable key used in the Pulumi resource name. Defaults to the (lower-cased) principal id; required
     * when `principalId` is an Output, since resource names must be known at construction.
     */
    key?: string;
}

/** The identity the migration runs as. */
export interface KeyVaultMigrationIdentity extends KeyVaultPrincipal {
    /** Role it gets. Default `secretsOfficer` (least privilege to write secrets); `administrator` only if asked. */
    role?: KeyVaultMigrationRole;
}

/** Firewall of the vault. */
export interface KeyVaultNetworkAclArgs {
    /** Action when no rule matches. Default `Deny`. */
    defaultAction?: "Deny" | "Allow";
    /** Traffic that skips the rules. Default `AzureServices` (trusted Microsoft services, e.g. diagnostics). */
    bypass?: "AzureServices" | "None";
    /**
     * Public IPv4 addresses or CIDR ranges allowed in (e.g. the egress IP of the machine running the migration
     * when it does not run inside the virtual network). Only effective while public network access is Enabled.
     */
    ipRules?: string[];
    /** Subnet ids allowed in through service endpoints. Only effective while public network access is Enabled. */
    virtualNetworkSubnetIds?: pulumi.Input<string>[];
}

/** Private DNS for the private endpoint. */
export interface KeyVaultPrivateDnsArgs {
    /**
     * Reuse this `privatelink.vaultcore.azure.net` zone (full resource id) instead of creating one. Reuse is the
     * norm beyond the first vault: a virtual network can be linked to only one zone of a given name, so every
     * vault reached from one network must share a zone.
     */
    existingZoneId?: pulumi.Input<string>;
    /** Zone name. Default `privatelink.vaultcore.azure.net` (`…usgovcloudapi.net` / `…azure.cn` in sovereign clouds). */
    zoneName?: string;
    /** Resource group for the created zone and its links. Default: the vault's resource group. */
    resourceGroupName?: pulumi.Input<string>;
    /**
     * Virtual networks to link to the zone so their resolvers see the endpoint's A record. When the zone is
     * created here and this is omitted, the endpoint subnet's network is linked; `[]` links nothing.
     */
    virtualNetworkIds?: pulumi.Input<string>[];
    /**
     * Link `virtualNetworkIds` to an existing zone too. Default false: shared zones are usually owned by a hub
     * team and already linked, and a second link of the same network fails with a conflict. The links are created
     * through this component's provider, so the zone must be in that provider's subscription.
     */
    linkExistingZone?: boolean;
}

/** Private endpoint for the vault. */
export interface KeyVaultPrivateEndpointArgs {
    /** Subnet the endpoint's NIC is placed in. Required. */
    subnetId: pulumi.Input<string>;
    /** Endpoint name. Default `pe-<vaultName>` (as in the Bicep template). */
    name?: string;
    /** Region; must be the subnet's. Default: the vault's `location`. */
    location?: pulumi.Input<string>;
    /** Resource group of the endpoint. Default: the vault's. */
    resourceGroupName?: pulumi.Input<string>;
    /**
     * Private DNS. Default `{}`: create the zone and link the endpoint's network. `false` skips the zone, links and
     * zone group, for landings where DNS is registered by policy or a custom resolver.
     */
    privateDns?: KeyVaultPrivateDnsArgs | false;
}

/** Diagnostic setting destinations. With no destination no setting is created (Azure rejects one without). */
export interface KeyVaultDiagnosticsArgs {
    /** Log Analytics workspace id receiving `allLogs` (AuditEvent…) and `AllMetrics`. */
    logAnalyticsWorkspaceId?: pulumi.Input<string>;
    /** Storage account id archiving the same. */
    storageAccountId?: pulumi.Input<string>;
    /** Setting name. Default `<vaultName>-diagnostics` (as in the Bicep template). */
    name?: string;
}

/** Arguments of {@link KeyVaultDeployment}. */
export interface KeyVaultDeploymentArgs {
    /** Vault name: 3–24 characters, letters, digits and single hyphens, starting with a letter. Globally unique. */
    vaultName: string;
    /** Resource group of the vault. */
    resourceGroupName: pulumi.Input<string>;
    /** Region. Default: the provider's (azure-native falls back to the resource group's location). */
    location?: pulumi.Input<string>;
    /** Entra tenant of the vault. Default: the tenant of the deploying identity (`getClientConfig`). */
    tenantId?: pulumi.Input<string>;
    /** SKU. Default `standard`. */
    sku?: KeyVaultSkuName;
    /** Days a deleted vault or secret stays recoverable, 7–90. Default 90. Azure fixes it at creation. */
    softDeleteRetentionInDays?: number;
    /**
     * Purge protection. Default true. Azure never lets it be turned off once on (the API refuses `false`), so
     * `false` is refused unless {@link allowPurgeProtectionOff} is also set, and then the property is left
     * unset rather than sent as `false`. On a vault that already has it (e.g. after `import`), turning it off
     * cannot work whatever this says.
     */
    purgeProtection?: boolean;
    /** Acknowledge that secrets in a vault without purge protection can be destroyed irrecoverably. */
    allowPurgeProtectionOff?: boolean;
    /** Public network access. Default `Disabled` with a private endpoint, `Enabled` without. */
    publicNetworkAccess?: "Enabled" | "Disabled";
    /** Firewall. Default: deny, bypass for AzureServices, no rules. */
    networkAcls?: KeyVaultNetworkAclArgs;
    /** Private endpoint (with DNS). Default: none. */
    privateEndpoint?: KeyVaultPrivateEndpointArgs;
    /** Identity the migration writes as. Gets Key Vault Secrets Officer (or Administrator if asked). */
    migrationIdentity: KeyVaultMigrationIdentity;
    /** Principals that read migrated secrets. Each gets Key Vault Secrets User. */
    consumers?: KeyVaultPrincipal[];
    /** Principals that administer the vault. Each gets Key Vault Administrator. */
    admins?: KeyVaultPrincipal[];
    /** Diagnostic setting. Default: none. */
    diagnostics?: KeyVaultDiagnosticsArgs;
    /** Tags for the vault, endpoint, zone and links. */
    tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Default private DNS zone of Key Vault in Azure public cloud. */
export const KEY_VAULT_PRIVATE_DNS_ZONE = "privatelink.vaultcore.azure.net";
