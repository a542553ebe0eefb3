// Checks and normalises KeyVaultDeployment's arguments before anything is registered, so a bad
// combination fails at preview naming the argument (awsx's `validateVpcArgs` is the model). No
// resource and no network call; Pulumi only to derive a default from an Output subnet id.
import * as pulumi from "@pulumi/pulumi";
import {
    KEY_VAULT_PRINCIPAL_TYPES,
    KEY_VAULT_PRIVATE_DNS_ZONE,
    KEY_VAULT_SKU_NAMES,
    type KeyVaultDeploymentArgs,
    type KeyVaultDiagnosticsArgs,
    type KeyVaultNetworkAclArgs,
    type KeyVaultPrincipal,
    type KeyVaultPrincipalType,
    type KeyVaultPrivateEndpointArgs,
    type KeyVaultSkuName,
} from "./args";
import {
    isLogAnalyticsWorkspaceId,
    isStorageAccountId,
    isSubnetId,
    parsePrivateDnsZoneId,
    parseVirtualNetworkId,
    virtualNetworkIdOfSubnet,
} from "./armIds";
import { isGuid } from "./guids";
import type { KeyVaultRole } from "./roles";

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

const VAULT_NAME = /^[A-Za-z][A-Za-z0-9-]{1,22}[A-Za-z0-9]$/;
const RESOURCE_KEY = /^[A-Za-z0-9._-]{1,64}$/;
const IPV4_OR_CIDR = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})(?:\/(\d{1,2}))?$/;

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
    if (typeof args.tenantId === "string" && !isGuid(args.tenantId)) {
        fail("tenantId", `${p("tenantId")} must be a tenant GUID, got "${args.tenantId}"`);
    }

    const sku = args.sku ?? "standard";
    if (!KEY_VAULT_SKU_NAMES.includes(sku)) {
        fail("sku", `${p("sku")} must be one of ${KEY_VAULT_SKU_NAMES.join(", ")}, got "${String(sku)}"`);
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
    if (typeof pe.subnetId === "string" && !isSubnetId(pe.subnetId)) {
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
            const zone = parsePrivateDnsZoneId(dns.existingZoneId);
            if (!zone || zone.zoneName.toLowerCase() !== zoneName.toLowerCase()) {
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
            const name = parseVirtualNetworkId(id);
            if (name === undefined) {
                fail(path, `${p(path)} must be a virtual network id (/subscriptions/…/providers/Microsoft.Network/virtualNetworks/<name>), got "${id}"`);
            }
            // Links are named after the network, so two networks with one name would collide.
            const vnetName = name.toLowerCase();
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
        if (id === undefined || id === "" || (typeof id === "string" && !isSubnetId(id))) {
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
    if (typeof principalId === "string" && !isGuid(principalId)) {
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
    if (typeof logAnalyticsWorkspaceId === "string" && !isLogAnalyticsWorkspaceId(logAnalyticsWorkspaceId)) {
        fail(
            "diagnostics.logAnalyticsWorkspaceId",
            `${p("diagnostics.logAnalyticsWorkspaceId")} must be a Log Analytics workspace id (…/Microsoft.OperationalInsights/workspaces/<name>), got "${logAnalyticsWorkspaceId}"`,
        );
    }
    if (typeof storageAccountId === "string" && !isStorageAccountId(storageAccountId)) {
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
