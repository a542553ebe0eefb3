import {
    KEY_VAULT_PRINCIPAL_TYPES,
    KeyVaultDeploymentArgs,
    KeyVaultDeploymentArgsError,
    KeyVaultDiagnosticsArgs,
    KeyVaultMigrationIdentity,
    KeyVaultNetworkAclArgs,
    KeyVaultPrincipal,
    KeyVaultPrincipalType,
    KeyVaultPrivateDnsArgs,
    KeyVaultPrivateEndpointArgs,
    validateKeyVaultDeploymentArgs,
} from "../components/KeyVaultDeployment";

/** Stack config key holding the component's settings (`config.requireObject("keyVaultDeployment")`). */
export const KEY_VAULT_DEPLOYMENT_CONFIG_KEY = "keyVaultDeployment";

type Json = Record<string, unknown>;

/**
 * Turns the plain JSON object read from stack config `vault-migration:keyVaultDeployment` into
 * {@link KeyVaultDeploymentArgs}. Checks types and unknown keys (a typo must not silently drop, say, a private
 * endpoint), then runs {@link validateKeyVaultDeploymentArgs}, so every mistake is reported at preview with its
 * config path, e.g. `[keyVaultDeployment.privateEndpoint.subnetId] must be a string`.
 *
 * @throws KeyVaultDeploymentArgsError naming the config path in brackets
 */
export function keyVaultDeploymentArgsFromConfig(raw: unknown): KeyVaultDeploymentArgs {
    const root = KEY_VAULT_DEPLOYMENT_CONFIG_KEY;
    const o = object(raw, root);
    only(o, root, [
        "vaultName",
        "resourceGroupName",
        "location",
        "tenantId",
        "sku",
        "softDeleteRetentionInDays",
        "purgeProtection",
        "allowPurgeProtectionOff",
        "publicNetworkAccess",
        "networkAcls",
        "privateEndpoint",
        "migrationIdentity",
        "consumers",
        "admins",
        "diagnostics",
        "tags",
    ]);

    const args: KeyVaultDeploymentArgs = {
        vaultName: string(o.vaultName, `${root}.vaultName`),
        resourceGroupName: string(o.resourceGroupName, `${root}.resourceGroupName`),
        location: optional(o.location, `${root}.location`, string),
        tenantId: optional(o.tenantId, `${root}.tenantId`, string),
        sku: optional(o.sku, `${root}.sku`, (v, path) => oneOf(v, path, ["standard", "premium"] as const)),
        softDeleteRetentionInDays: optional(o.softDeleteRetentionInDays, `${root}.softDeleteRetentionInDays`, integer),
        purgeProtection: optional(o.purgeProtection, `${root}.purgeProtection`, boolean),
        allowPurgeProtectionOff: optional(o.allowPurgeProtectionOff, `${root}.allowPurgeProtectionOff`, boolean),
        publicNetworkAccess: optional(o.publicNetworkAccess, `${root}.publicNetworkAccess`, (v, path) =>
            oneOf(v, path, ["Enabled", "Disabled"] as const),
        ),
        networkAcls: optional(o.networkAcls, `${root}.networkAcls`, networkAcls),
        privateEndpoint: optional(o.privateEndpoint, `${root}.privateEndpoint`, privateEndpoint),
        migrationIdentity: migrationIdentity(o.migrationIdentity, `${root}.migrationIdentity`),
        consumers: optional(o.consumers, `${root}.consumers`, (v, path) => list(v, path, principal)),
        admins: optional(o.admins, `${root}.admins`, (v, path) => list(v, path, principal)),
        diagnostics: optional(o.diagnostics, `${root}.diagnostics`, diagnostics),
        tags: optional(o.tags, `${root}.tags`, stringMap),
    };
    dropUndefined(args);

    // Semantic rules live in one place; the prefix makes their messages name the config path.
    validateKeyVaultDeploymentArgs(args, { pathPrefix: `${root}.` });
    return args;
}

function networkAcls(raw: unknown, path: string): KeyVaultNetworkAclArgs {
    const o = object(raw, path);
    only(o, path, ["defaultAction", "bypass", "ipRules", "virtualNetworkSubnetIds"]);
    return dropUndefined({
        defaultAction: optional(o.defaultAction, `${path}.defaultAction`, (v, p) => oneOf(v, p, ["Deny", "Allow"] as const)),
        bypass: optional(o.bypass, `${path}.bypass`, (v, p) => oneOf(v, p, ["AzureServices", "None"] as const)),
        ipRules: optional(o.ipRules, `${path}.ipRules`, (v, p) => list(v, p, string)),
        virtualNetworkSubnetIds: optional(o.virtualNetworkSubnetIds, `${path}.virtualNetworkSubnetIds`, (v, p) => list(v, p, string)),
    });
}

function privateEndpoint(raw: unknown, path: string): KeyVaultPrivateEndpointArgs {
    const o = object(raw, path);
    only(o, path, ["subnetId", "name", "location", "resourceGroupName", "privateDns"]);
    return dropUndefined({
        subnetId: string(o.subnetId, `${path}.subnetId`),
        name: optional(o.name, `${path}.name`, string),
        location: optional(o.location, `${path}.location`, string),
        resourceGroupName: optional(o.resourceGroupName, `${path}.resourceGroupName`, string),
        privateDns: optional(o.privateDns, `${path}.privateDns`, privateDns),
    });
}

function privateDns(raw: unknown, path: string): KeyVaultPrivateDnsArgs | false {
    if (raw === false) {
        return false;
    }
    if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
        return fail(path, "must be an object or false");
    }
    const o = raw as Json;
    only(o, path, ["existingZoneId", "zoneName", "resourceGroupName", "virtualNetworkIds", "linkExistingZone"]);
    return dropUndefined({
        existingZoneId: optional(o.existingZoneId, `${path}.existingZoneId`, string),
        zoneName: optional(o.zoneName, `${path}.zoneName`, string),
        resourceGroupName: optional(o.resourceGroupName, `${path}.resourceGroupName`, string),
        virtualNetworkIds: optional(o.virtualNetworkIds, `${path}.virtualNetworkIds`, (v, p) => list(v, p, string)),
        linkExistingZone: optional(o.linkExistingZone, `${path}.linkExistingZone`, boolean),
    });
}

function principal(raw: unknown, path: string): KeyVaultPrincipal {
    const o = object(raw, path);
    only(o, path, ["principalId", "principalType", "key"]);
    return dropUndefined({
        principalId: string(o.principalId, `${path}.principalId`),
        principalType: oneOf<KeyVaultPrincipalType>(o.principalType, `${path}.principalType`, KEY_VAULT_PRINCIPAL_TYPES),
        key: optional(o.key, `${path}.key`, string),
    });
}

function migrationIdentity(raw: unknown, path: string): KeyVaultMigrationIdentity {
    const o = object(raw, path);
    only(o, path, ["principalId", "principalType", "key", "role"]);
    return dropUndefined({
        principalId: string(o.principalId, `${path}.principalId`),
        principalType: oneOf<KeyVaultPrincipalType>(o.principalType, `${path}.principalType`, KEY_VAULT_PRINCIPAL_TYPES),
        key: optional(o.key, `${path}.key`, string),
        role: optional(o.role, `${path}.role`, (v, p) => oneOf(v, p, ["secretsOfficer", "administrator"] as const)),
    });
}

function diagnostics(raw: unknown, path: string): KeyVaultDiagnosticsArgs {
    const o = object(raw, path);
    only(o, path, ["logAnalyticsWorkspaceId", "storageAccountId", "name"]);
    return dropUndefined({
        logAnalyticsWorkspaceId: optional(o.logAnalyticsWorkspaceId, `${path}.logAnalyticsWorkspaceId`, string),
        storageAccountId: optional(o.storageAccountId, `${path}.storageAccountId`, string),
        name: optional(o.name, `${path}.name`, string),
    });
}

// --- primitive readers: each names the config path it reads --------------------------------------

function fail(path: string, message: string): never {
    throw new KeyVaultDeploymentArgsError(path, `[${path}] ${message}`);
}

function object(raw: unknown, path: string): Json {
    if (raw === undefined || raw === null) {
        return fail(path, "is required");
    }
    if (typeof raw !== "object" || Array.isArray(raw)) {
        return fail(path, "must be an object");
    }
    return raw as Json;
}

function only(o: Json, path: string, keys: readonly string[]): void {
    for (const key of Object.keys(o)) {
        if (!keys.includes(key)) {
            fail(`${path}.${key}`, `is not a known setting (expected one of: ${keys.join(", ")})`);
        }
    }
}

function optional<T>(raw: unknown, path: string, read: (raw: unknown, path: string) => T): T | undefined {
    return raw === undefined || raw === null ? undefined : read(raw, path);
}

function string(raw: unknown, path: string): string {
    if (raw === undefined || raw === null) {
        return fail(path, "is required");
    }
    if (typeof raw !== "string") {
        return fail(path, "must be a string");
    }
    return raw;
}

function boolean(raw: unknown, path: string): boolean {
    if (typeof raw !== "boolean") {
        return fail(path, "must be true or false");
    }
    return raw;
}

function integer(raw: unknown, path: string): number {
    if (typeof raw !== "number" || !Number.isInteger(raw)) {
        return fail(path, "must be a whole number");
    }
    return raw;
}

function oneOf<T extends string>(raw: unknown, path: string, values: readonly T[]): T {
    if (raw === undefined || raw === null) {
        return fail(path, `is required (one of: ${values.join(", ")})`);
    }
    if (typeof raw !== "string" || !(values as readonly string[]).includes(raw)) {
        return fail(path, `must be one of: ${values.join(", ")}`);
    }
    return raw as T;
}

function list<T>(raw: unknown, path: string, read: (raw: unknown, path: string) => T): T[] {
    if (!Array.isArray(raw)) {
        return fail(path, "must be a list");
    }
    return raw.map((item, i) => read(item, `${path}[${i}]`));
}

function stringMap(raw: unknown, path: string): Record<string, string> {
    const o = object(raw, path);
    const out: Record<string, string> = {};
    for (const [key, value] of Object.entries(o)) {
        out[key] = string(value, `${path}.${key}`);
    }
    return out;
}

// Keeps parsed args free of `key: undefined`, so they compare equal to hand-written ones.
function dropUndefined<T extends object>(o: T): T {
    for (const key of Object.keys(o) as (keyof T)[]) {
        if (o[key] === undefined) {
            delete o[key];
        }
    }
    return o;
}
