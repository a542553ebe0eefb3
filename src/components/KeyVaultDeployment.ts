// The KeyVaultDeployment component. Its arguments, their validation and the pure helpers it names
// resources with live in ./keyVaultDeployment/ and are re-exported here, so this path stays the
// one import of the component's public API.
import * as pulumi from "@pulumi/pulumi";
import * as authorization from "@pulumi/azure-native/authorization";
import * as keyvault from "@pulumi/azure-native/keyvault";
import * as monitor from "@pulumi/azure-native/monitor";
import * as network from "@pulumi/azure-native/network";
import * as privatedns from "@pulumi/azure-native/privatedns";
import type { KeyVaultDeploymentArgs } from "./keyVaultDeployment/args";
import { privateDnsZoneConfigName, privateDnsZoneOfId, virtualNetworkNameOfId } from "./keyVaultDeployment/armIds";
import { KEY_VAULT_ROLES, roleAssignmentName, roleDefinitionId } from "./keyVaultDeployment/roles";
import { validateKeyVaultDeploymentArgs } from "./keyVaultDeployment/validation";

export {
    KEY_VAULT_PRINCIPAL_TYPES,
    KEY_VAULT_PRIVATE_DNS_ZONE,
    type KeyVaultDeploymentArgs,
    type KeyVaultDiagnosticsArgs,
    type KeyVaultMigrationIdentity,
    type KeyVaultMigrationRole,
    type KeyVaultNetworkAclArgs,
    type KeyVaultPrincipal,
    type KeyVaultPrincipalType,
    type KeyVaultPrivateDnsArgs,
    type KeyVaultPrivateEndpointArgs,
    type KeyVaultSkuName,
} from "./keyVaultDeployment/args";
export { privateDnsZoneOfId, virtualNetworkIdOfSubnet } from "./keyVaultDeployment/armIds";
export { deterministicGuid, uuidV5 } from "./keyVaultDeployment/guids";
export { KEY_VAULT_ROLES, ROLE_ASSIGNMENT_NAMESPACE, type KeyVaultRole, roleAssignmentName, roleDefinitionId } from "./keyVaultDeployment/roles";
export {
    KeyVaultDeploymentArgsError,
    type NormalisedKeyVaultDeploymentArgs,
    type NormalisedPrivateDns,
    type NormalisedPrivateEndpoint,
    type NormalisedRoleAssignment,
    type ValidateKeyVaultDeploymentOptions,
    validateKeyVaultDeploymentArgs,
} from "./keyVaultDeployment/validation";

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
                        privateDnsZoneConfigs: [{ name: privateDnsZoneConfigName(dns.zoneName), privateDnsZoneId: zoneId }],
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
