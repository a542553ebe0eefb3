// The ARM-id helpers of KeyVaultDeployment: the shapes the validator accepts and the parts the
// component names its children after (links after the network, zone groups after the zone).
import * as assert from "node:assert/strict";
import * as fc from "fast-check";
import {
    isLogAnalyticsWorkspaceId,
    isStorageAccountId,
    isSubnetId,
    parsePrivateDnsZoneId,
    parseVirtualNetworkId,
    privateDnsZoneConfigName,
    privateDnsZoneOfId,
    virtualNetworkIdOfSubnet,
    virtualNetworkNameOfId,
} from "../../../src/components/keyVaultDeployment/armIds";

const SUB = "/subscriptions/11111111-1111-1111-1111-111111111111";
const VNET = `${SUB}/resourceGroups/rg-net/providers/Microsoft.Network/virtualNetworks/vnet-hub`;
const SUBNET = `${VNET}/subnets/snet-pe`;
const ZONE = `${SUB}/resourceGroups/rg-dns/providers/Microsoft.Network/privateDnsZones/privatelink.vaultcore.azure.net`;
const WORKSPACE = `${SUB}/resourceGroups/rg-mon/providers/Microsoft.OperationalInsights/workspaces/log-kv`;
const STORAGE = `${SUB}/resourceGroups/rg-mon/providers/Microsoft.Storage/storageAccounts/stkvaudit`;

/** One ARM id segment: anything but a slash, as Azure names (and the regexes) allow. */
const segment = fc.stringMatching(/^[A-Za-z0-9._()-]{1,24}$/);

describe("KeyVaultDeployment ARM ids", () => {
    it("tells each kind of id from the others", () => {
        const ids = { subnet: SUBNET, vnet: VNET, zone: ZONE, workspace: WORKSPACE, storage: STORAGE };
        for (const [kind, id] of Object.entries(ids)) {
            assert.equal(isSubnetId(id), kind === "subnet", `isSubnetId(${kind})`);
            assert.equal(parseVirtualNetworkId(id) !== undefined, kind === "vnet", `parseVirtualNetworkId(${kind})`);
            assert.equal(parsePrivateDnsZoneId(id) !== undefined, kind === "zone", `parsePrivateDnsZoneId(${kind})`);
            assert.equal(isLogAnalyticsWorkspaceId(id), kind === "workspace", `isLogAnalyticsWorkspaceId(${kind})`);
            assert.equal(isStorageAccountId(id), kind === "storage", `isStorageAccountId(${kind})`);
        }
    });

    it("matches ids in any case, as ARM does", () => {
        assert.ok(isSubnetId(SUBNET.toLowerCase()));
        assert.ok(isSubnetId(SUBNET.toUpperCase()));
        assert.equal(parseVirtualNetworkId(VNET.toUpperCase()), "VNET-HUB");
        assert.deepEqual(parsePrivateDnsZoneId(ZONE.replace("privateDnsZones", "PRIVATEDNSZONES")), {
            resourceGroupName: "rg-dns",
            zoneName: "privatelink.vaultcore.azure.net",
        });
        assert.ok(isLogAnalyticsWorkspaceId(WORKSPACE.toLowerCase()));
        assert.ok(isStorageAccountId(STORAGE.toLowerCase()));
    });

    it("refuses ids with a missing, extra or empty segment", () => {
        for (const bad of [`${SUBNET}/`, `${SUBNET}/extra`, SUBNET.replace("/resourceGroups/rg-net", ""), SUBNET.replace("snet-pe", ""), `x${SUBNET}`]) {
            assert.equal(isSubnetId(bad), false, bad);
        }
        for (const bad of [`${VNET}/`, VNET.replace("vnet-hub", ""), VNET.replace("Microsoft.Network", "Microsoft.Compute")]) {
            assert.equal(parseVirtualNetworkId(bad), undefined, bad);
        }
        assert.equal(parsePrivateDnsZoneId(`${ZONE}/virtualNetworkLinks/l`), undefined);
        assert.equal(parsePrivateDnsZoneId("privatelink.vaultcore.azure.net"), undefined);
    });

    it("reads the network of a subnet, and the name of that network (property)", () => {
        fc.assert(
            fc.property(segment, segment, segment, segment, fc.constantFrom("subnets", "Subnets", "SUBNETS"), (sub, rg, vnet, subnet, word) => {
                const vnetId = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/virtualNetworks/${vnet}`;
                const subnetId = `${vnetId}/${word}/${subnet}`;
                assert.ok(isSubnetId(subnetId));
                assert.equal(virtualNetworkIdOfSubnet(subnetId), vnetId);
                assert.equal(parseVirtualNetworkId(virtualNetworkIdOfSubnet(subnetId)), vnet);
                assert.equal(virtualNetworkNameOfId(vnetId), vnet);
            }),
        );
    });

    it("reads a zone's resource group and name (property)", () => {
        fc.assert(
            fc.property(segment, segment, segment, (sub, rg, zone) => {
                const id = `/subscriptions/${sub}/resourceGroups/${rg}/providers/Microsoft.Network/privateDnsZones/${zone}`;
                assert.deepEqual(privateDnsZoneOfId(id), { resourceGroupName: rg, zoneName: zone });
            }),
        );
    });

    it("throws, naming the id, where an id is required", () => {
        assert.throws(() => virtualNetworkIdOfSubnet(VNET), /^Error: not a subnet id: ".*vnet-hub"$/);
        assert.throws(() => virtualNetworkIdOfSubnet("/subnets/x"), /not a subnet id/);
        assert.throws(() => virtualNetworkNameOfId(SUBNET), /^Error: not a virtual network id: ".*snet-pe"$/);
        assert.throws(() => privateDnsZoneOfId(VNET), /^Error: not a private DNS zone id: ".*vnet-hub"$/);
    });

    it("names a zone group's config after the zone, without dots", () => {
        assert.equal(privateDnsZoneConfigName("privatelink.vaultcore.azure.net"), "privatelink-vaultcore-azure-net");
        assert.equal(privateDnsZoneConfigName("privatelink.vaultcore.usgovcloudapi.net"), "privatelink-vaultcore-usgovcloudapi-net");
    });
});
