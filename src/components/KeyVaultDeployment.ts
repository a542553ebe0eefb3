import { createHash } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";

// ---------------------------------------------------------------------------------------------
// Public argument types
// ---------------------------------------------------------------------------------------------

/** Key Vault SKU. `premium` adds HSM-backed keys; secrets behave the same in both. */
export type KeyVaultSkuName = "standard" | "premium";

/** Entra principal kinds a role assignment may name. Azure rejects an assignment whose type does not match the principal. */
export type KeyVaultPrincipalType = "User" | "Group" | "ServicePrincipal" | "ForeignGroup";

/** Every accepted {@link KeyVaultPrincipalType}, for runtime checks (config parsing). */
export const KEY_VAULT_PRINCIPAL_TYPES: readonly KeyVaultPrincipalType[] = ["User", "Group", "ServicePrincipal", "ForeignGroup"];

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

// ---------------------------------------------------------------------------------------------
// Validation and normalisation (pure)
// ---------------------------------------------------------------------------------------------

/** Thrown by {@link validateKeyVaultDeploymentArgs}; `property` is the offending argument path. */
export class KeyVaultDeploymentArgsError extends Error {
    override readonly name = "KeyVaultDeploymentArgsError";
    /**
     * @param property argument path, e.g. `privateEndpoint.subnetId` (with any caller prefix)
     * @param message full message, naming the property in brackets
     */
    constructor(readonly property: string, message: string) {
        super(message);
    }
}

/** One role assignment to create, fully resolved except for Output principal ids. */
export interface NormalisedRoleAssignment {
    /** Which list it came from. */
    readonly source: "migration" | "consumer" | "admin";
    /** Argument path, for messages. */
    readonly path: string;
    readonly principalId: pulumi.Input<string>;
    readonly principalType: KeyVaultPrincipalType;
    /** Stable key in the resource name. */
    readonly key: string;
    readonly role: KeyVaultRole;
}

/** Normalised private DNS settings. */
export interface NormalisedPrivateDns {
    readonly zoneName: string;
    /** Set when an existing zone is reused: then no zone is created. */
    readonly existingZoneId?: pulumi.Input<string>;
    readonly resourceGroupName: pulumi.Input<string>;
    /** Networks to link (already defaulted to the endpoint subnet's network where applicable). */
    readonly virtualNetworkIds: pulumi.Input<string>[];
}

/** Normalised private endpoint settings. */
export interface NormalisedPrivateEndpoint {
    readonly subnetId: pulumi.Input<string>;
    readonly name: string;
    readonly location?: pulumi.Input<string>;
    readonly resourceGroupName: pulumi.Input<string>;
    /** Undefined when DNS is handled elsewhere (`privateDns: false`). */
    readonly privateDns?: NormalisedPrivateDns;
}

/** What {@link validateKeyVaultDeploymentArgs} returns: every default filled in. */
export interface NormalisedKeyVaultDeploymentArgs {
    readonly vaultName: string;
    readonly resourceGroupName: pulumi.Input<string>;
    readonly location?: pulumi.Input<string>;
    readonly tenantId?: pulumi.Input<string>;
    readonly sku: KeyVaultSkuName;
    readonly softDeleteRetentionInDays: number;
    readonly purgeProtection: boolean;
    readonly publicNetworkAccess: "Enabled" | "Disabled";
    readonly networkAcls: {
        readonly defaultAction: "Deny" | "Allow";
        readonly bypass: "AzureServices" | "None";
        readonly ipRules: string[];
        readonly virtualNetworkSubnetIds: pulumi.Input<string>[];
    };
    readonly privateEndpoint?: NormalisedPrivateEndpoint;
    /** Migration identity's assignment first, then consumers, then admins. */
    readonly roleAssignments: NormalisedRoleAssignment[];
    readonly diagnostics?: {
        readonly name: string;
        readonly logAnalyticsWorkspaceId?: pulumi.Input<string>;
        readonly storageAccountId?: pulumi.Input<string>;
    };
    readonly tags?: pulumi.Input<Record<string, pulumi.Input<string>>>;
}

/** Options of {@link validateKeyVaultDeploymentArgs}. */
export interface ValidateKeyVaultDeploymentOptions {
    /** Prepended to every property path in messages, e.g. `keyVaultDeployment.` for stack config. */
    pathPrefix?: string;
}

/** Default private DNS zone of Key Vault in Azure public cloud. */
export const KEY_VAULT_PRIVATE_DNS_ZONE = "privatelink.vaultcore.azure.net";

const GUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const VAULT_NAME = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
const RESOURCE_KEY = /^[A-Za-z0-9._-]{1,64}$/;
const IPV4_OR_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;
const SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const VNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i;
const ZONE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i;
const WORKSPACE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;
const STORAGE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+$/i;
const SKUS: readonly KeyVaultSkuName[] = ["standard", "premium"];

/**
 * Checks and normalises {@link KeyVaultDeploymentArgs} without touching Pulumi's runtime, so bad combinations
 * fail at preview before any resource is registered. Values that are Outputs are only checked for presence;
 * plain strings are checked for shape.
 *
 * @throws KeyVaultDeploymentArgsError naming the argument in brackets, e.g.
 *   `[privateEndpoint.subnetId] is required when [privateEndpoint] is set`.
 */
export function validateKeyVaultDeploymentArgs(
    args: KeyVaultDeploymentArgs,
    options: ValidateKeyVaultDeploymentOptions = {},
): NormalisedKeyVaultDeploymentArgs {
    const prefix = options.pathPrefix ?? "";
    const p: PathFn = (path) => (path === "" ? `[${prefix.replace(/\.$/, "") || "args"}]` : `[${prefix}${path}]`);
    const fail: FailFn = (path, message) => {
        throw new KeyVaultDeploymentArgsError(`${prefix}${path}`, message);
    };

    if (args === null || typeof args !== "object") {
        fail("", `${p("")} must be an object`);
    }

    const vaultName = validateVaultName(args.vaultName, p, fail);
    if (args.resourceGroupName === undefined || args.resourceGroupName === "") {
        fail("resourceGroupName", `${p("resourceGroupName")} is required`);
    }
    if (typeof args.tenantId === "string" && !GUID.test(args.tenantId)) {
        fail("tenantId", `${p("tenantId")} must be a tenant GUID, got "${args.tenantId}"`);
    }

    const sku = args.sku ?? "standard";
    if (!SKUS.includes(sku)) {
        fail("sku", `${p("sku")} must be one of ${SKUS.join(", ")}, got "${String(sku)}"`);
    }

    const softDeleteRetentionInDays = args.softDeleteRetentionInDays ?? 90;
    if (!Number.isInteger(softDeleteRetentionInDays) || softDeleteRetentionInDays < 7 || softDeleteRetentionInDays > 90) {
        fail(
            "softDeleteRetentionInDays",
            `${p("softDeleteRetentionInDays")} must be a whole number of days from 7 to 90, got ${String(softDeleteRetentionInDays)}`,
        );
    }

    const purgeProtection = args.purgeProtection ?? true;
    if (purgeProtection === false && args.allowPurgeProtectionOff !== true) {
        fail(
            "purgeProtection",
            `${p("purgeProtection")} is false: a vault without purge protection lets anyone with purge rights destroy ` +
                `migrated secrets irrecoverably, and Azure can never turn it off once it is on. ` +
                `Set ${p("allowPurgeProtectionOff")} to true to accept this for a new vault`,
        );
    }

    const privateEndpoint =
        args.privateEndpoint === undefined ? undefined : validatePrivateEndpoint(args.privateEndpoint, args, vaultName, p, fail);

    const publicNetworkAccess = args.publicNetworkAccess ?? (privateEndpoint ? "Disabled" : "Enabled");
    if (publicNetworkAccess !== "Enabled" && publicNetworkAccess !== "Disabled") {
        fail("publicNetworkAccess", `${p("publicNetworkAccess")} must be Enabled or Disabled, got "${String(publicNetworkAccess)}"`);
    }

    const networkAcls = validateNetworkAcls(args.networkAcls ?? {}, publicNetworkAccess, p, fail);
    const roleAssignments = validateRoleAssignments(args, p, fail);
    const diagnostics = validateDiagnostics(args.diagnostics, vaultName, p, fail);

    return {
        vaultName,
        resourceGroupName: args.resourceGroupName,
        location: args.location,
        tenantId: args.tenantId,
        sku,
        softDeleteRetentionInDays,
        purgeProtection,
        publicNetworkAccess,
        networkAcls,
        privateEndpoint,
        roleAssignments,
        diagnostics,
        tags: args.tags,
    };
}

type PathFn = (path: string) => string;
type FailFn = (path: string, message: string) => never;

function validateVaultName(name: unknown, p: PathFn, fail: FailFn): string {
    if (typeof name !== "string" || name === "") {
        return fail("vaultName", `${p("vaultName")} is required`);
    }
    if (!VAULT_NAME.test(name) || name.includes("--")) {
        return fail(
            "vaultName",
            `${p("vaultName")} "${name}" breaks Azure's rule: 3-24 characters, letters, digits and hyphens, ` +
                `starting with a letter, ending with a letter or digit, no consecutive hyphens`,
        );
    }
    return name;
}

function validatePrivateEndpoint(
    pe: KeyVaultPrivateEndpointArgs,
    args: KeyVaultDeploymentArgs,
    vaultName: string,
    p: PathFn,
    fail: FailFn,
): NormalisedPrivateEndpoint {
    if (pe === null || typeof pe !== "object") {
        return fail("privateEndpoint", `${p("privateEndpoint")} must be an object`);
    }
    if (pe.subnetId === undefined || pe.subnetId === "") {
        fail("privateEndpoint.subnetId", `${p("privateEndpoint.subnetId")} is required when ${p("privateEndpoint")} is set`);
    }
    if (typeof pe.subnetId === "string" && !SUBNET_ID.test(pe.subnetId)) {
        fail(
            "privateEndpoint.subnetId",
            `${p("privateEndpoint.subnetId")} must be a subnet id (/subscriptions/…/virtualNetworks/<vnet>/subnets/<subnet>), got "${pe.subnetId}"`,
        );
    }
    const name = pe.name ?? `pe-${vaultName}`;
    // Azure private endpoint names: 2–64, start alphanumeric, end alphanumeric or underscore.
    if (!/^[A-Za-z0-9][A-Za-z0-9._-]{0,62}[A-Za-z0-9_]$/.test(name)) {
        fail("privateEndpoint.name", `${p("privateEndpoint.name")} "${name}" is not a valid private endpoint name (2-64 characters)`);
    }
    const resourceGroupName = pe.resourceGroupName ?? args.resourceGroupName;

    let privateDns: NormalisedPrivateDns | undefined;
    if (pe.privateDns !== false) {
        const dns = pe.privateDns ?? {};
        const zoneName = dns.zoneName ?? KEY_VAULT_PRIVATE_DNS_ZONE;
        if (!/^privatelink\.vaultcore\.[a-z0-9.-]+$/i.test(zoneName)) {
            fail(
                "privateEndpoint.privateDns.zoneName",
                `${p("privateEndpoint.privateDns.zoneName")} must be Key Vault's private link zone (privatelink.vaultcore.<cloud suffix>), got "${zoneName}"`,
            );
        }
        if (typeof dns.existingZoneId === "string") {
            const match = ZONE_ID.exec(dns.existingZoneId);
            if (!match || match[2].toLowerCase() !== zoneName.toLowerCase()) {
                fail(
                    "privateEndpoint.privateDns.existingZoneId",
                    `${p("privateEndpoint.privateDns.existingZoneId")} must be the id of a private DNS zone named ${zoneName}, got "${dns.existingZoneId}"`,
                );
            }
        }
        const reusing = dns.existingZoneId !== undefined && dns.existingZoneId !== "";
        if (reusing && dns.resourceGroupName !== undefined) {
            fail(
                "privateEndpoint.privateDns.resourceGroupName",
                `${p("privateEndpoint.privateDns.resourceGroupName")} applies to a zone created here; it cannot be combined with ${p("privateEndpoint.privateDns.existingZoneId")}`,
            );
        }
        if (reusing && dns.virtualNetworkIds !== undefined && dns.virtualNetworkIds.length > 0 && dns.linkExistingZone !== true) {
            fail(
                "privateEndpoint.privateDns.virtualNetworkIds",
                `${p("privateEndpoint.privateDns.virtualNetworkIds")} would link networks to an existing zone; ` +
                    `set ${p("privateEndpoint.privateDns.linkExistingZone")} to true if the zone is not linked to them yet`,
            );
        }
        if (!reusing && dns.linkExistingZone !== undefined) {
            fail(
                "privateEndpoint.privateDns.linkExistingZone",
                `${p("privateEndpoint.privateDns.linkExistingZone")} needs ${p("privateEndpoint.privateDns.existingZoneId")}`,
            );
        }
        const virtualNetworkIds = validateVirtualNetworkIds(dns.virtualNetworkIds, p, fail);
        privateDns = {
            zoneName,
            existingZoneId: reusing ? dns.existingZoneId : undefined,
            resourceGroupName: dns.resourceGroupName ?? args.resourceGroupName,
            virtualNetworkIds:
                dns.virtualNetworkIds !== undefined || reusing
                    ? virtualNetworkIds
                    : // A zone created here is useless until a network resolves through it: default to the endpoint's.
                      [typeof pe.subnetId === "string" ? virtualNetworkIdOfSubnet(pe.subnetId) : pulumi.output(pe.subnetId).apply(virtualNetworkIdOfSubnet)],
        };
    }

    return { subnetId: pe.subnetId, name, location: pe.location ?? args.location, resourceGroupName, privateDns };
}

function validateVirtualNetworkIds(ids: pulumi.Input<string>[] | undefined, p: PathFn, fail: FailFn): pulumi.Input<string>[] {
    if (ids === undefined) {
        return [];
    }
    if (!Array.isArray(ids)) {
        return fail("privateEndpoint.privateDns.virtualNetworkIds", `${p("privateEndpoint.privateDns.virtualNetworkIds")} must be a list`);
    }
    const seen = new Map<string, number>();
    ids.forEach((id, i) => {
        const path = `privateEndpoint.privateDns.virtualNetworkIds[${i}]`;
        if (id === undefined || id === "") {
            fail(path, `${p(path)} is empty`);
        }
        if (typeof id === "string") {
            const match = VNET_ID.exec(id);
            if (!match) {
                fail(path, `${p(path)} must be a virtual network id (/subscriptions/…/providers/Microsoft.Network/virtualNetworks/<name>), got "${id}"`);
            }
            // Links are named after the network, so two networks with one name would collide.
            const vnetName = match[1].toLowerCase();
            const previous = seen.get(vnetName);
            if (previous !== undefined) {
                fail(path, `${p(path)} names the same virtual network name as ${p(`privateEndpoint.privateDns.virtualNetworkIds[${previous}]`)}`);
            }
            seen.set(vnetName, i);
        }
    });
    return ids;
}

function validateNetworkAcls(
    acls: KeyVaultNetworkAclArgs,
    publicNetworkAccess: "Enabled" | "Disabled",
    p: PathFn,
    fail: FailFn,
): NormalisedKeyVaultDeploymentArgs["networkAcls"] {
    const defaultAction = acls.defaultAction ?? "Deny";
    if (defaultAction !== "Deny" && defaultAction !== "Allow") {
        fail("networkAcls.defaultAction", `${p("networkAcls.defaultAction")} must be Deny or Allow, got "${String(defaultAction)}"`);
    }
    const bypass = acls.bypass ?? "AzureServices";
    if (bypass !== "AzureServices" && bypass !== "None") {
        fail("networkAcls.bypass", `${p("networkAcls.bypass")} must be AzureServices or None, got "${String(bypass)}"`);
    }
    const ipRules = acls.ipRules ?? [];
    ipRules.forEach((rule, i) => {
        if (!isIpv4OrCidr(rule)) {
            fail(`networkAcls.ipRules[${i}]`, `${p(`networkAcls.ipRules[${i}]`)} must be an IPv4 address or CIDR range, got "${String(rule)}"`);
        }
    });
    const virtualNetworkSubnetIds = acls.virtualNetworkSubnetIds ?? [];
    virtualNetworkSubnetIds.forEach((id, i) => {
        if (id === undefined || id === "" || (typeof id === "string" && !SUBNET_ID.test(id))) {
            fail(
                `networkAcls.virtualNetworkSubnetIds[${i}]`,
                `${p(`networkAcls.virtualNetworkSubnetIds[${i}]`)} must be a subnet id, got "${String(id)}"`,
            );
        }
    });
    // Azure ignores firewall rules while public access is disabled; rules that silently do nothing mislead.
    if (publicNetworkAccess === "Disabled" && (ipRules.length > 0 || virtualNetworkSubnetIds.length > 0)) {
        const which = ipRules.length > 0 ? "networkAcls.ipRules" : "networkAcls.virtualNetworkSubnetIds";
        fail(
            which,
            `${p(which)} have no effect while ${p("publicNetworkAccess")} is Disabled (the default with ${p("privateEndpoint")}); ` +
                `set ${p("publicNetworkAccess")} to Enabled to use them`,
        );
    }
    return { defaultAction, bypass, ipRules, virtualNetworkSubnetIds };
}

function isIpv4OrCidr(value: unknown): boolean {
    if (typeof value !== "string") {
        return false;
    }
    const match = IPV4_OR_CIDR.exec(value);
    if (!match) {
        return false;
    }
    const octetsOk = match.slice(1, 5).every((octet) => Number(octet) <= 255);
    const prefixOk = match[5] === undefined || Number(match[5]) <= 32;
    return octetsOk && prefixOk;
}

function validateRoleAssignments(args: KeyVaultDeploymentArgs, p: PathFn, fail: FailFn): NormalisedRoleAssignment[] {
    if (args.migrationIdentity === undefined || args.migrationIdentity === null) {
        fail("migrationIdentity", `${p("migrationIdentity")} is required: the migration needs a role to write secrets`);
    }
    const migrationRole = args.migrationIdentity.role ?? "secretsOfficer";
    if (migrationRole !== "secretsOfficer" && migrationRole !== "administrator") {
        fail("migrationIdentity.role", `${p("migrationIdentity.role")} must be secretsOfficer or administrator, got "${String(migrationRole)}"`);
    }
    const assignments: NormalisedRoleAssignment[] = [
        principal(args.migrationIdentity, "migrationIdentity", "migration", migrationRole, p, fail),
    ];
    for (const [list, source, role] of [
        ["consumers", "consumer", "secretsUser"],
        ["admins", "admin", "administrator"],
    ] as const) {
        const entries = args[list];
        if (entries === undefined) {
            continue;
        }
        if (!Array.isArray(entries)) {
            fail(list, `${p(list)} must be a list`);
        }
        entries.forEach((entry, i) => assignments.push(principal(entry, `${list}[${i}]`, source, role, p, fail)));
    }

    // Same principal + role twice means one Azure assignment (same GUID) owned by two resources; within a list the
    // resource names would collide too.
    const seen = new Map<string, string>();
    for (const a of assignments) {
        for (const id of [`${a.source}|${a.key}`, `role|${a.role}|${a.key}`]) {
            const previous = seen.get(id);
            if (previous !== undefined) {
                fail(`${a.path}.principalId`, `${p(`${a.path}.principalId`)} repeats ${p(`${previous}.principalId`)} for the same role or list`);
            }
            seen.set(id, a.path);
        }
    }
    return assignments;
}

function principal(
    entry: KeyVaultPrincipal,
    path: string,
    source: NormalisedRoleAssignment["source"],
    role: KeyVaultRole,
    p: PathFn,
    fail: FailFn,
): NormalisedRoleAssignment {
    if (entry === null || typeof entry !== "object") {
        return fail(path, `${p(path)} must be an object with principalId and principalType`);
    }
    const { principalId, principalType } = entry;
    if (principalId === undefined || principalId === null || principalId === "") {
        fail(`${path}.principalId`, `${p(`${path}.principalId`)} is required`);
    }
    if (typeof principalId === "string" && !GUID.test(principalId)) {
        fail(`${path}.principalId`, `${p(`${path}.principalId`)} must be an Entra object id (GUID), got "${principalId}"`);
    }
    if (!KEY_VAULT_PRINCIPAL_TYPES.includes(principalType)) {
        fail(
            `${path}.principalType`,
            `${p(`${path}.principalType`)} must be one of ${KEY_VAULT_PRINCIPAL_TYPES.join(", ")}, got "${String(principalType)}"`,
        );
    }
    let key = entry.key;
    if (key === undefined) {
        if (typeof principalId !== "string") {
            fail(`${path}.key`, `${p(`${path}.key`)} is required when ${p(`${path}.principalId`)} is not a plain string`);
        }
        key = principalId.toLowerCase();
    } else if (typeof key !== "string" || !RESOURCE_KEY.test(key)) {
        fail(`${path}.key`, `${p(`${path}.key`)} must be 1-64 letters, digits, dots, hyphens or underscores, got "${String(key)}"`);
    }
    return {
        source,
        path,
        principalId: typeof principalId === "string" ? principalId.toLowerCase() : principalId,
        principalType,
        key: key.toLowerCase(),
        role,
    };
}

function validateDiagnostics(
    diagnostics: KeyVaultDiagnosticsArgs | undefined,
    vaultName: string,
    p: PathFn,
    fail: FailFn,
): NormalisedKeyVaultDeploymentArgs["diagnostics"] {
    if (diagnostics === undefined) {
        return undefined;
    }
    if (diagnostics === null || typeof diagnostics !== "object") {
        return fail("diagnostics", `${p("diagnostics")} must be an object`);
    }
    const { logAnalyticsWorkspaceId, storageAccountId } = diagnostics;
    if (typeof logAnalyticsWorkspaceId === "string" && !WORKSPACE_ID.test(logAnalyticsWorkspaceId)) {
        fail(
            "diagnostics.logAnalyticsWorkspaceId",
            `${p("diagnostics.logAnalyticsWorkspaceId")} must be a Log Analytics workspace id (…/Microsoft.OperationalInsights/workspaces/<name>), got "${logAnalyticsWorkspaceId}"`,
        );
    }
    if (typeof storageAccountId === "string" && !STORAGE_ID.test(storageAccountId)) {
        fail(
            "diagnostics.storageAccountId",
            `${p("diagnostics.storageAccountId")} must be a storage account id (…/Microsoft.Storage/storageAccounts/<name>), got "${storageAccountId}"`,
        );
    }
    const name = diagnostics.name ?? `${vaultName}-diagnostics`;
    if (!/^[^<>*%&:\\?+/]{1,260}$/.test(name)) {
        fail("diagnostics.name", `${p("diagnostics.name")} "${name}" contains characters Azure does not allow in a diagnostic setting name`);
    }
    const hasWorkspace = logAnalyticsWorkspaceId !== undefined && logAnalyticsWorkspaceId !== "";
    const hasStorage = storageAccountId !== undefined && storageAccountId !== "";
    if (!hasWorkspace && !hasStorage) {
        return undefined;
    }
    return {
        name,
        logAnalyticsWorkspaceId: hasWorkspace ? logAnalyticsWorkspaceId : undefined,
        storageAccountId: hasStorage ? storageAccountId : undefined,
    };
}

// ---------------------------------------------------------------------------------------------
// Pure helpers
// ---------------------------------------------------------------------------------------------

/** Namespace of {@link roleAssignmentName}: fixed, so names are stable across runs and machines. */
export const ROLE_ASSIGNMENT_NAMESPACE = "3c8a1a9e-6f1d-4b53-9d7e-2f0b8c4e5a71";

/** RFC 4122 version-5 (SHA-1, name-based) UUID of `name` (UTF-8) within `namespace`, like Python's `uuid.uuid5`. */
export function uuidV5(namespace: string, name: string): string {
    if (!GUID.test(namespace)) {
        throw new Error(`namespace must be a GUID, got "${namespace}"`);
    }
    const hash = createHash("sha1").update(Buffer.from(namespace.replace(/-/g, ""), "hex")).update(name, "utf8").digest();
    const bytes = hash.subarray(0, 16);
    bytes[6] = (bytes[6] & 0x0f) | 0x50;
    bytes[8] = (bytes[8] & 0x3f) | 0x80;
    const hex = bytes.toString("hex");
    return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

/**
 * Version-5 UUID of a list of strings — the same idea as Bicep's `guid(a, b, c)`, though not byte-compatible
 * with it. The list is JSON-encoded so ("a-b","c") and ("a","b-c") stay apart, which a plain join would not.
 */
export function deterministicGuid(namespace: string, ...parts: string[]): string {
    return uuidV5(namespace, JSON.stringify(parts));
}

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

/** Virtual network id containing a subnet id. */
export function virtualNetworkIdOfSubnet(subnetId: string): string {
    const index = subnetId.toLowerCase().lastIndexOf("/subnets/");
    if (index <= 0) {
        throw new Error(`not a subnet id: "${subnetId}"`);
    }
    return subnetId.slice(0, index);
}

/** Resource group and name of a private DNS zone id. */
export function privateDnsZoneOfId(zoneId: string): { resourceGroupName: string; zoneName: string } {
    const match = ZONE_ID.exec(zoneId);
    if (!match) {
        throw new Error(`not a private DNS zone id: "${zoneId}"`);
    }
    return { resourceGroupName: match[1], zoneName: match[2] };
}

function virtualNetworkNameOfId(vnetId: string): string {
    const match = VNET_ID.exec(vnetId);
    if (!match) {
        throw new Error(`not a virtual network id: "${vnetId}"`);
    }
    return match[1];
}

// Zone group config names may not contain dots.
function zoneConfigName(zoneName: string): string {
    return zoneName.replace(/\./g, "-");
}

// ---------------------------------------------------------------------------------------------
// Component
// ---------------------------------------------------------------------------------------------

/**
 * The destination Azure Key Vault of a migration, stood up in one `pulumi up`: an RBAC-only vault with soft delete
 * and purge protection behind a default-deny firewall, an optional private endpoint with its private DNS, role
 * assignments for the migration identity, consumers and admins, and diagnostic settings.
 *
 * Needs, for the deploying identity: Contributor (or Key Vault Contributor + Network Contributor + Private DNS Zone
 * Contributor) on the resource groups involved, `Microsoft.Authorization/roleAssignments/write` on the vault (Owner,
 * User Access Administrator or Role Based Access Control Administrator), and, for diagnostics, write access to the
 * workspace/storage account (Monitoring Contributor + the destination's `…/read`).
 *
 * The migration should `dependsOn` {@link migrationRoleAssignment}. RBAC can take a few minutes to propagate after
 * the assignment exists, so its first writes should still retry on 403. With the default firewall (deny, no IP
 * rules) the migration must run inside the endpoint's network or from an address in `networkAcls.ipRules`.
 */
export class KeyVaultDeployment extends pulumi.ComponentResource {
    /** The vault. */
    readonly vault: keyvault.Vault;
    /** The private endpoint, when requested. */
    readonly privateEndpoint?: network.PrivateEndpoint;
    /** The private DNS zone, when created here (not when reused or DNS is off). */
    readonly privateDnsZone?: privatedns.PrivateZone;
    /** Virtual network links of the private DNS zone. */
    readonly virtualNetworkLinks: privatedns.VirtualNetworkLink[];
    /** The endpoint's DNS zone group, which registers the vault's A record in the zone. */
    readonly privateDnsZoneGroup?: network.PrivateDnsZoneGroup;
    /** Every role assignment, migration identity's first. */
    readonly roleAssignments: authorization.RoleAssignment[];
    /** The diagnostic setting, when a destination is given. */
    readonly diagnosticSetting?: monitor.DiagnosticSetting;

    /** ARM id of the vault. */
    readonly vaultId: pulumi.Output<string>;
    /** Name of the vault. */
    readonly vaultName: pulumi.Output<string>;
    /** Data-plane URI, e.g. `https://kv-x.vault.azure.net/`: the migration's destination. */
    readonly vaultUri: pulumi.Output<string>;
    /** Private IP of the endpoint; undefined without one. */
    readonly privateEndpointIp: pulumi.Output<string | undefined>;
    /** FQDN that resolves to the endpoint; undefined without one. */
    readonly privateEndpointFqdn: pulumi.Output<string | undefined>;
    /** The migration identity's role assignment: `dependsOn` it before writing secrets. */
    readonly migrationRoleAssignment: authorization.RoleAssignment;

    /**
     * @param name logical name, prefix of the children's names
     * @param args see {@link KeyVaultDeploymentArgs}; validated before anything is registered
     * @param opts component options (providers are inherited by children and the client-config invoke)
     * @throws KeyVaultDeploymentArgsError on a bad combination of arguments
     */
    constructor(name: string, args: KeyVaultDeploymentArgs, opts?: pulumi.ComponentResourceOptions) {
        // Before super: a bad argument must not even register the component.
        const a = validateKeyVaultDeploymentArgs(args);
        super("vault-migration:azure:KeyVaultDeployment", name, {}, opts);

        const clientConfig = authorization.getClientConfigOutput({ parent: this });
        const tenantId = a.tenantId ?? clientConfig.tenantId;

        this.vault = new keyvault.Vault(
            `${name}-vault`,
            {
                vaultName: a.vaultName,
                resourceGroupName: a.resourceGroupName,
                location: a.location,
                tags: a.tags,
                properties: {
                    tenantId,
                    sku: { family: keyvault.SkuFamily.A, name: a.sku },
                    enableRbacAuthorization: true,
                    // Explicitly empty: with RBAC on, access policies are ignored, and none should sit there unused.
                    accessPolicies: [],
                    enableSoftDelete: true,
                    softDeleteRetentionInDays: a.softDeleteRetentionInDays,
                    // Azure refuses `false`; leaving it unset is how a vault is created without it.
                    enablePurgeProtection: a.purgeProtection ? true : undefined,
                    publicNetworkAccess: a.publicNetworkAccess,
                    networkAcls: {
                        defaultAction: a.networkAcls.defaultAction,
                        bypass: a.networkAcls.bypass,
                        ipRules: a.networkAcls.ipRules.map((value) => ({ value })),
                        virtualNetworkRules: a.networkAcls.virtualNetworkSubnetIds.map((id) => ({ id })),
                    },
                },
            },
            { parent: this },
        );
        const vaultId = this.vault.id;

        this.virtualNetworkLinks = [];
        if (a.privateEndpoint) {
            const pe = a.privateEndpoint;
            this.privateEndpoint = new network.PrivateEndpoint(
                `${name}-pe`,
                {
                    privateEndpointName: pe.name,
                    resourceGroupName: pe.resourceGroupName,
                    location: pe.location,
                    tags: a.tags,
                    subnet: { id: pe.subnetId },
                    privateLinkServiceConnections: [{ name: "kv-connection", privateLinkServiceId: vaultId, groupIds: ["vault"] }],
                },
                { parent: this },
            );

            if (pe.privateDns) {
                const dns = pe.privateDns;
                let zoneId: pulumi.Input<string>;
                let zoneRef: pulumi.Output<{ resourceGroupName: string; zoneName: string }>;
                if (dns.existingZoneId !== undefined) {
                    zoneId = dns.existingZoneId;
                    zoneRef = pulumi.output(dns.existingZoneId).apply(privateDnsZoneOfId);
                } else {
                    this.privateDnsZone = new privatedns.PrivateZone(
                        `${name}-dns-zone`,
                        { privateZoneName: dns.zoneName, resourceGroupName: dns.resourceGroupName, location: "global", tags: a.tags },
                        { parent: this },
                    );
                    zoneId = this.privateDnsZone.id;
                    zoneRef = pulumi.all([this.privateDnsZone.name, dns.resourceGroupName]).apply(([zoneName, resourceGroupName]) => ({
                        zoneName,
                        resourceGroupName,
                    }));
                }

                dns.virtualNetworkIds.forEach((vnetId, i) => {
                    const key = typeof vnetId === "string" ? virtualNetworkNameOfId(vnetId).toLowerCase() : String(i);
                    this.virtualNetworkLinks.push(
                        new privatedns.VirtualNetworkLink(
                            `${name}-vnet-link-${key}`,
                            {
                                virtualNetworkLinkName: pulumi.output(vnetId).apply((id) => `link-${virtualNetworkNameOfId(id)}`),
                                privateZoneName: zoneRef.zoneName,
                                resourceGroupName: zoneRef.resourceGroupName,
                                location: "global",
                                virtualNetwork: { id: vnetId },
                                // Auto-registration is for VM records; endpoint records come from the zone group.
                                registrationEnabled: false,
                                tags: a.tags,
                            },
                            // A network can be linked to a zone once, so a replacement must delete the old link first.
                            { parent: this, deleteBeforeReplace: true },
                        ),
                    );
                });

                this.privateDnsZoneGroup = new network.PrivateDnsZoneGroup(
                    `${name}-dns-zone-group`,
                    {
                        privateEndpointName: this.privateEndpoint.name,
                        resourceGroupName: pe.resourceGroupName,
                        privateDnsZoneGroupName: "default",
                        privateDnsZoneConfigs: [{ name: zoneConfigName(dns.zoneName), privateDnsZoneId: zoneId }],
                    },
                    { parent: this },
                );
            }

            // customDnsConfigs carries the vault FQDN and IP; the zone group's record set is the fallback, as some
            // API versions leave customDnsConfigs empty once a zone group registers the record.
            const recordSets = this.privateDnsZoneGroup
                ? this.privateDnsZoneGroup.privateDnsZoneConfigs.apply((configs) => configs?.[0]?.recordSets?.[0])
                : pulumi.output(undefined);
            const endpointDns = pulumi.all([this.privateEndpoint.customDnsConfigs, recordSets]);
            this.privateEndpointIp = endpointDns.apply(([custom, record]) => custom?.[0]?.ipAddresses?.[0] ?? record?.ipAddresses?.[0]);
            this.privateEndpointFqdn = endpointDns.apply(([custom, record]) => custom?.[0]?.fqdn ?? record?.fqdn);
        } else {
            this.privateEndpointIp = pulumi.output(undefined);
            this.privateEndpointFqdn = pulumi.output(undefined);
        }

        this.roleAssignments = a.roleAssignments.map(
            (ra) =>
                new authorization.RoleAssignment(
                    ra.source === "migration" ? `${name}-migration-role` : `${name}-${ra.source}-${ra.key}`,
                    {
                        roleAssignmentName: pulumi.output(ra.principalId).apply((id) => roleAssignmentName(a.vaultName, id, ra.role)),
                        scope: vaultId,
                        principalId: ra.principalId,
                        principalType: ra.principalType,
                        roleDefinitionId: clientConfig.subscriptionId.apply((subscriptionId) => roleDefinitionId(subscriptionId, ra.role)),
                        description: `${KEY_VAULT_ROLES[ra.role].displayName} for ${ra.source} ${ra.key} (vault-migration)`,
                    },
                    { parent: this },
                ),
        );
        this.migrationRoleAssignment = this.roleAssignments[0];

        if (a.diagnostics) {
            this.diagnosticSetting = new monitor.DiagnosticSetting(
                `${name}-diagnostics`,
                {
                    name: a.diagnostics.name,
                    resourceUri: vaultId,
                    workspaceId: a.diagnostics.logAnalyticsWorkspaceId,
                    storageAccountId: a.diagnostics.storageAccountId,
                    // allLogs covers AuditEvent (every data-plane access) and any category Azure adds later.
                    logs: [{ categoryGroup: "allLogs", enabled: true }],
                    metrics: [{ category: "AllMetrics", enabled: true }],
                },
                { parent: this },
            );
        } else if (args.diagnostics !== undefined) {
            pulumi.log.warn(`[diagnostics] has no destination: vault ${a.vaultName} audit logs will not be exported`, this);
        }

        this.vaultId = vaultId;
        this.vaultName = this.vault.name;
        this.vaultUri = this.vault.properties.vaultUri;

        this.registerOutputs({
            vaultId: this.vaultId,
            vaultName: this.vaultName,
            vaultUri: this.vaultUri,
            privateEndpointIp: this.privateEndpointIp,
            privateEndpointFqdn: this.privateEndpointFqdn,
            migrationRoleAssignmentId: this.migrationRoleAssignment.id,
        });
    }
}
