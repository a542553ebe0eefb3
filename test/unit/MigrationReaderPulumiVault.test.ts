// The `pulumi-vault` implementation of MigrationReader builds the same graph from @pulumi/vault
// resources. Its provider plugin cannot be fetched here, so it runs under pulumi.runtime.setMocks.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";

interface Recorded {
  type: string;
  name: string;
  inputs: Record<string, unknown>;
  provider?: string;
}

class TestMocks implements pulumi.runtime.Mocks {
  readonly resources: Recorded[] = [];
  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    throw new Error(`unexpected call ${args.token}`);
  }
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const known = ["vault-migration:vault:MigrationReader", "pulumi:providers:vault", "vault:index/policy:Policy", "vault:index/authBackend:AuthBackend", "vault:appRole/authBackendRole:AuthBackendRole", "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId"];
    if (!known.includes(args.type)) throw new Error(`unexpected resource type ${args.type}`);
    this.resources.push({ type: args.type, name: args.name, inputs: args.inputs as Record<string, unknown>, provider: args.provider });
    const state: Record<string, unknown> = { ...args.inputs };
    if (args.type.endsWith("AuthBackendRole")) state.roleId = "role-id-from-mock";
    if (args.type.endsWith("AuthBackendRoleSecretId")) Object.assign(state, { secretId: "secret-id-from-mock", accessor: "accessor-from-mock" });
    return { id: `${args.name}-id`, state };
  }
}

const promiseOf = <T>(o: pulumi.Output<T>): Promise<T> => new Promise((resolve) => o.apply(resolve));

describe("MigrationReader with implementation: pulumi-vault (mocks)", () => {
  let mocks: TestMocks;
  let reader: import("../../src/components/MigrationReader").MigrationReader;

  before(async () => {
    mocks = new TestMocks();
    pulumi.runtime.setMocks(mocks, "project", "stack", false);
    const { MigrationReader } = await import("../../src/components/MigrationReader");
    reader = new MigrationReader("reader", {
      connection: { address: "https://vault.example.com:8200", namespace: "team-a", auth: { method: "token", token: "admin-token-123456" } },
      sources: [{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }, { mount: "legacy", kvVersion: 1 }],
      implementation: "pulumi-vault",
      tokenTtl: "30m",
    });
    await promiseOf(reader.secretId);
  });

  it("creates the same four objects as the dynamic implementation, all through one vault provider", () => {
    const types = mocks.resources.map((r) => r.type).sort();
    assert.deepEqual(types, [
      "pulumi:providers:vault",
      "vault-migration:vault:MigrationReader",
      "vault:appRole/authBackendRole:AuthBackendRole",
      "vault:appRole/authBackendRoleSecretId:AuthBackendRoleSecretId",
      "vault:index/authBackend:AuthBackend",
      "vault:index/policy:Policy",
    ]);
    for (const r of mocks.resources.filter((x) => x.type.startsWith("vault:"))) assert.match(r.provider ?? "", /pulumi:providers:vault::reader-vault::/);
  });

  it("renders the identical least-privilege policy", async () => {
    const { renderReaderPolicy } = await import("../../src/components/readerPolicy");
    const policy = mocks.resources.find((r) => r.type === "vault:index/policy:Policy")!;
    assert.equal(policy.inputs.policy, renderReaderPolicy([{ mount: "secret", kvVersion: 2, prefixes: ["apps/"] }, { mount: "legacy", kvVersion: 1 }]));
    assert.equal(policy.inputs.name, "reader");
  });

  it("binds the role to the policy with the same TTLs, and the provider to the connection", () => {
    const role = mocks.resources.find((r) => r.type.endsWith("AuthBackendRole"))!;
    assert.deepEqual(role.inputs.tokenPolicies, ["reader"]);
    assert.equal(role.inputs.tokenTtl, 1800);
    assert.equal(role.inputs.tokenMaxTtl, 14400);
    assert.equal(role.inputs.secretIdTtl, 86400);
    assert.equal(role.inputs.bindSecretId, true);
    assert.equal(role.inputs.backend, "approle");
    const provider = mocks.resources.find((r) => r.type === "pulumi:providers:vault")!;
    assert.equal(provider.inputs.address, "https://vault.example.com:8200");
    assert.equal(provider.inputs.namespace, "team-a");
    // Provider config travels as strings.
    assert.equal(String(provider.inputs.skipTlsVerify), "false");
  });

  it("exposes the secret_id as a Pulumi secret and builds an AppRole reader connection", async () => {
    assert.equal(await pulumi.isSecret(reader.secretId), true);
    assert.equal(await pulumi.isSecret(reader.readerConnection), true);
    const conn = await promiseOf(reader.readerConnection);
    assert.deepEqual(conn.auth, { method: "approle", roleId: "role-id-from-mock", secretId: "secret-id-from-mock", mount: "approle" });
    assert.equal(conn.namespace, "team-a");
  });

  it("refuses adopt, which @pulumi/vault resources cannot honour (they take objects over through pulumi import)", async () => {
    const { validateMigrationReaderArgs } = await import("../../src/components/MigrationReader");
    const args = { connection: { address: "https://v", auth: { method: "token" as const, token: "t0ken-123456" } }, sources: [{ mount: "secret", kvVersion: 2 as const }], implementation: "pulumi-vault" as const };
    assert.throws(() => validateMigrationReaderArgs({ ...args, adopt: { authMount: true } }), /\[adopt\] needs implementation "dynamic"/);
    assert.doesNotThrow(() => validateMigrationReaderArgs({ ...args, adopt: { authMount: false } }));
  });
});
