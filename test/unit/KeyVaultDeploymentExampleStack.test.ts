// Keeps stacks/Pulumi.azure-example.yaml alive: parses its `vault-migration:keyVaultDeployment` key with the
// program's config reader and builds the full resource graph from it under mocks. Also covers the reader's errors.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import { AzureNativeMocks, promiseOf, type Inputs } from "../support/azureNativeMocks";
import { KeyVaultDeployment, roleAssignmentName } from "../../src/components/KeyVaultDeployment";
import { keyVaultDeploymentArgsFromConfig, readKeyVaultDeploymentConfig } from "../../src/program/keyVaultDeploymentConfig";

// js-yaml ships without types (it comes with @pulumi/pulumi); this is the one function used.
const yaml = require("js-yaml") as { load(text: string): unknown };

const STACK_FILE = path.join(__dirname, "..", "..", "stacks", "Pulumi.azure-example.yaml");
const CONFIG_KEY = "vault-migration:keyVaultDeployment";
const SUBSCRIPTION = "00000000-0000-0000-0000-000000000000";
const TENANT = "00000000-0000-0000-0000-0000000000aa";
const COMPONENT = "vault-migration:azure:KeyVaultDeployment";

/** The shared azure-native mocks with this file's subscription and tenant. */
class TestMocks extends AzureNativeMocks {
    constructor() {
        super({ subscriptionId: SUBSCRIPTION, tenantId: TENANT, endpointIp: "10.0.0.4", endpointFqdn: "kv-migrated-example.vault.azure.net" });
    }
}


/** The example stack's `config:` map. */
function exampleConfig(): Record<string, unknown> {
    const doc = yaml.load(readFileSync(STACK_FILE, "utf8"));
    assert.ok(doc !== null && typeof doc === "object" && "config" in doc, "stack file has a config: map");
    return (doc as { config: Record<string, unknown> }).config;
}

describe("stacks/Pulumi.azure-example.yaml", () => {
    it("uses only obviously fake ids", () => {
        const text = readFileSync(STACK_FILE, "utf8");
        const guids = text.match(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi) ?? [];
        assert.ok(guids.length > 0);
        for (const guid of guids) {
            assert.match(guid, /^00000000-0000-0000-0000-0000000000[0-9a-f]{2}$/, `${guid} does not look like a placeholder`);
        }
    });

    it("builds the full graph from its keyVaultDeployment config", async () => {
        const args = keyVaultDeploymentArgsFromConfig(exampleConfig()[CONFIG_KEY]);
        const mocks = new TestMocks();
        await pulumi.runtime.setMocks(mocks, "project", "azure-example", false);
        const kv = new KeyVaultDeployment("destination", args);
        const children: pulumi.Resource[] = [kv.vault, ...kv.virtualNetworkLinks, ...kv.roleAssignments];
        for (const optional of [kv.privateEndpoint, kv.privateDnsZone, kv.privateDnsZoneGroup, kv.diagnosticSetting]) {
            assert.ok(optional, "the example exercises every optional part");
            children.push(optional);
        }
        await Promise.all([...children.map((c) => promiseOf(c.urn)), promiseOf(kv.vaultUri), promiseOf(kv.privateEndpointIp)]);

        const count = (type: string): number => mocks.ofType(type).length;
        assert.deepEqual(
            {
                component: count(COMPONENT),
                vault: count("azure-native:keyvault:Vault"),
                endpoint: count("azure-native:network:PrivateEndpoint"),
                zone: count("azure-native:privatedns:PrivateZone"),
                links: count("azure-native:privatedns:VirtualNetworkLink"),
                zoneGroup: count("azure-native:network:PrivateDnsZoneGroup"),
                roleAssignments: count("azure-native:authorization:RoleAssignment"),
                diagnostics: count("azure-native:monitor:DiagnosticSetting"),
            },
            { component: 1, vault: 1, endpoint: 1, zone: 1, links: 2, zoneGroup: 1, roleAssignments: 4, diagnostics: 1 },
        );
        assert.equal(mocks.resources.length, 12, "nothing else");

        const vault = mocks.one("azure-native:keyvault:Vault");
        const props = vault.inputs.properties as Inputs;
        assert.equal(vault.inputs.vaultName, "kv-migrated-example");
        assert.equal(vault.inputs.location, "eastus2");
        assert.deepEqual(vault.inputs.tags, { purpose: "vault-migration", environment: "example" });
        assert.equal(props.enableRbacAuthorization, true);
        assert.equal(props.enablePurgeProtection, true);
        assert.equal(props.softDeleteRetentionInDays, 90);
        assert.equal(props.publicNetworkAccess, "Disabled");
        assert.equal(props.tenantId, TENANT);
        assert.deepEqual(props.networkAcls, { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] });

        const vaultId = vault.id;
        const pe = mocks.one("azure-native:network:PrivateEndpoint");
        assert.match(String((pe.inputs.subnet as Inputs).id), /\/subnets\/snet-private-endpoints$/);
        assert.deepEqual(pe.inputs.privateLinkServiceConnections, [{ name: "kv-connection", privateLinkServiceId: vaultId, groupIds: ["vault"] }]);

        const zone = mocks.one("azure-native:privatedns:PrivateZone");
        assert.equal(zone.inputs.privateZoneName, "privatelink.vaultcore.azure.net");
        assert.deepEqual(
            mocks.ofType("azure-native:privatedns:VirtualNetworkLink").map((l) => String((l.inputs.virtualNetwork as Inputs).id).split("/").pop()),
            ["vnet-example", "vnet-example-spoke"],
        );
        assert.deepEqual(mocks.one("azure-native:network:PrivateDnsZoneGroup").inputs.privateDnsZoneConfigs, [
            { name: "privatelink-vaultcore-azure-net", privateDnsZoneId: zone.id },
        ]);

        const roles = mocks.ofType("azure-native:authorization:RoleAssignment").map((r) => [
            r.inputs.principalId,
            r.inputs.principalType,
            String(r.inputs.roleDefinitionId).split("/").pop(),
            r.inputs.scope,
            r.inputs.roleAssignmentName,
        ]);
        assert.deepEqual(roles, [
            ["00000000-0000-0000-0000-000000000001", "ServicePrincipal", "b86a8fe4-44ce-4948-aee5-eccb2c155cd7", vaultId, roleAssignmentName("kv-migrated-example", "00000000-0000-0000-0000-000000000001", "secretsOfficer")],
            ["00000000-0000-0000-0000-000000000002", "ServicePrincipal", "4633458b-17de-408a-b874-0445c86b69e6", vaultId, roleAssignmentName("kv-migrated-example", "00000000-0000-0000-0000-000000000002", "secretsUser")],
            ["00000000-0000-0000-0000-000000000003", "Group", "4633458b-17de-408a-b874-0445c86b69e6", vaultId, roleAssignmentName("kv-migrated-example", "00000000-0000-0000-0000-000000000003", "secretsUser")],
            ["00000000-0000-0000-0000-000000000004", "Group", "00482a5a-887f-4fb3-b363-3b7fe8e74483", vaultId, roleAssignmentName("kv-migrated-example", "00000000-0000-0000-0000-000000000004", "administrator")],
        ]);
        for (const r of mocks.ofType("azure-native:authorization:RoleAssignment")) {
            assert.match(String(r.inputs.roleDefinitionId), new RegExp(`^/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/`));
        }

        const diagnostics = mocks.one("azure-native:monitor:DiagnosticSetting");
        assert.match(String(diagnostics.inputs.workspaceId), /\/workspaces\/log-example$/);
        assert.deepEqual(diagnostics.inputs.logs, [{ categoryGroup: "allLogs", enabled: true }]);
        assert.deepEqual(diagnostics.inputs.metrics, [{ category: "AllMetrics", enabled: true }]);
        assert.equal(diagnostics.inputs.resourceUri, vaultId);

        assert.equal(await promiseOf(kv.vaultUri), "https://kv-migrated-example.vault.azure.net/");
        assert.equal(await promiseOf(kv.privateEndpointIp), "10.0.0.4");
    });
});

describe("keyVaultDeploymentArgsFromConfig", () => {
    const minimal = (): Record<string, unknown> => ({
        vaultName: "kv-example",
        resourceGroupName: "rg",
        migrationIdentity: { principalId: "00000000-0000-0000-0000-000000000001", principalType: "ServicePrincipal" },
    });

    /** Asserts that `raw` has exactly one problem, naming `[vault-migration:<key>]`, and that the program's reader throws it. */
    function rejects(raw: unknown, key: string, message: RegExp): void {
        const { args, problems } = readKeyVaultDeploymentConfig(raw);
        assert.equal(args, undefined);
        assert.equal(problems.length, 1, problems.join("\n"));
        assert.ok(problems[0].startsWith(`[vault-migration:${key}] `), problems[0]);
        assert.match(problems[0], message);
        assert.throws(
            () => keyVaultDeploymentArgsFromConfig(raw),
            (e: unknown) => e instanceof Error && e.message === `invalid stack configuration:\n  - ${problems[0]}`,
        );
    }

    it("returns component args, without undefined keys", () => {
        assert.deepEqual(keyVaultDeploymentArgsFromConfig(minimal()), minimal());
        const full = exampleConfig()[CONFIG_KEY] as Record<string, unknown>;
        const args = keyVaultDeploymentArgsFromConfig(full);
        assert.equal(args.privateEndpoint?.subnetId, (full.privateEndpoint as Record<string, unknown>).subnetId);
        assert.equal(args.consumers?.length, 2);
    });

    it("accepts privateDns: false", () => {
        const raw = { ...minimal(), privateEndpoint: { subnetId: "/subscriptions/s/resourceGroups/r/providers/Microsoft.Network/virtualNetworks/v/subnets/s", privateDns: false } };
        assert.equal(keyVaultDeploymentArgsFromConfig(raw).privateEndpoint?.privateDns, false);
    });

    it("names the config path of a wrong type", () => {
        rejects(undefined, "keyVaultDeployment", /^\[vault-migration:keyVaultDeployment\] is required$/);
        rejects([], "keyVaultDeployment", /must be an object/);
        rejects({ ...minimal(), privateEndpoint: { subnetId: 42 } }, "keyVaultDeployment.privateEndpoint.subnetId", /^\[vault-migration:keyVaultDeployment\.privateEndpoint\.subnetId\] must be a string$/);
        rejects({ ...minimal(), privateEndpoint: {} }, "keyVaultDeployment.privateEndpoint.subnetId", /is required/);
        rejects({ ...minimal(), softDeleteRetentionInDays: "90" }, "keyVaultDeployment.softDeleteRetentionInDays", /whole number/);
        rejects({ ...minimal(), purgeProtection: "yes" }, "keyVaultDeployment.purgeProtection", /true or false/);
        rejects({ ...minimal(), sku: "basic" }, "keyVaultDeployment.sku", /one of: standard, premium/);
        rejects({ ...minimal(), consumers: { principalId: "x" } }, "keyVaultDeployment.consumers", /must be a list/);
        rejects({ ...minimal(), consumers: [{ principalType: "User" }] }, "keyVaultDeployment.consumers[0].principalId", /is required/);
        rejects({ ...minimal(), admins: [{ principalId: "00000000-0000-0000-0000-000000000004", principalType: "user" }] }, "keyVaultDeployment.admins[0].principalType", /one of: User, Group/);
        rejects({ ...minimal(), tags: { env: 1 } }, "keyVaultDeployment.tags.env", /must be a string/);
        rejects({ ...minimal(), privateEndpoint: { subnetId: "x", privateDns: true } }, "keyVaultDeployment.privateEndpoint.privateDns", /object or false/);
        rejects({ ...minimal(), networkAcls: { ipRules: "1.2.3.4" } }, "keyVaultDeployment.networkAcls.ipRules", /must be a list/);
        rejects({ ...minimal(), migrationIdentity: undefined }, "keyVaultDeployment.migrationIdentity", /is required/);
    });

    it("rejects unknown keys, so a typo cannot silently drop a setting", () => {
        rejects({ ...minimal(), privateEndpoints: {} }, "keyVaultDeployment.privateEndpoints", /not a known setting/);
        // A typo of a required key says both what is unknown and what is then missing.
        assert.deepEqual(
            readKeyVaultDeploymentConfig({ ...minimal(), privateEndpoint: { subnetID: "x" } }).problems,
            [
                "[vault-migration:keyVaultDeployment.privateEndpoint.subnetID] is not a known setting (expected one of: subnetId, name, location, resourceGroupName, privateDns)",
                "[vault-migration:keyVaultDeployment.privateEndpoint.subnetId] is required",
            ],
        );
    });

    it("reports every type problem at once, each naming its key", () => {
        const raw = { ...minimal(), sku: "basic", tags: { env: 1 }, privateEndpoints: {}, consumers: [{ principalId: 1 }], migrationIdentity: { role: "owner" } };
        const { args, problems } = readKeyVaultDeploymentConfig(raw);
        assert.equal(args, undefined);
        assert.deepEqual(
            problems.map((p) => p.replace(/ \(expected one of: .*\)$/, "")),
            [
                "[vault-migration:keyVaultDeployment.privateEndpoints] is not a known setting",
                "[vault-migration:keyVaultDeployment.sku] must be one of: standard, premium",
                "[vault-migration:keyVaultDeployment.migrationIdentity.principalId] is required",
                "[vault-migration:keyVaultDeployment.migrationIdentity.principalType] is required (one of: User, Group, ServicePrincipal, ForeignGroup)",
                "[vault-migration:keyVaultDeployment.migrationIdentity.role] must be one of: secretsOfficer, administrator",
                "[vault-migration:keyVaultDeployment.consumers[0].principalId] must be a string",
                "[vault-migration:keyVaultDeployment.consumers[0].principalType] is required (one of: User, Group, ServicePrincipal, ForeignGroup)",
                "[vault-migration:keyVaultDeployment.tags.env] must be a string",
            ],
        );
        assert.throws(() => keyVaultDeploymentArgsFromConfig(raw), (e: unknown) => e instanceof Error && e.message === `invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
    });

    it("checks the component's rules only once the types are right", () => {
        // The rules assume well-typed arguments; a bad vault name shows once the sku is fixed.
        assert.deepEqual(readKeyVaultDeploymentConfig({ ...minimal(), vaultName: "kv--bad", sku: "basic" }).problems, [
            "[vault-migration:keyVaultDeployment.sku] must be one of: standard, premium",
        ]);
    });

    it("reports the component's semantic rules with the config path", () => {
        rejects({ ...minimal(), vaultName: "kv--bad" }, "keyVaultDeployment.vaultName", /^\[vault-migration:keyVaultDeployment\.vaultName\] "kv--bad" breaks Azure's rule/);
        rejects({ ...minimal(), softDeleteRetentionInDays: 120 }, "keyVaultDeployment.softDeleteRetentionInDays", /7 to 90/);
        rejects({ ...minimal(), purgeProtection: false }, "keyVaultDeployment.purgeProtection", /\[vault-migration:keyVaultDeployment\.allowPurgeProtectionOff\]/);
        rejects({ ...minimal(), privateEndpoint: { subnetId: "not-a-subnet" } }, "keyVaultDeployment.privateEndpoint.subnetId", /must be a subnet id/);
    });
});
