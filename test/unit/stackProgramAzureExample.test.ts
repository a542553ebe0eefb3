// Runs the stack program itself (index.ts) with stacks/Pulumi.azure-example.yaml's configuration,
// unchanged, as the first `pulumi preview` of a new stack under mocks: nothing exists yet, so the
// Key Vault's URI and everything the reader's Vault resources compute are unknown (the engine's
// unknown sentinel). The program must still build the whole graph, wire the migration to the vault
// deployed in the same stack (after its role assignment), and touch no network: the Vault address
// is a placeholder and nothing could be planned yet. test/integration/stack-program-azure-example.test.ts
// runs the same file as an `up`.
import * as assert from "node:assert/strict";
import * as pulumi from "@pulumi/pulumi";
import {
  ExampleStackMocks,
  NetworkProbe,
  SECRETS_OFFICER_ROLE,
  SUBSCRIPTION,
  dynamicType,
  exampleStackConfig,
  isWrappedSecret,
  runExampleProgram,
  type StackExports,
} from "../support/exampleStackProgram";

const MIGRATION = "vault-migration:migration:KeyVaultMigration";
const SECRET_MIGRATION = dynamicType("SecretMigration");
const ROLE_DELAY_MS = 400;

describe("stack program with the azure-example stack's configuration: first preview of a new stack (mocks)", () => {
  const mocks = new ExampleStackMocks({ preview: true, migrationRoleDelayMs: ROLE_DELAY_MS });
  const probe = new NetworkProbe();
  const config = exampleStackConfig();
  const migrationName = (config["vault-migration:migrations"] as { name: string }[])[0].name;
  let program: StackExports | undefined;
  let programError: unknown;

  before(async () => {
    try {
      program = await probe.record(() => runExampleProgram({
        config,
        // What the user adds before the first run (the file says how); the token as a CI job passes it.
        secretConfig: { fingerprintKey: "example-fingerprint-key-0123456789" },
        env: { VAULT_TOKEN: "placeholder-admin-token" },
        mocks,
        preview: true,
      }).then(async (exports) => {
        // Serializing the dynamic providers takes a moment: wait for the last registration, then for quiet.
        await mocks.until("the SecretMigration's registration", () => mocks.find(SECRET_MIGRATION, migrationName).some((r) => r.finished !== undefined));
        await mocks.settled();
        return exports;
      }));
    } catch (e) {
      programError = e;
    } finally {
      mocks.detach();
    }
  });

  it("runs without throwing and registers the deployment, the reader and the migration", () => {
    assert.equal(programError, undefined, `the program threw: ${String(programError)}`);
    assert.ok(program && "migrationSummaries" in program);
    assert.deepEqual(mocks.registrations.filter((r) => r.error).map((r) => `${r.type} ${r.name}: ${r.error}`), []);
    assert.deepEqual(mocks.programErrors, [], "no output of the program failed");
    const types = new Set(mocks.registrations.map((r) => r.type));
    for (const t of [
      "vault-migration:azure:KeyVaultDeployment",
      "azure-native:keyvault:Vault",
      "azure-native:network:PrivateEndpoint",
      "azure-native:network:PrivateDnsZoneGroup",
      "azure-native:authorization:RoleAssignment",
      "azure-native:monitor:DiagnosticSetting",
      "vault-migration:vault:MigrationReader",
      MIGRATION,
    ]) {
      assert.ok(types.has(t), `the example stack creates ${t} (seen: ${[...types].sort().join(", ")})`);
    }
    assert.deepEqual(
      mocks.dynamic().map((r) => `${r.type} ${r.name}`).sort(),
      [
        `${dynamicType("SecretMigration")} ${migrationName}`,
        `${dynamicType("VaultAppRole")} migration-reader-role`,
        `${dynamicType("VaultAppRoleSecretId")} migration-reader-secret-id`,
        `${dynamicType("VaultAuthMount")} migration-reader-approle`,
        `${dynamicType("VaultPolicy")} migration-reader-policy`,
      ],
      "the reader's four Vault resources and the migration's SecretMigration, named after the migration",
    );
    mocks.one(MIGRATION, migrationName);
  });

  it("grants the migration identity Key Vault Secrets Officer on the vault", () => {
    const ra = mocks.migrationRoleAssignment();
    const identity = (config["vault-migration:keyVaultDeployment"] as { migrationIdentity: { principalId: string } }).migrationIdentity;
    assert.equal(ra.inputs.principalId, identity.principalId);
    assert.equal(ra.inputs.roleDefinitionId, `/subscriptions/${SUBSCRIPTION}/providers/Microsoft.Authorization/roleDefinitions/${SECRETS_OFFICER_ROLE}`);
  });

  it("makes the migration depend on that role assignment: it is registered only once the assignment exists", () => {
    const ra = mocks.migrationRoleAssignment();
    const raUrn = mocks.requests.find((q) => q.type === ra.type && q.name === ra.name)?.urn;
    assert.ok(raUrn, "the role assignment's registration returned a URN");
    // The SDK's own record: the dependencies it sends the engine with the component's registration.
    const request = mocks.requests.find((q) => q.type === MIGRATION && q.name === migrationName);
    assert.ok(request, "the KeyVaultMigration reached the resource monitor");
    assert.ok(request.dependencies.includes(raUrn), `KeyVaultMigration depends on ${raUrn} (sent: ${request.dependencies.join(", ") || "none"})`);
    // The order the mocks saw: the assignment takes ROLE_DELAY_MS to create; the component and the
    // SecretMigration under it (whose own inputs are ready long before) come only after it finished.
    assert.ok(ra.finished !== undefined);
    const component = mocks.one(MIGRATION, migrationName);
    const run = mocks.one(SECRET_MIGRATION, migrationName);
    assert.ok(component.started > ra.finished, `KeyVaultMigration registered (event ${component.started}) after the role assignment was created (event ${ra.finished})`);
    assert.ok(run.started > ra.finished, `SecretMigration registered (event ${run.started}) after the role assignment was created (event ${ra.finished})`);
    const vault = mocks.one("azure-native:keyvault:Vault");
    assert.ok(vault.finished !== undefined && vault.finished < ra.started, "the vault, whose URI the migration writes to, existed before the assignment was even registered");
  });

  it("leaves the migration unplanned and makes no network call while the vault URI and the reader are unknown", () => {
    assert.deepEqual(probe.attempts, [], "no connection started and no HTTP request made");
    const run = mocks.one(SECRET_MIGRATION, migrationName);
    // The engine's unknown sentinel, deserialized during a dry run, reaches the mocks as pulumi's unknown value.
    for (const k of ["destination", "sourceAuth", "pending", "planId"]) {
      assert.ok(isUnknownInput(run.inputs[k]), `SecretMigration input ${k} is unknown in the first preview (got ${JSON.stringify(run.inputs[k])})`);
    }
    assert.ok(isWrappedSecret(run.inputs.fingerprintKey), "the fingerprint key reaches the resource as a secret");
  });
});

/** An unknown input: pulumi's unknown value, possibly inside a secret wrapper. */
function isUnknownInput(v: unknown): boolean {
  return pulumi.isUnknown(isWrappedSecret(v) ? v.value : v);
}
