// Azure Resource Manager ids of the resources a KeyVaultDeployment points at (subnets, virtual
// networks, private DNS zones, diagnostic destinations): their shapes, and the parts read out of
// them. Pure: no Pulumi. Every match is case-insensitive, as ARM ids are.

const SUBNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/[^/]+\/subnets\/[^/]+$/i;
const VNET_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Network\/virtualNetworks\/([^/]+)$/i;
const ZONE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/([^/]+)\/providers\/Microsoft\.Network\/privateDnsZones\/([^/]+)$/i;
const WORKSPACE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.OperationalInsights\/workspaces\/[^/]+$/i;
const STORAGE_ID = /^\/subscriptions\/[^/]+\/resourceGroups\/[^/]+\/providers\/Microsoft\.Storage\/storageAccounts\/[^/]+$/i;

/** A private DNS zone named by its id. */
export interface PrivateDnsZoneRef {
    resourceGroupName: string;
    zoneName: string;
}

/** True for `/subscriptions/…/resourceGroups/…/providers/Microsoft.Network/virtualNetworks/<vnet>/subnets/<subnet>`. */
export function isSubnetId(id: string): boolean {
    return SUBNET_ID.test(id);
}

/** True for `/subscriptions/…/providers/Microsoft.OperationalInsights/workspaces/<name>`. */
export function isLogAnalyticsWorkspaceId(id: string): boolean {
    return WORKSPACE_ID.test(id);
}

/** True for `/subscriptions/…/providers/Microsoft.Storage/storageAccounts/<name>`. */
export function isStorageAccountId(id: string): boolean {
    return STORAGE_ID.test(id);
}

/** Virtual network id containing a subnet id. */
export function virtualNetworkIdOfSubnet(subnetId: string): string {
    const index = subnetId.toLowerCase().lastIndexOf("/subnets/");
    if (index <= 0) {
        throw new Error(`not a subnet id: "${subnetId}"`);
    }
    return subnetId.slice(0, index);
}

/** Name of the virtual network an id names, or undefined when `id` is not a virtual network id. */
export function parseVirtualNetworkId(id: string): string | undefined {
    return VNET_ID.exec(id)?.[1];
}

/** Name of the virtual network an id names. */
export function virtualNetworkNameOfId(vnetId: string): string {
    const name = parseVirtualNetworkId(vnetId);
    if (name === undefined) {
        throw new Error(`not a virtual network id: "${vnetId}"`);
    }
    return name;
}

/** Resource group and name of a private DNS zone id, or undefined when `id` is not one. */
export function parsePrivateDnsZoneId(id: string): PrivateDnsZoneRef | undefined {
    const match = ZONE_ID.exec(id);
    return match ? { resourceGroupName: match[1], zoneName: match[2] } : undefined;
}

/** Resource group and name of a private DNS zone id. */
export function privateDnsZoneOfId(zoneId: string): PrivateDnsZoneRef {
    const zone = parsePrivateDnsZoneId(zoneId);
    if (!zone) {
        throw new Error(`not a private DNS zone id: "${zoneId}"`);
    }
    return zone;
}

/** Name of a zone's entry in a private endpoint's DNS zone group: the zone name, since config names may not contain dots, with `-` for `.`. */
export function privateDnsZoneConfigName(zoneName: string): string {
    return zoneName.replace(/\./g, "-");
}
