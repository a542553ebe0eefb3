import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import * as pulumi from "@pulumi/pulumi";
import { AzureNativeMocks, at, promiseOf, type Inputs, type Recorded } from "../support/azureNativeMocks";
import {
    KEY_VAULT_ROLES,
    KeyVaultDeployment,
    KeyVaultDeploymentArgs,
    KeyVaultDeploymentArgsError,
    ROLE_ASSIGNMENT_NAMESPACE,
    deterministicGuid,
    roleAssignmentName,
    uuidV5,
    validateKeyVaultDeploymentArgs,
} from "../../src/components/KeyVaultDeployment";

// ---------------------------------------------------------------------------------------------
// Mocks (same shape in the three KeyVaultDeployment*.test.ts files; each stays self-contained)
// ---------------------------------------------------------------------------------------------

const SUBSCRIPTION = "11111111-1111-1111-1111-111111111111";
const TENANT = "22222222-2222-2222-2222-222222222222";
const MIGRATION_PRINCIPAL = "33333333-3333-3333-3333-333333333333";
const CONSUMER_A = "44444444-4444-4444-4444-444444444444";
const CONSUMER_B = "55555555-5555-5555-5555-555555555555";
const ADMIN = "66666666-6666-6666-6666-666666666666";
const RG = "rg-kv";
const NET = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network`;
const SUBNET_ID = `${NET}/virtualNetworks/vnet-hub/subnets/snet-pe`;
const VNET_HUB = `${NET}/virtualNetworks/vnet-hub`;
const VNET_SPOKE = `${NET}/virtualNetworks/vnet-spoke`;
const SHARED_ZONE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/log-kv`;
const STORAGE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-mon/providers/Microsoft.Storage/storageAccounts/stkvaudit`;
const COMPONENT = "vault-migration:azure:KeyVaultDeployment";

/** The shared azure-native mocks with this file's subscription and tenant. */
class TestMocks extends AzureNativeMocks {
    constructor(options: { emptyCustomDnsConfigs?: boolean } = {}) {
        super({ subscriptionId: SUBSCRIPTION, tenantId: TENANT, ...options });
    }
}

/** Waits until every child is registered and every output resolved. */
async function settle(kv: KeyVaultDeployment): Promise<void> {
    const children: pulumi.Resource[] = [
        kv.vault,
        ...(kv.privateEndpoint ? [kv.privateEndpoint] : []),
        ...(kv.privateDnsZone ? [kv.privateDnsZone] : []),
        ...kv.virtualNetworkLinks,
        ...(kv.privateDnsZoneGroup ? [kv.privateDnsZoneGroup] : []),
        ...kv.roleAssignments,
        ...(kv.diagnosticSetting ? [kv.diagnosticSetting] : []),
    ];
    await Promise.all([
        ...children.map((c) => promiseOf(c.urn)),
        promiseOf(kv.vaultUri),
        promiseOf(kv.privateEndpointIp),
        promiseOf(kv.privateEndpointFqdn),
    ]);
}

const BASE: KeyVaultDeploymentArgs = {
    vaultName: "kv-migrated-prod",
    resourceGroupName: RG,
    location: "eastus2",
    migrationIdentity: { principalId: MIGRATION_PRINCIPAL, principalType: "ServicePrincipal" },
};

async function deploy(args: KeyVaultDeploymentArgs, options?: { emptyCustomDnsConfigs?: boolean }): Promise<{ mocks: TestMocks; kv: KeyVaultDeployment }> {
    const mocks = new TestMocks(options);
    await pulumi.runtime.setMocks(mocks, "project", "stack", false);
    const kv = new KeyVaultDeployment("kv", args);
    await settle(kv);
    return { mocks, kv };
}

const roleDef = (guid: string): string => `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${guid}`;
const vaultIdOf = (name: string): string => `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/${name}`;
const V5 = /^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

// ---------------------------------------------------------------------------------------------
// Resource graph
// ---------------------------------------------------------------------------------------------

describe("KeyVaultDeployment", () => {
    describe("defaults", () => {
        it("creates only the vault and the migration role assignment, as children of the component", async () => {
            const { mocks, kv } = await deploy(BASE);
            assert.deepEqual(mocks.types(), [
                "azure-native:authorization:RoleAssignment",
                "azure-native:keyvault:Vault",
                COMPONENT,
            ]);
            for (const child of [kv.vault, kv.migrationRoleAssignment]) {
                const urn = await promiseOf(child.urn);
                assert.match(urn, new RegExp(`::${COMPONENT}\\$azure-native:`), `${urn} is not parented to the component`);
            }
            assert.equal(kv.privateEndpoint, undefined);
            assert.equal(kv.privateDnsZone, undefined);
            assert.equal(kv.privateDnsZoneGroup, undefined);
            assert.deepEqual(kv.virtualNetworkLinks, []);
            assert.equal(kv.diagnosticSetting, undefined);
        });

        it("sets the vault's security properties", async () => {
            const { mocks } = await deploy(BASE);
            const vault = mocks.one("azure-native:keyvault:Vault");
            assert.equal(vault.name, "kv-vault");
            assert.equal(vault.inputs.vaultName, "kv-migrated-prod");
            assert.equal(vault.inputs.resourceGroupName, RG);
            assert.equal(vault.inputs.location, "eastus2");
            const props = vault.inputs.properties as Inputs;
            assert.equal(props.enableRbacAuthorization, true);
            assert.deepEqual(props.accessPolicies, []);
            assert.equal(props.enableSoftDelete, true);
            assert.equal(props.softDeleteRetentionInDays, 90);
            assert.equal(props.enablePurgeProtection, true);
            assert.deepEqual(props.sku, { family: "A", name: "standard" });
            assert.equal(props.tenantId, TENANT, "tenant defaults to getClientConfig's");
            assert.equal(props.publicNetworkAccess, "Enabled");
            assert.deepEqual(props.networkAcls, { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkRules: [] });
            assert.ok(mocks.calls.includes("azure-native:authorization:getClientConfig"));
        });

        it("exposes vault outputs and no endpoint outputs", async () => {
            const { kv } = await deploy(BASE);
            assert.equal(await promiseOf(kv.vaultId), vaultIdOf("kv-migrated-prod"));
            assert.equal(await promiseOf(kv.vaultName), "kv-migrated-prod");
            assert.equal(await promiseOf(kv.vaultUri), "https://kv-migrated-prod.vault.azure.net/");
            assert.equal(await promiseOf(kv.privateEndpointIp), undefined);
            assert.equal(await promiseOf(kv.privateEndpointFqdn), undefined);
        });

        it("gives the migration identity Key Vault Secrets Officer on the vault", async () => {
            const { mocks, kv } = await deploy(BASE);
            const ra = mocks.one("azure-native:authorization:RoleAssignment");
            assert.equal(ra.name, "kv-migration-role");
            assert.equal(ra.inputs.roleDefinitionId, roleDef("b86a8fe4-44ce-4948-aee5-eccb2c155cd7"));
            assert.equal(ra.inputs.scope, vaultIdOf("kv-migrated-prod"));
            assert.equal(ra.inputs.principalId, MIGRATION_PRINCIPAL);
            assert.equal(ra.inputs.principalType, "ServicePrincipal");
            assert.equal(ra.inputs.roleAssignmentName, roleAssignmentName("kv-migrated-prod", MIGRATION_PRINCIPAL, "secretsOfficer"));
            assert.match(String(ra.inputs.roleAssignmentName), V5);
            assert.equal(kv.migrationRoleAssignment, kv.roleAssignments[0]);
            assert.equal(await promiseOf(kv.migrationRoleAssignment.id), ra.id);
        });
    });

    describe("vault options", () => {
        it("passes SKU, retention, tenant, tags and firewall rules through", async () => {
            const subnetRule = `${NET}/virtualNetworks/vnet-app/subnets/snet-app`;
            const { mocks } = await deploy({
                ...BASE,
                sku: "premium",
                softDeleteRetentionInDays: 7,
                tenantId: "77777777-7777-7777-7777-777777777777",
                tags: { env: "test" },
                networkAcls: { ipRules: ["203.0.113.10", "198.51.100.0/24"], virtualNetworkSubnetIds: [subnetRule] },
            });
            const vault = mocks.one("azure-native:keyvault:Vault");
            const props = vault.inputs.properties as Inputs;
            assert.deepEqual(props.sku, { family: "A", name: "premium" });
            assert.equal(props.softDeleteRetentionInDays, 7);
            assert.equal(props.tenantId, "77777777-7777-7777-7777-777777777777");
            assert.deepEqual(vault.inputs.tags, { env: "test" });
            assert.deepEqual(props.networkAcls, {
                defaultAction: "Deny",
                bypass: "AzureServices",
                ipRules: [{ value: "203.0.113.10" }, { value: "198.51.100.0/24" }],
                virtualNetworkRules: [{ id: subnetRule }],
            });
        });

        it("omits enablePurgeProtection (Azure refuses false) only when turning it off is acknowledged", async () => {
            const { mocks } = await deploy({ ...BASE, purgeProtection: false, allowPurgeProtectionOff: true });
            const props = mocks.one("azure-native:keyvault:Vault").inputs.properties as Inputs;
            assert.ok(!("enablePurgeProtection" in props), "false must not be sent");
            assert.equal(props.enableSoftDelete, true, "soft delete stays on regardless");
        });

        it("lets public network access and firewall defaults be overridden", async () => {
            const { mocks } = await deploy({ ...BASE, publicNetworkAccess: "Disabled", networkAcls: { bypass: "None", defaultAction: "Allow" } });
            const props = mocks.one("azure-native:keyvault:Vault").inputs.properties as Inputs;
            assert.equal(props.publicNetworkAccess, "Disabled");
            assert.equal(at(props, "networkAcls.bypass"), "None");
            assert.equal(at(props, "networkAcls.defaultAction"), "Allow");
        });
    });

    describe("private endpoint", () => {
        it("creates endpoint, zone, a link to the endpoint's network and the zone group, and disables public access", async () => {
            const { mocks, kv } = await deploy({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID } });
            assert.deepEqual(mocks.types(), [
                "azure-native:authorization:RoleAssignment",
                "azure-native:keyvault:Vault",
                "azure-native:network:PrivateDnsZoneGroup",
                "azure-native:network:PrivateEndpoint",
                "azure-native:privatedns:PrivateZone",
                "azure-native:privatedns:VirtualNetworkLink",
                COMPONENT,
            ]);
            const vaultId = vaultIdOf("kv-migrated-prod");
            assert.equal(at(mocks.one("azure-native:keyvault:Vault").inputs, "properties.publicNetworkAccess"), "Disabled");

            const pe = mocks.one("azure-native:network:PrivateEndpoint");
            assert.equal(pe.inputs.privateEndpointName, "pe-kv-migrated-prod");
            assert.equal(pe.inputs.resourceGroupName, RG);
            assert.equal(pe.inputs.location, "eastus2");
            // Only the id matters: the SDK adds its SubnetArgs defaults (network policies) to the reference.
            assert.equal(at(pe.inputs, "subnet.id"), SUBNET_ID);
            assert.deepEqual(pe.inputs.privateLinkServiceConnections, [
                { name: "kv-connection", privateLinkServiceId: vaultId, groupIds: ["vault"] },
            ]);

            const zone = mocks.one("azure-native:privatedns:PrivateZone");
            assert.equal(zone.inputs.privateZoneName, "privatelink.vaultcore.azure.net");
            assert.equal(zone.inputs.location, "global");
            assert.equal(zone.inputs.resourceGroupName, RG);

            const link = mocks.one("azure-native:privatedns:VirtualNetworkLink");
            assert.equal(link.name, "kv-vnet-link-vnet-hub");
            assert.deepEqual(link.inputs.virtualNetwork, { id: VNET_HUB }, "defaults to the endpoint subnet's network");
            assert.equal(link.inputs.privateZoneName, "privatelink.vaultcore.azure.net");
            assert.equal(link.inputs.resourceGroupName, RG);
            assert.equal(link.inputs.location, "global");
            assert.equal(link.inputs.registrationEnabled, false);
            assert.equal(link.inputs.virtualNetworkLinkName, "link-vnet-hub");

            const group = mocks.one("azure-native:network:PrivateDnsZoneGroup");
            assert.equal(group.inputs.privateEndpointName, "pe-kv-migrated-prod");
            assert.equal(group.inputs.resourceGroupName, RG);
            assert.deepEqual(group.inputs.privateDnsZoneConfigs, [{ name: "privatelink-vaultcore-azure-net", privateDnsZoneId: zone.id }]);

            assert.equal(await promiseOf(kv.privateEndpointIp), "10.1.2.4");
            assert.equal(await promiseOf(kv.privateEndpointFqdn), "kv-migrated-prod.vault.azure.net");
            for (const child of [kv.privateEndpoint!, kv.privateDnsZone!, kv.privateDnsZoneGroup!, ...kv.virtualNetworkLinks]) {
                assert.match(await promiseOf(child.urn), new RegExp(`::${COMPONENT}\\$azure-native:`));
            }
        });

        it("links the given networks, or none for []", async () => {
            const linked = await deploy({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID, privateDns: { virtualNetworkIds: [VNET_HUB, VNET_SPOKE] } } });
            const links = linked.mocks.ofType("azure-native:privatedns:VirtualNetworkLink");
            assert.deepEqual(
                links.map((l) => [l.name, at(l.inputs, "virtualNetwork.id")]),
                [
                    ["kv-vnet-link-vnet-hub", VNET_HUB],
                    ["kv-vnet-link-vnet-spoke", VNET_SPOKE],
                ],
            );

            const none = await deploy({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID, privateDns: { virtualNetworkIds: [] } } });
            assert.equal(none.mocks.ofType("azure-native:privatedns:VirtualNetworkLink").length, 0);
            assert.equal(none.mocks.ofType("azure-native:privatedns:PrivateZone").length, 1);
        });

        it("puts the zone in another resource group, and the endpoint in its own region and group, when asked", async () => {
            const { mocks } = await deploy({
                ...BASE,
                privateEndpoint: { subnetId: SUBNET_ID, name: "pe-custom", location: "westeurope", resourceGroupName: "rg-pe", privateDns: { resourceGroupName: "rg-dns" } },
            });
            const pe = mocks.one("azure-native:network:PrivateEndpoint");
            assert.equal(pe.inputs.privateEndpointName, "pe-custom");
            assert.equal(pe.inputs.location, "westeurope");
            assert.equal(pe.inputs.resourceGroupName, "rg-pe");
            assert.equal(mocks.one("azure-native:privatedns:PrivateZone").inputs.resourceGroupName, "rg-dns");
            assert.equal(mocks.one("azure-native:privatedns:VirtualNetworkLink").inputs.resourceGroupName, "rg-dns");
            const group = mocks.one("azure-native:network:PrivateDnsZoneGroup");
            assert.equal(group.inputs.resourceGroupName, "rg-pe");
            assert.equal(group.inputs.privateEndpointName, "pe-custom");
        });

        it("reuses an existing zone: no zone, no links, the zone group points at it", async () => {
            const { mocks, kv } = await deploy({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID, privateDns: { existingZoneId: SHARED_ZONE_ID } } });
            assert.equal(mocks.ofType("azure-native:privatedns:PrivateZone").length, 0);
            assert.equal(mocks.ofType("azure-native:privatedns:VirtualNetworkLink").length, 0);
            assert.equal(kv.privateDnsZone, undefined);
            const group = mocks.one("azure-native:network:PrivateDnsZoneGroup");
            assert.deepEqual(group.inputs.privateDnsZoneConfigs, [{ name: "privatelink-vaultcore-azure-net", privateDnsZoneId: SHARED_ZONE_ID }]);
        });

        it("links networks to an existing zone, in the zone's resource group, only with linkExistingZone", async () => {
            const { mocks } = await deploy({
                ...BASE,
                privateEndpoint: { subnetId: SUBNET_ID, privateDns: { existingZoneId: SHARED_ZONE_ID, virtualNetworkIds: [VNET_SPOKE], linkExistingZone: true } },
            });
            assert.equal(mocks.ofType("azure-native:privatedns:PrivateZone").length, 0);
            const link = mocks.one("azure-native:privatedns:VirtualNetworkLink");
            assert.equal(link.inputs.resourceGroupName, "rg-dns");
            assert.equal(link.inputs.privateZoneName, "privatelink.vaultcore.azure.net");
            assert.deepEqual(link.inputs.virtualNetwork, { id: VNET_SPOKE });
        });

        it("skips zone, links and zone group with privateDns: false", async () => {
            const { mocks, kv } = await deploy({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID, privateDns: false } });
            assert.deepEqual(mocks.types(), [
                "azure-native:authorization:RoleAssignment",
                "azure-native:keyvault:Vault",
                "azure-native:network:PrivateEndpoint",
                COMPONENT,
            ]);
            assert.equal(await promiseOf(kv.privateEndpointIp), "10.1.2.4");
        });

        it("falls back to the zone group's record set when the endpoint has no customDnsConfigs", async () => {
            const { kv } = await deploy({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID } }, { emptyCustomDnsConfigs: true });
            assert.equal(await promiseOf(kv.privateEndpointIp), "10.1.2.5");
            assert.equal(await promiseOf(kv.privateEndpointFqdn), "from-zone-group.privatelink.vaultcore.azure.net");
        });

        it("accepts an Output subnet id and derives the linked network from it", async () => {
            const { mocks } = await deploy({ ...BASE, privateEndpoint: { subnetId: pulumi.output(SUBNET_ID) } });
            const link = mocks.one("azure-native:privatedns:VirtualNetworkLink");
            assert.equal(link.name, "kv-vnet-link-0");
            assert.deepEqual(link.inputs.virtualNetwork, { id: VNET_HUB });
            assert.equal(link.inputs.virtualNetworkLinkName, "link-vnet-hub");
        });
    });

    describe("role assignments", () => {
        const args: KeyVaultDeploymentArgs = {
            ...BASE,
            consumers: [
                { principalId: CONSUMER_A, principalType: "ServicePrincipal" },
                { principalId: CONSUMER_B.toUpperCase(), principalType: "Group" },
            ],
            admins: [{ principalId: ADMIN, principalType: "User" }],
        };

        it("assigns Secrets User to consumers and Administrator to admins, scoped to the vault", async () => {
            const { mocks } = await deploy(args);
            const vaultId = vaultIdOf("kv-migrated-prod");
            const rows = mocks.ofType("azure-native:authorization:RoleAssignment").map((r) => ({
                name: r.name,
                principalId: r.inputs.principalId,
                principalType: r.inputs.principalType,
                roleDefinitionId: r.inputs.roleDefinitionId,
                scope: r.inputs.scope,
            }));
            assert.deepEqual(rows, [
                { name: "kv-migration-role", principalId: MIGRATION_PRINCIPAL, principalType: "ServicePrincipal", roleDefinitionId: roleDef(KEY_VAULT_ROLES.secretsOfficer.id), scope: vaultId },
                { name: `kv-consumer-${CONSUMER_A}`, principalId: CONSUMER_A, principalType: "ServicePrincipal", roleDefinitionId: roleDef("4633458b-17de-408a-b874-0445c86b69e6"), scope: vaultId },
                // Upper-case ids are normalised, so the same principal always maps to the same name.
                { name: `kv-consumer-${CONSUMER_B}`, principalId: CONSUMER_B, principalType: "Group", roleDefinitionId: roleDef("4633458b-17de-408a-b874-0445c86b69e6"), scope: vaultId },
                { name: `kv-admin-${ADMIN}`, principalId: ADMIN, principalType: "User", roleDefinitionId: roleDef("00482a5a-887f-4fb3-b363-3b7fe8e74483"), scope: vaultId },
            ]);
        });

        it("names assignments deterministically, so a re-run targets the same assignments", async () => {
            const first = (await deploy(args)).mocks.ofType("azure-native:authorization:RoleAssignment").map((r) => r.inputs.roleAssignmentName);
            const second = (await deploy(args)).mocks.ofType("azure-native:authorization:RoleAssignment").map((r) => r.inputs.roleAssignmentName);
            assert.deepEqual(first, second);
            assert.equal(new Set(first).size, first.length, "names are distinct");
            assert.deepEqual(first, [
                roleAssignmentName("kv-migrated-prod", MIGRATION_PRINCIPAL, "secretsOfficer"),
                roleAssignmentName("kv-migrated-prod", CONSUMER_A, "secretsUser"),
                roleAssignmentName("kv-migrated-prod", CONSUMER_B, "secretsUser"),
                roleAssignmentName("kv-migrated-prod", ADMIN, "administrator"),
            ]);
            for (const name of first) {
                assert.match(String(name), V5);
            }
        });

        it("gives the migration identity Administrator when asked", async () => {
            const { mocks } = await deploy({ ...BASE, migrationIdentity: { ...BASE.migrationIdentity, role: "administrator" } });
            const ra = mocks.one("azure-native:authorization:RoleAssignment");
            assert.equal(ra.inputs.roleDefinitionId, roleDef("00482a5a-887f-4fb3-b363-3b7fe8e74483"));
            assert.equal(ra.inputs.roleAssignmentName, roleAssignmentName("kv-migrated-prod", MIGRATION_PRINCIPAL, "administrator"));
        });

        it("accepts an Output principal id with a key: the key names the resource, the principal names the assignment", async () => {
            const { mocks } = await deploy({ ...BASE, consumers: [{ principalId: pulumi.output(CONSUMER_A), principalType: "ServicePrincipal", key: "webapp" }] });
            const ra = mocks.ofType("azure-native:authorization:RoleAssignment")[1];
            assert.equal(ra.name, "kv-consumer-webapp");
            assert.equal(ra.inputs.principalId, CONSUMER_A);
            assert.equal(ra.inputs.roleAssignmentName, roleAssignmentName("kv-migrated-prod", CONSUMER_A, "secretsUser"));
        });
    });

    describe("diagnostics", () => {
        const expectCategories = (d: Recorded): void => {
            assert.deepEqual(d.inputs.logs, [{ categoryGroup: "allLogs", enabled: true }]);
            assert.deepEqual(d.inputs.metrics, [{ category: "AllMetrics", enabled: true }]);
            assert.equal(d.inputs.resourceUri, vaultIdOf("kv-migrated-prod"));
            assert.equal(d.inputs.name, "kv-migrated-prod-diagnostics");
        };

        it("sends allLogs and AllMetrics to a Log Analytics workspace", async () => {
            const { mocks } = await deploy({ ...BASE, diagnostics: { logAnalyticsWorkspaceId: WORKSPACE_ID } });
            const d = mocks.one("azure-native:monitor:DiagnosticSetting");
            expectCategories(d);
            assert.equal(d.inputs.workspaceId, WORKSPACE_ID);
            assert.ok(!("storageAccountId" in d.inputs));
        });

        it("sends them to a storage account, or to both", async () => {
            const storage = (await deploy({ ...BASE, diagnostics: { storageAccountId: STORAGE_ID } })).mocks.one("azure-native:monitor:DiagnosticSetting");
            expectCategories(storage);
            assert.equal(storage.inputs.storageAccountId, STORAGE_ID);
            assert.ok(!("workspaceId" in storage.inputs));

            const both = (await deploy({ ...BASE, diagnostics: { storageAccountId: STORAGE_ID, logAnalyticsWorkspaceId: WORKSPACE_ID, name: "audit" } })).mocks.one(
                "azure-native:monitor:DiagnosticSetting",
            );
            assert.equal(both.inputs.storageAccountId, STORAGE_ID);
            assert.equal(both.inputs.workspaceId, WORKSPACE_ID);
            assert.equal(both.inputs.name, "audit");
        });

        it("creates no diagnostic setting without a destination", async () => {
            for (const diagnostics of [undefined, {}]) {
                const { mocks, kv } = await deploy({ ...BASE, diagnostics });
                assert.equal(mocks.ofType("azure-native:monitor:DiagnosticSetting").length, 0);
                assert.equal(kv.diagnosticSetting, undefined);
            }
        });
    });
});

// ---------------------------------------------------------------------------------------------
// Validation
// ---------------------------------------------------------------------------------------------

describe("validateKeyVaultDeploymentArgs", () => {
    /** Asserts that construction throws naming `property`, and registers nothing. */
    async function rejects(args: KeyVaultDeploymentArgs, property: string, message?: RegExp): Promise<void> {
        const mocks = new TestMocks();
        await pulumi.runtime.setMocks(mocks, "project", "stack", true);
        assert.throws(
            () => new KeyVaultDeployment("kv", args),
            (e: unknown) => {
                assert.ok(e instanceof KeyVaultDeploymentArgsError, String(e));
                assert.equal(e.property, property);
                assert.ok(e.message.includes(`[${property}]`), `message should name [${property}]: ${e.message}`);
                if (message) {
                    assert.match(e.message, message);
                }
                return true;
            },
        );
        // Let any stray registration reach the mocks before checking none happened.
        await new Promise((resolve) => setImmediate(resolve));
        assert.deepEqual(mocks.resources, [], "nothing may be registered before validation passes");
    }

    it("requires a subnet for a private endpoint", async () => {
        await rejects(
            { ...BASE, privateEndpoint: {} as unknown as KeyVaultDeploymentArgs["privateEndpoint"] },
            "privateEndpoint.subnetId",
            /\[privateEndpoint\.subnetId\] is required when \[privateEndpoint\] is set/,
        );
        await rejects({ ...BASE, privateEndpoint: { subnetId: "" } }, "privateEndpoint.subnetId");
        await rejects({ ...BASE, privateEndpoint: { subnetId: VNET_HUB } }, "privateEndpoint.subnetId", /must be a subnet id/);
    });

    for (const name of ["kv", "a".repeat(25), "1kv-prod", "kv-prod-", "kv--prod", "kv_prod", "kv.prod", "kv prod", ""]) {
        it(`rejects vault name ${JSON.stringify(name)}`, async () => {
            await rejects({ ...BASE, vaultName: name }, "vaultName");
        });
    }

    it("accepts vault names at the limits", () => {
        for (const name of ["kv1", "a".repeat(24), "Kv-Prod-01", "a-b-c"]) {
            assert.equal(validateKeyVaultDeploymentArgs({ ...BASE, vaultName: name }).vaultName, name);
        }
    });

    it("accepts exactly Azure's vault names (property)", () => {
        // Independent, character-by-character statement of the rule.
        const allowed = (s: string): boolean => {
            if (s.length < 3 || s.length > 24) return false;
            const isLetter = (c: string): boolean => (c >= "a" && c <= "z") || (c >= "A" && c <= "Z");
            const isDigit = (c: string): boolean => c >= "0" && c <= "9";
            if (!isLetter(s[0]) || s.endsWith("-")) return false;
            for (let i = 0; i < s.length; i++) {
                if (!isLetter(s[i]) && !isDigit(s[i]) && s[i] !== "-") return false;
                if (s[i] === "-" && s[i + 1] === "-") return false;
            }
            return true;
        };
        const chars = fc.constantFrom(..."abcXYZ019-_. ".split(""));
        fc.assert(
            fc.property(fc.string({ unit: chars, minLength: 0, maxLength: 27 }), (vaultName) => {
                let accepted = true;
                try {
                    validateKeyVaultDeploymentArgs({ ...BASE, vaultName });
                } catch (e) {
                    assert.ok(e instanceof KeyVaultDeploymentArgsError && e.property === "vaultName", String(e));
                    accepted = false;
                }
                return accepted === allowed(vaultName);
            }),
            { numRuns: 2000 },
        );
    });

    for (const days of [6, 91, 0, 30.5, Number.NaN]) {
        it(`rejects softDeleteRetentionInDays ${days}`, async () => {
            await rejects({ ...BASE, softDeleteRetentionInDays: days }, "softDeleteRetentionInDays", /7 to 90/);
        });
    }

    it("accepts retention 7 and 90", () => {
        assert.equal(validateKeyVaultDeploymentArgs({ ...BASE, softDeleteRetentionInDays: 7 }).softDeleteRetentionInDays, 7);
        assert.equal(validateKeyVaultDeploymentArgs({ ...BASE, softDeleteRetentionInDays: 90 }).softDeleteRetentionInDays, 90);
    });

    it("refuses purgeProtection: false unless acknowledged", async () => {
        await rejects({ ...BASE, purgeProtection: false }, "purgeProtection", /\[allowPurgeProtectionOff\]/);
        await rejects({ ...BASE, purgeProtection: false, allowPurgeProtectionOff: false }, "purgeProtection");
        assert.equal(validateKeyVaultDeploymentArgs({ ...BASE, purgeProtection: false, allowPurgeProtectionOff: true }).purgeProtection, false);
        // The acknowledgement alone changes nothing.
        assert.equal(validateKeyVaultDeploymentArgs({ ...BASE, allowPurgeProtectionOff: true }).purgeProtection, true);
    });

    it("requires principal ids (GUIDs) and known principal types", async () => {
        const consumer = (c: Record<string, unknown>): KeyVaultDeploymentArgs => ({
            ...BASE,
            consumers: [{ principalId: CONSUMER_A, principalType: "User" }, c as unknown as NonNullable<KeyVaultDeploymentArgs["consumers"]>[number]],
        });
        await rejects(consumer({ principalType: "User" }), "consumers[1].principalId", /is required/);
        await rejects(consumer({ principalId: "", principalType: "User" }), "consumers[1].principalId");
        await rejects(consumer({ principalId: "webapp-prod", principalType: "User" }), "consumers[1].principalId", /GUID/);
        await rejects(consumer({ principalId: CONSUMER_B, principalType: "Robot" }), "consumers[1].principalType");
        await rejects(consumer({ principalId: CONSUMER_B }), "consumers[1].principalType");
        await rejects({ ...BASE, admins: [{ principalId: "x", principalType: "User" }] }, "admins[0].principalId");
        await rejects(
            { ...BASE, migrationIdentity: undefined as unknown as KeyVaultDeploymentArgs["migrationIdentity"] },
            "migrationIdentity",
        );
        await rejects({ ...BASE, migrationIdentity: { principalId: "", principalType: "ServicePrincipal" } }, "migrationIdentity.principalId");
        await rejects(
            { ...BASE, migrationIdentity: { ...BASE.migrationIdentity, role: "owner" as unknown as "administrator" } },
            "migrationIdentity.role",
        );
    });

    it("requires a key for an Output principal id", async () => {
        await rejects(
            { ...BASE, consumers: [{ principalId: pulumi.output(CONSUMER_A), principalType: "ServicePrincipal" }] },
            "consumers[0].key",
            /\[consumers\[0\]\.key\] is required when \[consumers\[0\]\.principalId\] is not a plain string/,
        );
        await rejects({ ...BASE, consumers: [{ principalId: CONSUMER_A, principalType: "User", key: "no spaces" }] }, "consumers[0].key");
    });

    it("rejects a principal given the same role twice", async () => {
        await rejects(
            { ...BASE, consumers: [{ principalId: CONSUMER_A, principalType: "User" }, { principalId: CONSUMER_A.toUpperCase(), principalType: "User" }] },
            "consumers[1].principalId",
            /repeats \[consumers\[0\]\.principalId\]/,
        );
        await rejects(
            { ...BASE, migrationIdentity: { ...BASE.migrationIdentity, role: "administrator" }, admins: [{ principalId: MIGRATION_PRINCIPAL, principalType: "ServicePrincipal" }] },
            "admins[0].principalId",
            /repeats \[migrationIdentity\.principalId\]/,
        );
        // Different roles for one principal are fine.
        validateKeyVaultDeploymentArgs({ ...BASE, consumers: [{ principalId: MIGRATION_PRINCIPAL, principalType: "ServicePrincipal" }] });
    });

    it("checks private DNS combinations", async () => {
        const pe = (privateDns: NonNullable<KeyVaultDeploymentArgs["privateEndpoint"]>["privateDns"]): KeyVaultDeploymentArgs => ({
            ...BASE,
            privateEndpoint: { subnetId: SUBNET_ID, privateDns },
        });
        await rejects(pe({ existingZoneId: SHARED_ZONE_ID, virtualNetworkIds: [VNET_SPOKE] }), "privateEndpoint.privateDns.virtualNetworkIds", /\[privateEndpoint\.privateDns\.linkExistingZone\]/);
        await rejects(pe({ linkExistingZone: true }), "privateEndpoint.privateDns.linkExistingZone");
        await rejects(pe({ existingZoneId: SHARED_ZONE_ID, resourceGroupName: "rg" }), "privateEndpoint.privateDns.resourceGroupName");
        await rejects(pe({ existingZoneId: SHARED_ZONE_ID.replace("privatelink.vaultcore", "privatelink.blob.core") }), "privateEndpoint.privateDns.existingZoneId");
        await rejects(pe({ existingZoneId: "privatelink.vaultcore.azure.net" }), "privateEndpoint.privateDns.existingZoneId");
        await rejects(pe({ zoneName: "vault.example.com" }), "privateEndpoint.privateDns.zoneName");
        await rejects(pe({ virtualNetworkIds: [SUBNET_ID] }), "privateEndpoint.privateDns.virtualNetworkIds[0]");
        await rejects(
            pe({ virtualNetworkIds: [VNET_HUB, VNET_HUB.replace("rg-net", "rg-other")] }),
            "privateEndpoint.privateDns.virtualNetworkIds[1]",
            /same virtual network name/,
        );
        await rejects({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID, name: "-bad" } }, "privateEndpoint.name");
    });

    it("refuses firewall rules that public access Disabled would ignore", async () => {
        await rejects(
            { ...BASE, privateEndpoint: { subnetId: SUBNET_ID }, networkAcls: { ipRules: ["203.0.113.10"] } },
            "networkAcls.ipRules",
            /\[publicNetworkAccess\] is Disabled/,
        );
        await rejects({ ...BASE, publicNetworkAccess: "Disabled", networkAcls: { virtualNetworkSubnetIds: [SUBNET_ID] } }, "networkAcls.virtualNetworkSubnetIds");
        // Explicitly Enabled next to an endpoint: the rules apply.
        validateKeyVaultDeploymentArgs({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID }, publicNetworkAccess: "Enabled", networkAcls: { ipRules: ["203.0.113.10"] } });
    });

    it("checks firewall values", async () => {
        for (const rule of ["203.0.113.300", "203.0.113.0/33", "2001:db8::1", "example.com"]) {
            await rejects({ ...BASE, networkAcls: { ipRules: ["203.0.113.10", rule] } }, "networkAcls.ipRules[1]");
        }
        await rejects({ ...BASE, networkAcls: { virtualNetworkSubnetIds: [VNET_HUB] } }, "networkAcls.virtualNetworkSubnetIds[0]");
        await rejects({ ...BASE, networkAcls: { defaultAction: "Block" as unknown as "Deny" } }, "networkAcls.defaultAction");
        await rejects({ ...BASE, networkAcls: { bypass: "All" as unknown as "None" } }, "networkAcls.bypass");
        await rejects({ ...BASE, publicNetworkAccess: "enabled" as unknown as "Enabled" }, "publicNetworkAccess");
    });

    it("checks the remaining scalar arguments", async () => {
        await rejects({ ...BASE, sku: "basic" as unknown as "standard" }, "sku");
        await rejects({ ...BASE, tenantId: "contoso.onmicrosoft.com" }, "tenantId", /tenant GUID/);
        await rejects({ ...BASE, resourceGroupName: "" }, "resourceGroupName");
        await rejects({ ...BASE, diagnostics: { logAnalyticsWorkspaceId: STORAGE_ID } }, "diagnostics.logAnalyticsWorkspaceId");
        await rejects({ ...BASE, diagnostics: { storageAccountId: WORKSPACE_ID } }, "diagnostics.storageAccountId");
    });

    it("prefixes property paths when asked (stack config)", () => {
        assert.throws(
            () => validateKeyVaultDeploymentArgs({ ...BASE, softDeleteRetentionInDays: 3 }, { pathPrefix: "keyVaultDeployment." }),
            (e: unknown) => e instanceof KeyVaultDeploymentArgsError && e.property === "keyVaultDeployment.softDeleteRetentionInDays" && e.message.startsWith("[keyVaultDeployment.softDeleteRetentionInDays]"),
        );
    });

    it("normalises defaults", () => {
        const n = validateKeyVaultDeploymentArgs({ ...BASE, privateEndpoint: { subnetId: SUBNET_ID } });
        assert.equal(n.sku, "standard");
        assert.equal(n.softDeleteRetentionInDays, 90);
        assert.equal(n.purgeProtection, true);
        assert.equal(n.publicNetworkAccess, "Disabled");
        assert.deepEqual(n.networkAcls, { defaultAction: "Deny", bypass: "AzureServices", ipRules: [], virtualNetworkSubnetIds: [] });
        assert.equal(n.privateEndpoint?.name, "pe-kv-migrated-prod");
        assert.deepEqual(n.privateEndpoint?.privateDns?.virtualNetworkIds, [VNET_HUB]);
        assert.equal(n.privateEndpoint?.privateDns?.zoneName, "privatelink.vaultcore.azure.net");
        assert.deepEqual(
            n.roleAssignments.map((r) => [r.source, r.role]),
            [["migration", "secretsOfficer"]],
        );
        assert.equal(n.diagnostics, undefined);
    });
});

describe("deterministic GUIDs", () => {
    it("uuidV5 matches the RFC 4122 / Python uuid5 vector", () => {
        assert.equal(uuidV5("6ba7b810-9dad-11d1-80b4-00c04fd430c8", "python.org"), "886313e1-3b8a-5372-9b90-0c9aee199e5d");
    });

    it("keeps part boundaries apart", () => {
        assert.notEqual(deterministicGuid(ROLE_ASSIGNMENT_NAMESPACE, "a-b", "c"), deterministicGuid(ROLE_ASSIGNMENT_NAMESPACE, "a", "b-c"));
    });

    it("roleAssignmentName is a case-insensitive v5 GUID that separates vaults, principals and roles (property)", () => {
        const guid = fc.uuid().map((u) => u.toLowerCase());
        const role = fc.constantFrom<keyof typeof KEY_VAULT_ROLES>("administrator", "secretsOfficer", "secretsUser");
        const vault = fc.stringMatching(/^[a-z][a-z0-9]{2,20}$/);
        fc.assert(
            fc.property(vault, guid, role, vault, guid, role, (v1, p1, r1, v2, p2, r2) => {
                const a = roleAssignmentName(v1, p1, r1);
                assert.match(a, V5);
                assert.equal(roleAssignmentName(v1.toUpperCase(), p1.toUpperCase(), r1), a);
                const same = v1 === v2 && p1 === p2 && r1 === r2;
                return same === (a === roleAssignmentName(v2, p2, r2));
            }),
        );
    });
});
