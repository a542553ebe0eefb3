// Runs the stack program itself (index.ts) with stacks/Pulumi.azure-example.yaml's configuration
// under mocks, so the example stack cannot rot: the azure-native plugin cannot be fetched here.
import * as assert from "node:assert/strict";
import { readFileSync } from "node:fs";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";

const yaml = require("js-yaml") as { load(text: string): unknown };

class ProgramMocks implements pulumi.runtime.Mocks {
  readonly types: string[] = [];
  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    if (args.token === "azure-native:authorization:getClientConfig") {
      return { clientId: "c", objectId: "o", subscriptionId: "00000000-0000-0000-0000-000000000000", tenantId: "00000000-0000-0000-0000-0000000000aa" };
    }
    throw new Error(`unexpected call ${args.token}`);
  }
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    if (!args.type.startsWith("azure-native:") && !args.type.startsWith("vault-migration:")) throw new Error(`unexpected resource type ${args.type}`);
    this.types.push(args.type);
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type === "azure-native:keyvault:Vault") state.properties = { ...(args.inputs.properties as object), vaultUri: `https://${String(args.inputs.vaultName)}.vault.azure.net/` };
    return { id: `${args.name}-id`, state };
  }
}

const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("stack program with the azure-example stack's configuration (mocks)", () => {
  it("builds the Key Vault deployment from config and exports its URI", async () => {
    const file = yaml.load(readFileSync(path.join(__dirname, "..", "..", "stacks", "Pulumi.azure-example.yaml"), "utf8")) as { config: Record<string, unknown> };
    const config: Record<string, string> = {};
    for (const [k, v] of Object.entries(file.config)) config[k] = typeof v === "string" ? v : JSON.stringify(v);
    const mocks = new ProgramMocks();
    pulumi.runtime.setMocks(mocks, "vault-migration", "azure-example", false);
    pulumi.runtime.setAllConfig(config);
    const program = (await import("../../index")) as { keyVaultUri: pulumi.Output<string>; keyVaultPrivateEndpointIp: pulumi.Output<string> };
    assert.match(await promiseOf(program.keyVaultUri), /^https:\/\/[a-z0-9-]+\.vault\.azure\.net\/$/);
    await promiseOf(program.keyVaultPrivateEndpointIp);
    // Children that wait on the vault's id register a little later: let the registrations settle.
    for (let last = -1; last !== mocks.types.length; ) {
      last = mocks.types.length;
      await new Promise((r) => setTimeout(r, 20));
    }
    assert.ok(mocks.types.length > 0, "resources were registered");
    const seen = [...new Set(mocks.types)].sort().join(", ");
    for (const t of ["vault-migration:azure:KeyVaultDeployment", "azure-native:keyvault:Vault", "azure-native:network:PrivateEndpoint", "azure-native:network:PrivateDnsZoneGroup", "azure-native:authorization:RoleAssignment", "azure-native:monitor:DiagnosticSetting"]) {
      assert.ok(mocks.types.includes(t), `the example stack creates ${t} (seen: ${seen})`);
    }
  });
});
