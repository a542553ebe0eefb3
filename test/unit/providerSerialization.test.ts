// Dynamic providers run code re-created by Pulumi's closure serializer, which has limits (Error
// subclasses lose their message, class-field initializers and module-level Sets are lost, async
// generator methods cannot be re-created). This deserializes every provider the way the provider
// host does and runs code through it, so such code cannot slip in.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import { callProvider } from "../support/providerHost";

class CaptureMocks implements pulumi.runtime.Mocks {
  readonly providers = new Map<string, string>();
  call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
    throw new Error(`unexpected call ${args.token}`);
  }
  newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
    const p = (args.inputs as Record<string, unknown>).__provider;
    if (typeof p === "string") this.providers.set(args.type.split(":").pop() as string, p);
    return { id: `${args.name}-id`, state: args.inputs };
  }
}

describe("dynamic providers survive the closure serializer", function () {
  const mocks = new CaptureMocks();
  const conn = { address: "http://127.0.0.1:1", auth: { method: "token" as const, token: "t0ken-for-serialization" } };
  /** The SecretMigration inputs: registered once, then fed to the serialized provider's methods. */
  const migrationProps = {
    sourceEndpoint: { address: conn.address },
    sourceAuth: conn.auth,
    settings: { migrationId: "stack/mig", mount: "secret", existing: "fail" as const, deletionPolicy: "keep" as const, concurrency: 4 },
    destination: { kind: "azure-keyvault" as const, vaultUrl: "https://127.0.0.1:1", disableChallengeResourceVerification: true },
    destinationCredentials: { credential: { type: "accessToken" as const, token: "kv-token-for-serialization" } },
    fingerprintKey: "serialization-fingerprint-key-0123",
    pending: {},
  };
  /** The SourceRetirement inputs, as stored. */
  const retireProps = {
    sourceAddress: conn.address,
    settings: migrationProps.settings,
    connections: { source: conn, retire: conn },
    destination: { spec: migrationProps.destination, credentials: migrationProps.destinationCredentials },
    fingerprintKey: migrationProps.fingerprintKey,
    retire: {},
    held: {},
    planId: "",
  };

  before(async () => {
    pulumi.runtime.setMocks(mocks, "project", "stack", false);
    const { VaultPolicy } = await import("../../src/resources/VaultPolicy");
    const { VaultAuthMount } = await import("../../src/resources/VaultAuthMount");
    const { VaultAppRole } = await import("../../src/resources/VaultAppRole");
    const { VaultAppRoleSecretId } = await import("../../src/resources/VaultAppRoleSecretId");
    const { SecretMigration } = await import("../../src/resources/SecretMigration");
    const { SourceRetirement } = await import("../../src/resources/SourceRetirement");
    new VaultPolicy("p", { connection: conn, name: "p", policy: "x" });
    new VaultAuthMount("m", { connection: conn, path: "approle", type: "approle" });
    new VaultAppRole("r", { connection: conn, roleName: "r", tokenPolicies: ["p"] });
    new VaultAppRoleSecretId("s", { connection: conn, roleName: "r" });
    new SecretMigration("mig", { ...migrationProps, destination: { spec: migrationProps.destination, credentials: migrationProps.destinationCredentials } });
    new SourceRetirement("ret", { ...retireProps, sourceConnection: conn, retireConnection: conn, destination: { spec: migrationProps.destination, credentials: migrationProps.destinationCredentials } });
    // Registrations are asynchronous: wait until all six providers were seen.
    for (let i = 0; i < 200 && mocks.providers.size < 6; i++) await new Promise((r) => setTimeout(r, 10));
  });

  it("serializes every provider, small enough for the state", () => {
    assert.deepEqual([...mocks.providers.keys()].sort(), ["SecretMigration", "SourceRetirement", "VaultAppRole", "VaultAppRoleSecretId", "VaultAuthMount", "VaultPolicy"]);
    // The migration provider carries every destination driver by value (about 310 KB with two,
    // about 470 KB with four): loading the run code by reference instead is the
    // performance issue's fixed-cost item.
    for (const [type, text] of mocks.providers) assert.ok(text.length < 500_000, `${type}'s provider is ${text.length} bytes`);
  });

  it("a Vault provider's check runs and its failures keep their messages", async () => {
    const res = await callProvider(mocks.providers.get("VaultPolicy") as string, "check", [{}, { endpoint: { address: conn.address }, auth: conn.auth, name: "root", policy: "" }]);
    const failures = (res.value as pulumi.dynamic.CheckResult).failures ?? [];
    assert.deepEqual(failures.map((f) => f.property).sort(), ["name", "policy"]);
    assert.match(failures.find((f) => f.property === "name")?.reason ?? "", /"root" is a built-in Vault policy/);
  });

  it("a Vault provider's network error keeps its message", async () => {
    const res = await callProvider(mocks.providers.get("VaultPolicy") as string, "create", [{ endpoint: { address: conn.address }, auth: conn.auth, name: "p", policy: "x" }]);
    assert.equal(res.ok, false);
    assert.match(res.error ?? "", /cannot reach Vault at http:\/\/127\.0\.0\.1:1/);
  });

  it("the migration provider's diff runs, and an unreachable source fails with a clear message", async () => {
    const text = mocks.providers.get("SecretMigration") as string;
    const props = migrationProps;
    assert.deepEqual((await callProvider(text, "diff", ["id", props, props])).value, { changes: false, replaces: [] });
    const pending = { ...props, pending: { "secret/a → a": "create: new in source" } };
    assert.equal(((await callProvider(text, "diff", ["id", props, pending])).value as pulumi.dynamic.DiffResult).changes, true);
    const created = await callProvider(text, "create", [pending]);
    assert.equal(created.ok, false);
    assert.match(created.error ?? "", /cannot reach Vault at http:\/\/127\.0\.0\.1:1/);
  });

  it("the retirement provider's diff runs, nothing to retire does nothing, and an unreachable source fails with a clear message", async () => {
    const text = mocks.providers.get("SourceRetirement") as string;
    assert.deepEqual((await callProvider(text, "diff", ["id", retireProps, retireProps])).value, { changes: false, replaces: [] });
    const some = { ...retireProps, retire: { "secret/a → a": "retire v2: no read since …" }, planId: "p1" };
    assert.equal(((await callProvider(text, "diff", ["id", retireProps, some])).value as pulumi.dynamic.DiffResult).changes, true);
    const none = await callProvider(text, "create", [retireProps]);
    assert.equal(none.ok, true, none.error);
    assert.deepEqual((none.value as { outs: { retired: unknown } }).outs.retired, { retired: 0, alreadyRetired: 0, held: 0, paths: [] });
    const created = await callProvider(text, "create", [some]);
    assert.equal(created.ok, false);
    assert.match(created.error ?? "", /cannot reach Vault at http:\/\/127\.0\.0\.1:1/);
  });
});
