// MigrationReader with `retire: true` (mocks): a separate retire policy and AppRole beside the
// reader's, the reader's policy unchanged (no delete), and a retireConnection that logs in as the
// retire role.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

interface Recorded { name: string; inputs: Record<string, unknown> }

class Mocks implements pulumi.runtime.Mocks {
  readonly resources: Recorded[] = [];
  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    throw new Error(`unexpected call ${args.token}`);
  }
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const inputs = args.inputs as Record<string, unknown>;
    this.resources.push({ name: args.name, inputs });
    const state: Record<string, unknown> = { ...inputs };
    if (args.name.endsWith("-role")) state.roleId = `role-id-of-${args.name}`;
    if (args.name.endsWith("-secret-id")) Object.assign(state, { secretId: `secret-id-of-${args.name}`, accessor: `accessor-of-${args.name}` });
    return { id: `${args.name}-id`, state };
  }
}

const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("MigrationReader with retire: true (mocks)", () => {
  const mocks = new Mocks();
  let conn: Record<string, unknown>;
  let readerPolicy: string;

  before(async () => {
    pulumi.runtime.setMocks(mocks, "project", "stack", false);
    const { MigrationReader } = await import("../../../src/components/MigrationReader");
    const reader = new MigrationReader("mr", {
      connection: { address: "https://vault.example.com:8200", auth: { method: "token", token: "admin-token-123456" } },
      sources: [{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }, { mount: "legacy", kvVersion: 1 }],
      retire: true,
    });
    readerPolicy = reader.policy;
    conn = (await promiseOf(reader.retireConnection!)) as unknown as Record<string, unknown>;
    for (let i = 0; i < 200 && mocks.resources.length < 8; i++) await new Promise((r) => setTimeout(r, 10));
  });

  it("creates a retire policy and AppRole of their own; the reader's policy still cannot delete", () => {
    const byName = new Map(mocks.resources.map((r) => [r.name, r.inputs]));
    assert.equal(byName.get("mr-retire-policy")?.name, "mr-retire");
    assert.match(String(byName.get("mr-retire-policy")?.policy), /path "secret\/delete\/apps\/\*" \{\n  capabilities = \["update"\]/);
    assert.deepEqual(byName.get("mr-retire-role")?.tokenPolicies, ["mr-retire"]);
    assert.equal(byName.get("mr-retire-role")?.roleName, "mr-retire");
    assert.deepEqual(byName.get("mr-role")?.tokenPolicies, ["mr"]);
    assert.doesNotMatch(readerPolicy, /delete|update/);
  });

  it("retireConnection logs in as the retire role", () => {
    assert.deepEqual(conn, { address: "https://vault.example.com:8200", auth: { method: "approle", roleId: "role-id-of-mr-retire-role", secretId: "secret-id-of-mr-retire-secret-id", mount: "approle" } });
  });
});
