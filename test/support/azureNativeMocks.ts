// Mocks for @pulumi/azure-native resources (its provider plugin cannot be fetched here): records every
// registration with its inputs, answers getClientConfig, and throws on anything unknown.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

export type Inputs = Record<string, unknown>;

const COMPONENT = "vault-migration:azure:KeyVaultDeployment";

export interface Recorded {
    readonly type: string;
    readonly name: string;
    readonly inputs: Inputs;
    readonly id: string | undefined;
}

export interface MockOptions {
    readonly subscriptionId: string;
    readonly tenantId: string;
    /** IP the endpoint reports in customDnsConfigs. Default 10.1.2.4. */
    readonly endpointIp?: string;
    /** FQDN the endpoint reports. Default `<vault>.vault.azure.net`. */
    readonly endpointFqdn?: string;
    /** Leave the endpoint's customDnsConfigs empty, as Azure may once a zone group exists. */
    readonly emptyCustomDnsConfigs?: boolean;
}

/** Records every registration with its inputs; answers getClientConfig; throws on anything unknown. */
export class AzureNativeMocks implements pulumi.runtime.Mocks {
    readonly resources: Recorded[] = [];
    readonly calls: string[] = [];

    constructor(private readonly options: MockOptions) {}

    call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
        this.calls.push(args.token);
        if (args.token === "azure-native:authorization:getClientConfig") {
            return { clientId: "client", objectId: "deployer", subscriptionId: this.options.subscriptionId, tenantId: this.options.tenantId };
        }
        throw new Error(`unexpected call ${args.token}`);
    }

    newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
        const inputs = args.inputs as Inputs;
        const result = this.state(args.type, inputs);
        this.resources.push({ type: args.type, name: args.name, inputs, id: result.id });
        return result;
    }

    private state(type: string, inputs: Inputs): pulumi.runtime.MockResourceResult {
        const rg = (name: unknown): string => `/subscriptions/${this.options.subscriptionId}/resourceGroups/${String(name)}`;
        switch (type) {
            case COMPONENT:
                return { id: undefined, state: {} };
            case "azure-native:keyvault:Vault": {
                const name = String(inputs.vaultName);
                const properties = { ...(inputs.properties as Inputs), vaultUri: `https://${name}.vault.azure.net/` };
                return { id: `${rg(inputs.resourceGroupName)}/providers/Microsoft.KeyVault/vaults/${name}`, state: { ...inputs, name, properties } };
            }
            case "azure-native:network:PrivateEndpoint": {
                const name = String(inputs.privateEndpointName);
                const vaultId = String(at(inputs, "privateLinkServiceConnections.0.privateLinkServiceId"));
                const vaultName = vaultId.split("/").pop();
                const customDnsConfigs = this.options.emptyCustomDnsConfigs
                    ? []
                    : [{ fqdn: this.options.endpointFqdn ?? `${vaultName}.vault.azure.net`, ipAddresses: [this.options.endpointIp ?? "10.1.2.4"] }];
                return {
                    id: `${rg(inputs.resourceGroupName)}/providers/Microsoft.Network/privateEndpoints/${name}`,
                    state: { ...inputs, name, customDnsConfigs },
                };
            }
            case "azure-native:privatedns:PrivateZone": {
                const name = String(inputs.privateZoneName);
                return { id: `${rg(inputs.resourceGroupName)}/providers/Microsoft.Network/privateDnsZones/${name}`, state: { ...inputs, name } };
            }
            case "azure-native:privatedns:VirtualNetworkLink": {
                const name = String(inputs.virtualNetworkLinkName);
                const zone = `${rg(inputs.resourceGroupName)}/providers/Microsoft.Network/privateDnsZones/${String(inputs.privateZoneName)}`;
                return { id: `${zone}/virtualNetworkLinks/${name}`, state: { ...inputs, name } };
            }
            case "azure-native:network:PrivateDnsZoneGroup": {
                const name = String(inputs.privateDnsZoneGroupName);
                const configs = (inputs.privateDnsZoneConfigs as Inputs[]).map((c) => ({
                    ...c,
                    recordSets: [{ fqdn: "from-zone-group.privatelink.vaultcore.azure.net", ipAddresses: ["10.1.2.5"], provisioningState: "Succeeded" }],
                }));
                const pe = `${rg(inputs.resourceGroupName)}/providers/Microsoft.Network/privateEndpoints/${String(inputs.privateEndpointName)}`;
                return { id: `${pe}/privateDnsZoneGroups/${name}`, state: { ...inputs, name, privateDnsZoneConfigs: configs } };
            }
            case "azure-native:authorization:RoleAssignment": {
                const name = String(inputs.roleAssignmentName);
                return { id: `${String(inputs.scope)}/providers/Microsoft.Authorization/roleAssignments/${name}`, state: { ...inputs, name } };
            }
            case "azure-native:monitor:DiagnosticSetting": {
                const name = String(inputs.name);
                return { id: `${String(inputs.resourceUri)}/providers/Microsoft.Insights/diagnosticSettings/${name}`, state: { ...inputs } };
            }
            default:
                throw new Error(`unexpected resource type ${type}`);
        }
    }

    ofType(type: string): Recorded[] {
        return this.resources.filter((r) => r.type === type);
    }

    one(type: string): Recorded {
        const found = this.ofType(type);
        assert.equal(found.length, 1, `expected one ${type}, got ${found.length}`);
        return found[0];
    }

    types(): string[] {
        return this.resources.map((r) => r.type).sort();
    }
}

/** Value of a dotted path (array indexes as numbers) inside recorded inputs. */
export function at(value: unknown, path: string): unknown {
    return path.split(".").reduce<unknown>((v, key) => (v === null || typeof v !== "object" ? undefined : (v as Inputs)[key]), value);
}

export function promiseOf<T>(output: pulumi.Output<T>): Promise<T> {
    return new Promise((resolve) => output.apply((v) => resolve(v)));
}
