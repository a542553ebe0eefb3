// Dynamic providers run code re-created by Pulumi's closure serializer, which has limits (Error
// subclasses lose their message, class-field initializers and module-level Sets are lost, async
// generator methods cannot be re-created). This deserializes every provider the way the provider
// host does and runs code through it, so such code cannot slip in.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
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

const repoRoot = path.resolve(__dirname, "..", "..");

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
    const { InfisicalVaultConnection } = await import("../../src/resources/InfisicalVaultConnection");
    const { InfisicalVaultSync } = await import("../../src/resources/InfisicalVaultSync");
    const infisical = { siteUrl: "http://127.0.0.1:1", auth: { method: "access-token" as const, accessToken: "inf-token-for-serialization" } };
    new InfisicalVaultConnection("ic", { infisical, name: "c", instanceUrl: "https://vault.example.com", method: "access-token", accessToken: "t" });
    new InfisicalVaultSync("is", { infisical, name: "s", projectId: "p", environment: "prod", connectionId: "c", mount: "secret", path: "app" });
    // Registrations are asynchronous: wait until all eight providers were seen.
    for (let i = 0; i < 200 && mocks.providers.size < 8; i++) await new Promise((r) => setTimeout(r, 10));
  });

  it("serializes every provider, small enough for the state", () => {
    assert.deepEqual([...mocks.providers.keys()].sort(), ["InfisicalVaultConnection", "InfisicalVaultSync", "SecretMigration", "SourceRetirement", "VaultAppRole", "VaultAppRoleSecretId", "VaultAuthMount", "VaultPolicy"]);
    // Their code (the migration's every destination driver, the Vault client) is loaded by
    // reference, not carried by value (about 350 KB and 154 KB each, stored twice per resource).
    for (const [type, text] of mocks.providers) assert.ok(text.length < 20_000, `${type}'s provider is ${text.length} bytes`);
    for (const type of ["VaultPolicy", "VaultAuthMount", "VaultAppRole", "VaultAppRoleSecretId", "SourceRetirement", "InfisicalVaultConnection", "InfisicalVaultSync"]) assert.match(mocks.providers.get(type) as string, new RegExp(`"src/resources/${type}\\.ts"`));
  });

  it("the migration provider names its run code relative to the package, never by this machine's path", () => {
    const text = mocks.providers.get("SecretMigration") as string;
    assert.match(text, /"src\/resources\/secretMigrationRun\.ts"/);
    assert.ok(!text.includes(repoRoot), "the provider holds this checkout's absolute path");
  });

  it("the migration provider loads its run code from a subdirectory (the engine's work dir) and says so when the checkout lacks it", async () => {
    const text = mocks.providers.get("SecretMigration") as string;
    const pending = { ...migrationProps, pending: { "secret/a → a": "create: new in source" } };
    const sub = fs.mkdtempSync(path.join(repoRoot, ".state", "provider-cwd-"));
    const elsewhere = fs.mkdtempSync(path.join(os.tmpdir(), "other-checkout-"));
    try {
      const fromSub = await callProvider(text, "create", [pending], sub);
      assert.match(fromSub.error ?? "", /cannot reach Vault at http:\/\/127\.0\.0\.1:1/);
      // Another checkout with its packages but without this module: a clear error naming the reference.
      fs.symlinkSync(path.join(repoRoot, "node_modules"), path.join(elsewhere, "node_modules"));
      const missing = await callProvider(text, "create", [pending], elsewhere);
      assert.equal(missing.ok, false);
      assert.match(missing.error ?? "", /provider's code is not at .*src\/resources\/secretMigrationRun\.ts \(named in the state as src\/resources\/secretMigrationRun\.ts/);
    } finally {
      fs.rmSync(sub, { recursive: true, force: true });
      fs.rmSync(elsewhere, { recursive: true, force: true });
    }
  });

  it("a Vault provider's check runs and its failures keep their messages", async () => {
    const res = await callProvider(mocks.providers.get("VaultPolicy") as string, "check", [{}, { endpoint: { address: conn.address }, auth: conn.auth, name: "root", policy: "" }]);
    const failures = (res.value as pulumi.dynamic.CheckResult).failures ?? [];
    assert.deepEqual(failures.map((f) => f.property).sort(), ["name", "policy"]);
    assert.match(failures.find((f) => f.property === "name")?.reason ?? "", /"root" is a built-in Vault policy/);
  });

  it("the Infisical connection's check refuses a mount other than approle and a loopback URL without a gateway, naming the gateway", async () => {
    const base = { siteUrl: "http://127.0.0.1:1", auth: { method: "access-token", accessToken: "x" }, name: "c", description: "", projectId: "", gatewayId: "", namespace: "", method: "app-role", credentials: { roleId: "r", secretId: "s" }, allowInternalIpConnections: false };
    const text = mocks.providers.get("InfisicalVaultConnection") as string;
    const res = await callProvider(text, "check", [{}, { ...base, instanceUrl: "http://127.0.0.1:8200", appRoleMount: "ci-approle" }]);
    const failures = (res.value as pulumi.dynamic.CheckResult).failures ?? [];
    assert.deepEqual(failures.map((f) => f.property).sort(), ["appRoleMount", "instanceUrl"]);
    assert.match(failures.find((f) => f.property === "appRoleMount")?.reason ?? "", /Infisical logs in with AppRole at the mount "approle" only/);
    assert.match(failures.find((f) => f.property === "instanceUrl")?.reason ?? "", /loopback or private address.*\[gatewayId\].*ALLOW_INTERNAL_IP_CONNECTIONS=true.*\[allowInternalIpConnections\]/);
    // At the preview of a new stack the secret_id (another resource's output) is not known yet: no failure for it.
    for (const ok of [{ gatewayId: "0b1f6c4e-1d2a-4c3b-9a8e-7f6d5c4b3a21" }, { allowInternalIpConnections: true }, { allowInternalIpConnections: true, credentials: pulumi.runtime.unknownValue }]) {
      const r = await callProvider(text, "check", [{}, { ...base, instanceUrl: "http://10.1.2.3:8200", appRoleMount: "approle", ...ok }]);
      assert.deepEqual((r.value as pulumi.dynamic.CheckResult).failures, []);
    }
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
