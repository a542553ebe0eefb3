// Holds the component's DEFAULT vault against the Bicep template of seed 003 (Step 2, key-vault.bicep,
// /work/shared/seeds/003_1eaacdbe10254142.txt), property by property. Where the component deliberately differs,
// the difference is asserted explicitly with the reason next to it, so changing either side is a visible decision.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { AzureNativeMocks, promiseOf, type Inputs } from "../support/azureNativeMocks";
import { KeyVaultDeployment, KeyVaultDeploymentArgs, roleAssignmentName } from "../../src/components/KeyVaultDeployment";

const SUBSCRIPTION = "11111111-1111-1111-1111-111111111111";
const TENANT = "22222222-2222-2222-2222-222222222222";
const MIGRATION_PRINCIPAL = "33333333-3333-3333-3333-333333333333";
const ADMIN_OBJECT_ID = "66666666-6666-6666-6666-666666666666";
const RG = "rg-keyvault-migration";
const SUBNET_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub/subnets/snet-pe`;
const WORKSPACE_ID = `/subscriptions/${SUBSCRIPTION}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/log-kv`;

/**
 * The template, transcribed. `vaultName=kv-migrated-prod adminObjectId=$ADMIN_OID enableHsm=false` is the
 * deployment the seed runs; `subnetId` is its optional parameter.
 */
const BICEP = {
    vault: {
        sku: (enableHsm: boolean) => ({ family: "A", name: enableHsm ? "premium" : "standard" }),
        // tenantId: subscription().tenantId — the deploying subscription's tenant.
        enableRbacAuthorization: true,
        enableSoftDelete: true,
        softDeleteRetentionInDays: 90,
        enablePurgeProtection: true,
        publicNetworkAccess: (subnetId: string) => (subnetId !== "" ? "Disabled" : "Enabled"),
        networkAcls: { defaultAction: "Deny", bypass: "AzureServices" },
    },
    adminRole: {
        // subscriptionResourceId('Microsoft.Authorization/roleDefinitions', '00482a5a-…') // Key Vault Administrator
        roleDefinitionGuid: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        principalType: "User",
        // scope: keyVault; name: guid(keyVault.id, adminObjectId, 'Key Vault Administrator')
    },
    diagnostics: {
        name: (vaultName: string) => `${vaultName}-diagnostics`,
        logs: [{ categoryGroup: "allLogs", enabled: true, retentionPolicy: { enabled: true, days: 365 } }],
        metrics: [{ category: "AllMetrics", enabled: true, retentionPolicy: { enabled: true, days: 90 } }],
        // workspaceId: commented out in the template — no destination.
    },
    privateEndpoint: {
        name: (vaultName: string) => `pe-${vaultName}`,
        connectionName: "kv-connection",
        groupIds: ["vault"],
    },
} as const;

/** The shared azure-native mocks with this file's subscription and tenant. */
class TestMocks extends AzureNativeMocks {
    constructor() {
        super({ subscriptionId: SUBSCRIPTION, tenantId: TENANT });
    }
}


/** The seed's deployment as component args: the admin is the Bicep's `adminObjectId`. */
function seedArgs(options: { enableHsm?: boolean; subnetId?: string; workspaceId?: string } = {}): KeyVaultDeploymentArgs {
    return {
        vaultName: "kv-migrated-prod",
        resourceGroupName: RG,
        sku: options.enableHsm ? "premium" : undefined,
        migrationIdentity: { principalId: MIGRATION_PRINCIPAL, principalType: "ServicePrincipal" },
        admins: [{ principalId: ADMIN_OBJECT_ID, principalType: "User" }],
        privateEndpoint: options.subnetId ? { subnetId: options.subnetId } : undefined,
        diagnostics: options.workspaceId ? { logAnalyticsWorkspaceId: options.workspaceId } : undefined,
    };
}

async function deploy(args: KeyVaultDeploymentArgs): Promise<{ mocks: TestMocks; kv: KeyVaultDeployment; vault: Inputs; vaultProps: Inputs }> {
    const mocks = new TestMocks();
    await pulumi.runtime.setMocks(mocks, "project", "stack", false);
    const kv = new KeyVaultDeployment("kv", args);
    const children: pulumi.Resource[] = [kv.vault, ...kv.roleAssignments, ...kv.virtualNetworkLinks];
    for (const optional of [kv.privateEndpoint, kv.privateDnsZone, kv.privateDnsZoneGroup, kv.diagnosticSetting]) {
        if (optional) {
            children.push(optional);
        }
    }
    await Promise.all([...children.map((c) => promiseOf(c.urn)), promiseOf(kv.vaultUri), promiseOf(kv.privateEndpointIp)]);
    const vault = mocks.one("azure-native:keyvault:Vault").inputs;
    return { mocks, kv, vault, vaultProps: vault.properties as Inputs };
}

const vaultId = `/subscriptions/${SUBSCRIPTION}/resourceGroups/${RG}/providers/Microsoft.KeyVault/vaults/kv-migrated-prod`;

describe("KeyVaultDeployment against seed 003's key-vault.bicep", () => {
    describe("Microsoft.KeyVault/vaults", () => {
        it("sku: family A, standard (enableHsm=false) / premium (enableHsm=true)", async () => {
            assert.deepEqual((await deploy(seedArgs())).vaultProps.sku, BICEP.vault.sku(false));
            assert.deepEqual((await deploy(seedArgs({ enableHsm: true }))).vaultProps.sku, BICEP.vault.sku(true));
        });

        it("tenantId: the deploying identity's tenant (Bicep: subscription().tenantId)", async () => {
            assert.equal((await deploy(seedArgs())).vaultProps.tenantId, TENANT);
        });

        it("enableRbacAuthorization, enableSoftDelete, softDeleteRetentionInDays, enablePurgeProtection", async () => {
            const { vaultProps } = await deploy(seedArgs());
            assert.equal(vaultProps.enableRbacAuthorization, BICEP.vault.enableRbacAuthorization);
            assert.equal(vaultProps.enableSoftDelete, BICEP.vault.enableSoftDelete);
            assert.equal(vaultProps.softDeleteRetentionInDays, BICEP.vault.softDeleteRetentionInDays);
            assert.equal(vaultProps.enablePurgeProtection, BICEP.vault.enablePurgeProtection);
        });

        it("publicNetworkAccess: Enabled without a subnet, Disabled with one", async () => {
            assert.equal((await deploy(seedArgs())).vaultProps.publicNetworkAccess, BICEP.vault.publicNetworkAccess(""));
            assert.equal((await deploy(seedArgs({ subnetId: SUBNET_ID }))).vaultProps.publicNetworkAccess, BICEP.vault.publicNetworkAccess(SUBNET_ID));
        });

        it("networkAcls: Deny with the AzureServices bypass", async () => {
            const acls = (await deploy(seedArgs())).vaultProps.networkAcls as Inputs;
            assert.equal(acls.defaultAction, BICEP.vault.networkAcls.defaultAction);
            assert.equal(acls.bypass, BICEP.vault.networkAcls.bypass);
            // Equivalent to the Bicep's absent lists: the component always sends them, empty by default.
            assert.deepEqual(acls.ipRules, []);
            assert.deepEqual(acls.virtualNetworkRules, []);
        });

        it("location: left to the resource group's, like the Bicep's resourceGroup().location default", async () => {
            // azure-native fills an omitted location from the resource group (pulumi/pulumi-azure-native#66).
            assert.ok(!("location" in (await deploy(seedArgs())).vault));
        });

        it("DIFFERENCE accessPolicies: sent as [] (the Bicep omits them)", async () => {
            // With RBAC authorization Azure ignores access policies; an explicit empty list keeps stale ones from
            // lingering on an adopted vault.
            assert.deepEqual((await deploy(seedArgs())).vaultProps.accessPolicies, []);
        });
    });

    describe("Microsoft.Authorization/roleAssignments", () => {
        it("admin: Key Vault Administrator (00482a5a-…) for principal type User, scoped to the vault", async () => {
            const { mocks } = await deploy(seedArgs());
            const admin = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.inputs.principalId === ADMIN_OBJECT_ID);
            assert.ok(admin, "admin assignment exists");
            assert.equal(
                admin.inputs.roleDefinitionId,
                `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${BICEP.adminRole.roleDefinitionGuid}`,
            );
            assert.equal(admin.inputs.principalType, BICEP.adminRole.principalType);
            assert.equal(admin.inputs.scope, vaultId);
        });

        it("DIFFERENCE name: a v5 GUID of (vault name, principal, role id) instead of guid(keyVault.id, adminObjectId, 'Key Vault Administrator')", async () => {
            // Same purpose (deterministic, so re-runs do not duplicate) but not Bicep's algorithm: an assignment made
            // by the Bicep deployment is a different Azure object and is not adopted.
            const { mocks } = await deploy(seedArgs());
            const admin = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.inputs.principalId === ADMIN_OBJECT_ID);
            assert.equal(admin?.inputs.roleAssignmentName, roleAssignmentName("kv-migrated-prod", ADMIN_OBJECT_ID, "administrator"));
        });

        it("DIFFERENCE migration identity: Key Vault Secrets Officer, not Administrator", async () => {
            // The Bicep only grants its admin, who then runs the import as Administrator. The component gives the
            // migration least privilege to write secrets; Administrator only with migrationIdentity.role.
            const { mocks, kv } = await deploy(seedArgs());
            const migration = mocks.ofType("azure-native:authorization:RoleAssignment").find((r) => r.inputs.principalId === MIGRATION_PRINCIPAL);
            assert.equal(
                migration?.inputs.roleDefinitionId,
                `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/b86a8fe4-44ce-4948-aee5-eccb2c155cd7`,
            );
            assert.notEqual(migration?.inputs.roleDefinitionId, `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${BICEP.adminRole.roleDefinitionGuid}`);
            assert.equal(await promiseOf(kv.migrationRoleAssignment.id), migration?.id);
        });
    });

    describe("Microsoft.Insights/diagnosticSettings", () => {
        it("name, allLogs category group and AllMetrics, on the vault", async () => {
            const { mocks } = await deploy(seedArgs({ workspaceId: WORKSPACE_ID }));
            const d = mocks.one("azure-native:monitor:DiagnosticSetting").inputs;
            assert.equal(d.name, BICEP.diagnostics.name("kv-migrated-prod"));
            assert.equal(d.resourceUri, vaultId);
            const logs = d.logs as Inputs[];
            const metrics = d.metrics as Inputs[];
            assert.deepEqual(
                logs.map((l) => [l.categoryGroup, l.enabled]),
                BICEP.diagnostics.logs.map((l) => [l.categoryGroup, l.enabled]),
            );
            assert.deepEqual(
                metrics.map((m) => [m.category, m.enabled]),
                BICEP.diagnostics.metrics.map((m) => [m.category, m.enabled]),
            );
            assert.equal(d.workspaceId, WORKSPACE_ID);
        });

        it("DIFFERENCE retentionPolicy: not sent (the Bicep sets 365/90 days)", async () => {
            // Diagnostic-settings retention is deprecated by Azure; retention belongs to the workspace or the storage
            // account's lifecycle policy.
            const d = (await deploy(seedArgs({ workspaceId: WORKSPACE_ID }))).mocks.one("azure-native:monitor:DiagnosticSetting").inputs;
            for (const entry of [...(d.logs as Inputs[]), ...(d.metrics as Inputs[])]) {
                assert.ok(!("retentionPolicy" in entry), JSON.stringify(entry));
            }
        });

        it("DIFFERENCE no destination: no setting at all (the Bicep declares one with workspaceId commented out)", async () => {
            // Azure rejects a diagnostic setting without a destination, so the component only creates it with one.
            assert.equal((await deploy(seedArgs())).mocks.ofType("azure-native:monitor:DiagnosticSetting").length, 0);
        });
    });

    describe("Microsoft.Network/privateEndpoints (subnetId given)", () => {
        it("name pe-<vault>, subnet, connection kv-connection to the vault with group id vault", async () => {
            const { mocks } = await deploy(seedArgs({ subnetId: SUBNET_ID }));
            const pe = mocks.one("azure-native:network:PrivateEndpoint").inputs;
            assert.equal(pe.privateEndpointName, BICEP.privateEndpoint.name("kv-migrated-prod"));
            assert.equal((pe.subnet as Inputs).id, SUBNET_ID);
            assert.deepEqual(pe.privateLinkServiceConnections, [
                { name: BICEP.privateEndpoint.connectionName, privateLinkServiceId: vaultId, groupIds: BICEP.privateEndpoint.groupIds },
            ]);
        });

        it("no endpoint without a subnet (the Bicep's condition)", async () => {
            assert.equal((await deploy(seedArgs())).mocks.ofType("azure-native:network:PrivateEndpoint").length, 0);
        });

        it("DIFFERENCE private DNS: zone, network link and zone group are added (the Bicep has none)", async () => {
            // Without them the vault's name still resolves to its public address, which public access Disabled then
            // refuses: the Bicep's endpoint is unusable until DNS is wired by hand.
            const { mocks } = await deploy(seedArgs({ subnetId: SUBNET_ID }));
            assert.equal(mocks.one("azure-native:privatedns:PrivateZone").inputs.privateZoneName, "privatelink.vaultcore.azure.net");
            assert.equal(mocks.ofType("azure-native:privatedns:VirtualNetworkLink").length, 1);
            assert.equal(mocks.ofType("azure-native:network:PrivateDnsZoneGroup").length, 1);
        });
    });

    it("outputs: vaultUri and vaultId, as the Bicep's", async () => {
        const { kv } = await deploy(seedArgs());
        assert.equal(await promiseOf(kv.vaultUri), "https://kv-migrated-prod.vault.azure.net/");
        assert.equal(await promiseOf(kv.vaultId), vaultId);
    });
});
