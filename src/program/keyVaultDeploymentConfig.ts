// `vault-migration:keyVaultDeployment`: the stack's destination Key Vault, read into the
// KeyVaultDeployment component's arguments. Like the other config readers it collects every problem,
// each naming its key (`[vault-migration:keyVaultDeployment.<key>]`), and the caller throws them together.
// It imports the component's pure modules, not the component, so reading config loads no azure-native.
import {
    KEY_VAULT_PRINCIPAL_TYPES,
    KEY_VAULT_SKU_NAMES,
    type KeyVaultDeploymentArgs,
    type KeyVaultDiagnosticsArgs,
    type KeyVaultMigrationIdentity,
    type KeyVaultNetworkAclArgs,
    type KeyVaultPrincipal,
    type KeyVaultPrivateDnsArgs,
    type KeyVaultPrivateEndpointArgs,
} from "../components/keyVaultDeployment/args";
import { KeyVaultDeploymentArgsError, validateKeyVaultDeploymentArgs } from "../components/keyVaultDeployment/validation";

/** Stack config key holding the component's settings (`config.getObject("keyVaultDeployment")`). */
export const KEY_VAULT_DEPLOYMENT_CONFIG_KEY = "keyVaultDeployment";

/** What {@link readKeyVaultDeploymentConfig} found: the arguments when there is no problem. */
export interface KeyVaultDeploymentConfig {
    /** Set exactly when `problems` is empty. */
    readonly args?: KeyVaultDeploymentArgs;
    /** Every problem found, each naming its key in brackets. */
    readonly problems: string[];
}

/**
 * Reads the plain JSON object of stack config `vault-migration:keyVaultDeployment` into
 * {@link KeyVaultDeploymentArgs}. Checks types and unknown keys (a typo must not silently drop, say, a
 * private endpoint), all at once; when they are right, the component's own rules
 * ({@link validateKeyVaultDeploymentArgs}) run too and report the first one broken, so every mistake
 * shows at preview with its key, e.g. `[vault-migration:keyVaultDeployment.privateEndpoint.subnetId] must be a string`.
 */
export function readKeyVaultDeploymentConfig(raw: unknown): KeyVaultDeploymentConfig {
    const problems: string[] = [];
    const problem: Problem = (path, message) => void problems.push(`[vault-migration:${path}] ${message}`);
    const args = required(raw, KEY_VAULT_DEPLOYMENT_CONFIG_KEY, problem, deployment);
    if (args === undefined || problems.length > 0) return { problems };
    try {
        // The semantic rules live in the component; the prefix makes their messages name the config key.
        validateKeyVaultDeploymentArgs(args, { pathPrefix: `vault-migration:${KEY_VAULT_DEPLOYMENT_CONFIG_KEY}.` });
    } catch (e) {
        if (!(e instanceof KeyVaultDeploymentArgsError)) throw e;
        return { problems: [e.message] };
    }
    return { args, problems };
}

/**
 * {@link readKeyVaultDeploymentConfig}, for the stack program.
 *
 * @throws Error listing every problem, as the other config readers do
 */
export function keyVaultDeploymentArgsFromConfig(raw: unknown): KeyVaultDeploymentArgs {
    const { args, problems } = readKeyVaultDeploymentConfig(raw);
    if (args === undefined) throw new Error(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    return args;
}

// --- the readers: each takes the raw value and its config path, records what is wrong, and returns
// undefined only when the value is absent or it recorded a problem --------------------------------

type Json = Record<string, unknown>;
type Problem = (path: string, message: string) => void;
type Read<T> = (raw: unknown, path: string, problem: Problem) => T | undefined;

function deployment(raw: unknown, path: string, problem: Problem): KeyVaultDeploymentArgs | undefined {
    const o = object(raw, path, problem, [
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
    if (o === undefined) return undefined;
    const at = (key: string): string => `${path}.${key}`;
    const { vaultName, resourceGroupName, migrationIdentity, ...rest } = {
        vaultName: required(o.vaultName, at("vaultName"), problem, string),
        resourceGroupName: required(o.resourceGroupName, at("resourceGroupName"), problem, string),
        location: optional(o.location, at("location"), problem, string),
        tenantId: optional(o.tenantId, at("tenantId"), problem, string),
        sku: optional(o.sku, at("sku"), problem, oneOf(KEY_VAULT_SKU_NAMES)),
        softDeleteRetentionInDays: optional(o.softDeleteRetentionInDays, at("softDeleteRetentionInDays"), problem, integer),
        purgeProtection: optional(o.purgeProtection, at("purgeProtection"), problem, boolean),
        allowPurgeProtectionOff: optional(o.allowPurgeProtectionOff, at("allowPurgeProtectionOff"), problem, boolean),
        publicNetworkAccess: optional(o.publicNetworkAccess, at("publicNetworkAccess"), problem, oneOf(["Enabled", "Disabled"] as const)),
        networkAcls: optional(o.networkAcls, at("networkAcls"), problem, networkAcls),
        privateEndpoint: optional(o.privateEndpoint, at("privateEndpoint"), problem, privateEndpoint),
        migrationIdentity: required(o.migrationIdentity, at("migrationIdentity"), problem, identity),
        consumers: optional(o.consumers, at("consumers"), problem, list(principal)),
        admins: optional(o.admins, at("admins"), problem, list(principal)),
        diagnostics: optional(o.diagnostics, at("diagnostics"), problem, diagnostics),
        tags: optional(o.tags, at("tags"), problem, stringMap),
    };
    if (vaultName === undefined || resourceGroupName === undefined || migrationIdentity === undefined) return undefined;
    return dropUndefined({ vaultName, resourceGroupName, migrationIdentity, ...rest });
}

function networkAcls(raw: unknown, path: string, problem: Problem): KeyVaultNetworkAclArgs | undefined {
    const o = object(raw, path, problem, ["defaultAction", "bypass", "ipRules", "virtualNetworkSubnetIds"]);
    if (o === undefined) return undefined;
    return dropUndefined({
        defaultAction: optional(o.defaultAction, `${path}.defaultAction`, problem, oneOf(["Deny", "Allow"] as const)),
        bypass: optional(o.bypass, `${path}.bypass`, problem, oneOf(["AzureServices", "None"] as const)),
        ipRules: optional(o.ipRules, `${path}.ipRules`, problem, list(string)),
        virtualNetworkSubnetIds: optional(o.virtualNetworkSubnetIds, `${path}.virtualNetworkSubnetIds`, problem, list(string)),
    });
}

function privateEndpoint(raw: unknown, path: string, problem: Problem): KeyVaultPrivateEndpointArgs | undefined {
    const o = object(raw, path, problem, ["subnetId", "name", "location", "resourceGroupName", "privateDns"]);
    if (o === undefined) return undefined;
    const subnetId = required(o.subnetId, `${path}.subnetId`, problem, string);
    const rest = {
        name: optional(o.name, `${path}.name`, problem, string),
        location: optional(o.location, `${path}.location`, problem, string),
        resourceGroupName: optional(o.resourceGroupName, `${path}.resourceGroupName`, problem, string),
        privateDns: optional(o.privateDns, `${path}.privateDns`, problem, privateDns),
    };
    return subnetId === undefined ? undefined : dropUndefined({ subnetId, ...rest });
}

function privateDns(raw: unknown, path: string, problem: Problem): KeyVaultPrivateDnsArgs | false | undefined {
    // `false`: DNS is registered elsewhere (policy, custom resolver).
    if (raw === false) return false;
    if (!isJson(raw)) return void problem(path, "must be an object or false");
    const o = object(raw, path, problem, ["existingZoneId", "zoneName", "resourceGroupName", "virtualNetworkIds", "linkExistingZone"]);
    if (o === undefined) return undefined;
    return dropUndefined({
        existingZoneId: optional(o.existingZoneId, `${path}.existingZoneId`, problem, string),
        zoneName: optional(o.zoneName, `${path}.zoneName`, problem, string),
        resourceGroupName: optional(o.resourceGroupName, `${path}.resourceGroupName`, problem, string),
        virtualNetworkIds: optional(o.virtualNetworkIds, `${path}.virtualNetworkIds`, problem, list(string)),
        linkExistingZone: optional(o.linkExistingZone, `${path}.linkExistingZone`, problem, boolean),
    });
}

const PRINCIPAL_KEYS = ["principalId", "principalType", "key"] as const;

function principal(raw: unknown, path: string, problem: Problem): KeyVaultPrincipal | undefined {
    const o = object(raw, path, problem, PRINCIPAL_KEYS);
    return o === undefined ? undefined : principalOf(o, path, problem);
}

function identity(raw: unknown, path: string, problem: Problem): KeyVaultMigrationIdentity | undefined {
    const o = object(raw, path, problem, [...PRINCIPAL_KEYS, "role"]);
    if (o === undefined) return undefined;
    const p = principalOf(o, path, problem);
    const role = optional(o.role, `${path}.role`, problem, oneOf(["secretsOfficer", "administrator"] as const));
    return p === undefined ? undefined : dropUndefined({ ...p, role });
}

function principalOf(o: Json, path: string, problem: Problem): KeyVaultPrincipal | undefined {
    const principalId = required(o.principalId, `${path}.principalId`, problem, string);
    const principalType = required(o.principalType, `${path}.principalType`, problem, oneOf(KEY_VAULT_PRINCIPAL_TYPES), ` (one of: ${KEY_VAULT_PRINCIPAL_TYPES.join(", ")})`);
    const key = optional(o.key, `${path}.key`, problem, string);
    if (principalId === undefined || principalType === undefined) return undefined;
    return dropUndefined({ principalId, principalType, key });
}

function diagnostics(raw: unknown, path: string, problem: Problem): KeyVaultDiagnosticsArgs | undefined {
    const o = object(raw, path, problem, ["logAnalyticsWorkspaceId", "storageAccountId", "name"]);
    if (o === undefined) return undefined;
    return dropUndefined({
        logAnalyticsWorkspaceId: optional(o.logAnalyticsWorkspaceId, `${path}.logAnalyticsWorkspaceId`, problem, string),
        storageAccountId: optional(o.storageAccountId, `${path}.storageAccountId`, problem, string),
        name: optional(o.name, `${path}.name`, problem, string),
    });
}

// --- primitive readers ----------------------------------------------------------------------------

const isJson = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);

/** An object with only `keys` (or, with no `keys`, any key). */
function object(raw: unknown, path: string, problem: Problem, keys?: readonly string[]): Json | undefined {
    if (!isJson(raw)) return void problem(path, "must be an object");
    for (const key of Object.keys(raw)) {
        if (keys && !keys.includes(key)) problem(`${path}.${key}`, `is not a known setting (expected one of: ${keys.join(", ")})`);
    }
    return raw;
}

/** Absent (undefined or null) is a problem; `hint` says what to set. */
function required<T>(raw: unknown, path: string, problem: Problem, read: Read<T>, hint = ""): T | undefined {
    if (raw === undefined || raw === null) return void problem(path, `is required${hint}`);
    return read(raw, path, problem);
}

/** Absent (undefined or null) is fine: the component's default applies. */
function optional<T>(raw: unknown, path: string, problem: Problem, read: Read<T>): T | undefined {
    return raw === undefined || raw === null ? undefined : read(raw, path, problem);
}

function string(raw: unknown, path: string, problem: Problem): string | undefined {
    if (typeof raw !== "string") return void problem(path, "must be a string");
    return raw;
}

function boolean(raw: unknown, path: string, problem: Problem): boolean | undefined {
    if (typeof raw !== "boolean") return void problem(path, "must be true or false");
    return raw;
}

function integer(raw: unknown, path: string, problem: Problem): number | undefined {
    if (typeof raw !== "number" || !Number.isInteger(raw)) return void problem(path, "must be a whole number");
    return raw;
}

function oneOf<T extends string>(values: readonly T[]): Read<T> {
    return (raw, path, problem) => {
        if (typeof raw !== "string" || !(values as readonly string[]).includes(raw)) return void problem(path, `must be one of: ${values.join(", ")}`);
        return raw as T;
    };
}

/** A list whose every item reads; undefined when one does not (its problem is recorded). */
function list<T>(item: Read<T>): Read<T[]> {
    return (raw, path, problem) => {
        if (!Array.isArray(raw)) return void problem(path, "must be a list");
        const items = raw.map((entry, i) => item(entry, `${path}[${i}]`, problem));
        return items.every((x): x is T => x !== undefined) ? items : undefined;
    };
}

function stringMap(raw: unknown, path: string, problem: Problem): Record<string, string> | undefined {
    const o = object(raw, path, problem);
    if (o === undefined) return undefined;
    const out: Record<string, string> = {};
    let ok = true;
    for (const [key, value] of Object.entries(o)) {
        const s = required(value, `${path}.${key}`, problem, string);
        if (s === undefined) ok = false;
        else out[key] = s;
    }
    return ok ? out : undefined;
}

// Keeps parsed args free of `key: undefined`, so they compare equal to hand-written ones.
function dropUndefined<T extends object>(o: T): T {
    for (const key of Object.keys(o) as (keyof T)[]) {
        if (o[key] === undefined) delete o[key];
    }
    return o;
}
