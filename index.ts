// The stack program: reads the stack's configuration and wires the components. Thin on purpose;
// everything it calls is in src/.
import * as pulumi from "@pulumi/pulumi";
import { KeyVaultDeployment } from "./src/components/KeyVaultDeployment";
import { Migration } from "./src/components/Migration";
import { MigrationReader } from "./src/components/MigrationReader";
import type { StackPrerequisite } from "./src/migration/destination";
import { driverFor } from "./src/migration/destinations";
import { keyVaultDeploymentArgsFromConfig } from "./src/program/keyVaultDeploymentConfig";
import { readMigrations } from "./src/program/migrationConfig";
import { parseSecretKeys, plaintextCredentialProblems } from "./src/program/plaintextCredentials";
import { readScaiVault } from "./src/program/scaiVaultConfig";
import { readStackSettings } from "./src/program/stackConfig";
import { ScaiVaultFederationBackend } from "./src/resources/ScaiVaultFederationBackend";
import { ScaiVaultSecret } from "./src/resources/ScaiVaultSecret";
import { readInfisicalSync } from "./src/program/infisicalSyncConfig";
import { InfisicalSyncWriter } from "./src/components/InfisicalSyncWriter";
import { InfisicalVaultConnection } from "./src/resources/InfisicalVaultConnection";
import { InfisicalVaultSync } from "./src/resources/InfisicalVaultSync";
import type { VaultConnectionArgs } from "./src/resources/vaultResourceInputs";

/**
 * A configuration problem: one line naming the key, no stack trace (a RunError is printed by its
 * message alone; any other error the language host prints with the program's frames).
 */
function fromConfig<T>(read: () => T): T {
  try {
    return read();
  } catch (e) {
    throw new pulumi.RunError(e instanceof Error ? e.message : String(e));
  }
}

const config = new pulumi.Config("vault-migration");
// Before anything else, at preview and at up: a credential set without --secret is in the stack
// file and would be copied into the state in the clear. The language host passes the secret keys
// as PULUMI_CONFIG_SECRET_KEYS (the SDK's own isConfigSecret reads the same list, but is internal).
fromConfig(() => {
  const problems = plaintextCredentialProblems(pulumi.runtime.allConfig(), parseSecretKeys(process.env.PULUMI_CONFIG_SECRET_KEYS), config.name);
  if (problems.length) throw new Error(`invalid stack configuration:\n  - ${problems.join("\n  - ")}`);
});
const migrationsConfig = config.getObject<unknown>("migrations");
const settings = fromConfig(() =>
  readStackSettings({
    vault: config.getObject<unknown>("vault"),
    reader: config.getObject<unknown>("reader"),
    vaultToken: config.get("vaultToken"),
    env: process.env,
    needsVault: migrationsConfig !== undefined || config.getObject<unknown>("infisicalSync") !== undefined,
  }),
);

const outputs: Record<string, pulumi.Input<unknown>> = {};
const adminConnection = settings.vault && settings.auth ? pulumi.secret<VaultConnectionArgs>({ ...settings.vault, auth: settings.auth }) : undefined;
let readerConnection: pulumi.Output<VaultConnectionArgs> | undefined;
let readerCredentials: pulumi.Output<Record<string, string>> | undefined;
let retireConnection: pulumi.Output<VaultConnectionArgs> | undefined;
let readerComponent: MigrationReader | undefined;
// A migration that retires its sources needs the reader's separate retire identity (policy + AppRole).
const retires = Array.isArray(migrationsConfig) && migrationsConfig.some((m: unknown) => (m as { cutover?: { retireSource?: unknown } } | null)?.cutover?.retireSource === true);

if (settings.reader && adminConnection && settings.vault) {
  const r = settings.reader;
  const reader = new MigrationReader(r.name, {
    connection: adminConnection,
    sources: r.sources,
    roleName: r.name,
    policyName: r.name.toLowerCase(),
    authMountPath: r.authMountPath,
    tokenTtl: r.tokenTtl,
    tokenMaxTtl: r.tokenMaxTtl,
    secretIdTtl: r.secretIdTtl,
    secretIdNumUses: r.secretIdNumUses,
    secretIdBoundCidrs: r.secretIdBoundCidrs,
    tokenBoundCidrs: r.tokenBoundCidrs,
    rotationTrigger: r.rotationTrigger,
    implementation: r.implementation,
    adopt: r.adopt,
    retire: retires,
  });
  readerComponent = reader;
  readerConnection = reader.readerConnection;
  readerCredentials = pulumi.secret(pulumi.all([reader.roleId, reader.secretId]).apply(([role_id, secret_id]): Record<string, string> => ({ role_id, secret_id })));
  retireConnection = reader.retireConnection;
  Object.assign(outputs, {
    vaultAddress: settings.vault.address,
    readerPolicy: reader.policyName,
    readerRole: reader.roleName,
    readerRoleId: reader.roleId,
    readerSecretId: reader.secretId,
    readerSecretIdAccessor: reader.secretIdAccessor,
  });
}

const keyVaultConfig = config.getObject<unknown>("keyVaultDeployment");
let deployment: KeyVaultDeployment | undefined;
if (keyVaultConfig !== undefined) {
  deployment = new KeyVaultDeployment("destination", fromConfig(() => keyVaultDeploymentArgsFromConfig(keyVaultConfig)));
  Object.assign(outputs, { keyVaultId: deployment.vaultId, keyVaultUri: deployment.vaultUri });
  // Only with a private endpoint: an undefined output is a warning on every run.
  if (deployment.privateEndpoint) outputs.keyVaultPrivateEndpointIp = deployment.privateEndpointIp;
}

// ScaiVault (seed 001 steps 3, 4, 8): the reader's AppRole credentials stored in ScaiVault, and
// federation backends reading the stack's Vault with them.
const fingerprintKeyText = config.get("fingerprintKey") ?? process.env.VAULT_MIGRATION_FINGERPRINT_KEY;
const scaiVault = fromConfig(() => readScaiVault(config.getObject<unknown>("scaivault"), process.env, (key) => config.get(key), readerCredentials !== undefined));
const scaiVaultBackends: pulumi.Resource[] = [];
const stackPrerequisites: Record<StackPrerequisite, pulumi.Resource[]> = { federationBackends: scaiVaultBackends };
if (scaiVault) {
  if (!fingerprintKeyText) throw new pulumi.RunError("[vault-migration:fingerprintKey] is required for vault-migration:scaivault.secrets: pulumi config set --secret fingerprintKey \"$(openssl rand -base64 32)\"");
  const connection = pulumi.secret({ url: scaiVault.url, token: scaiVault.token, ...(scaiVault.caCertPem ? { caCertPem: scaiVault.caCertPem } : {}) });
  const secrets = new Map<string, ScaiVaultSecret>();
  for (const s of scaiVault.secrets) {
    const value = readerCredentials as pulumi.Output<Record<string, string>>;
    secrets.set(s.name, new ScaiVaultSecret(s.name, { connection, path: s.path, value, secretType: s.secretType, description: s.description, tags: s.tags, fingerprintKey: pulumi.secret(fingerprintKeyText) }));
  }
  const backendOutputs: Record<string, pulumi.Output<unknown>> = {};
  for (const b of scaiVault.backends) {
    const credentials = b.credentialsFrom === undefined ? undefined : secrets.get(b.credentialsFrom);
    const endpoint = b.endpoint ?? settings.vault?.address;
    if (!endpoint) throw new pulumi.RunError(`[vault-migration:scaivault.federationBackends] ${b.name}: [endpoint] is required (or set [vault-migration:vault.address] / VAULT_ADDR)`);
    const backend = new ScaiVaultFederationBackend(b.name, {
      connection,
      name: b.name,
      type: b.type,
      endpoint,
      authMethod: b.authMethod,
      // The secret's `path` output: the backend is created after its credentials are stored.
      authConfigPath: credentials ? credentials.path : (b.authConfigPath as string),
      tlsVerify: b.tlsVerify,
      namespace: b.namespace,
      pathMapping: b.pathMapping,
      mode: b.mode,
      syncInterval: b.syncInterval,
      conflictResolution: b.conflictResolution,
      readyTimeoutMs: b.readyTimeoutMs,
    });
    scaiVaultBackends.push(backend);
    backendOutputs[b.name] = pulumi.all([backend.backendId, backend.status, backend.secretsSynced]).apply(([backendId, status, secretsSynced]) => ({ backendId, status, secretsSynced }));
  }
  const secretOutputs = Object.fromEntries([...secrets].map(([n, s]) => [n, pulumi.all([s.path, s.version]).apply(([path, version]) => ({ path, version }))]));
  Object.assign(outputs, Object.keys(secretOutputs).length ? { scaivaultSecrets: secretOutputs } : {}, Object.keys(backendOutputs).length ? { scaivaultFederationBackends: backendOutputs } : {});
}

// By name, for what waits on a migration (infisicalSync.after).
const migrationsByName = new Map<string, Migration>();
const migrations = fromConfig(() => readMigrations(migrationsConfig, process.env, (key) => config.get(key)));
if (migrations.length) {
  // The copy reads with the least-privilege reader when the stack has one.
  const source = readerConnection ?? adminConnection;
  if (!source) throw new pulumi.RunError("[vault-migration:migrations] need a Vault connection: set [vault-migration:vault] or VAULT_ADDR and VAULT_TOKEN");
  const keyText = fingerprintKeyText;
  if (!keyText) throw new pulumi.RunError("[vault-migration:fingerprintKey] is required for migrations: pulumi config set --secret fingerprintKey \"$(openssl rand -base64 32)\"");
  const fingerprintKey = pulumi.secret(keyText);
  // What a destination's config may leave to the stack (`fromStack`), and what writing into it waits for.
  const stackOutputs: Record<string, { value: pulumi.Input<string>; dependsOn: pulumi.Resource[] }> = {};
  if (deployment) stackOutputs.keyVaultUri = { value: deployment.vaultUri, dependsOn: [deployment.migrationRoleAssignment] };
  const summaries: Record<string, pulumi.Output<unknown>> = {};
  const pending: Record<string, pulumi.Output<unknown>> = {};
  const cutovers: Record<string, pulumi.Output<unknown>> = {};
  for (const m of migrations) {
    const fill: Record<string, pulumi.Input<string>> = {};
    // What the destination's driver says a copy into it waits for (ScaiVault: the stack's backends).
    const dependsOn: pulumi.Resource[] = (driverFor(m.kind).waitsFor ?? []).flatMap((k) => stackPrerequisites[k]);
    for (const [key, output] of Object.entries(m.fromStack ?? {})) {
      const from = stackOutputs[output];
      if (!from) throw new pulumi.RunError(`[vault-migration:migrations] ${m.name}: [destination.${key}] is required (or configure the stack resource that provides ${output})`);
      fill[key] = from.value;
      dependsOn.push(...from.dependsOn);
    }
    const spec = pulumi.all(fill).apply((f) => ({ ...m.destination, ...f }));
    // The retire identity deletes only; without a reader the admin token does (it can anyway).
    const cutover = m.args.cutover ? { ...m.args.cutover, ...(m.args.cutover.retireSource ? { retireConnection: retireConnection ?? adminConnection } : {}) } : undefined;
    const migration = new Migration(
      m.name,
      { ...m.args, ...(cutover ? { cutover } : {}), source: { ...m.args.source, connection: source }, destination: { kind: m.kind, spec, credentials: pulumi.secret(m.credentials) }, fingerprintKey },
      // Writes wait for what the destination needs from the stack (a vault's role assignment).
      dependsOn.length ? { dependsOn } : undefined,
    );
    migrationsByName.set(m.name, migration);
    summaries[m.name] = migration.summary;
    pending[m.name] = migration.pending.apply((p) => Object.keys(p).length);
    if (migration.cutover) cutovers[m.name] = migration.cutover;
  }
  Object.assign(outputs, { migrationSummaries: summaries, migrationPendingCounts: pending, ...(Object.keys(cutovers).length ? { migrationCutover: cutovers } : {}) });
}

// An Infisical sync keeping the stack's Vault fed during cutover: its least-privilege AppRole, the
// connection Infisical logs in with, and the syncs (their overlaps refused while reading the config).
const infisicalSync = fromConfig(() => readInfisicalSync(config.getObject<unknown>("infisicalSync"), process.env, (key) => config.get(key)));
if (infisicalSync) {
  const s = infisicalSync;
  if (!settings.vault || !adminConnection) throw new pulumi.RunError("[vault-migration:infisicalSync] needs the stack's Vault: set [vault-migration:vault] or VAULT_ADDR and VAULT_TOKEN");
  const unknown = s.after.filter((n) => !migrationsByName.has(n));
  if (unknown.length) throw new pulumi.RunError(`[vault-migration:infisicalSync.after] names no migration of this stack: ${unknown.join(", ")}`);
  // A sync of a folder a migration writes runs once that migration has written (its first sync sees the keys).
  const after = s.after.map((n) => migrationsByName.get(n) as Migration);
  const infisical = pulumi.secret({ siteUrl: s.siteUrl, auth: s.auth });
  const creds: { roleId?: pulumi.Input<string>; secretId?: pulumi.Input<string>; accessToken?: pulumi.Input<string> } = {};
  if (s.connection.method === "app-role") {
    const writer = new InfisicalSyncWriter(s.writer.name, {
      connection: adminConnection,
      targets: s.syncs.map((x) => ({ mount: x.mount, path: x.path, kvVersion: s.writer.kvVersion })),
      manageAuthMount: s.writer.manageAuthMount,
      // The reader manages the `approle` mount the writer's role lives in: a fresh stack makes it first.
      ...(readerComponent && !s.writer.manageAuthMount ? { authMountFrom: readerComponent } : {}),
      rotationTrigger: s.writer.rotationTrigger,
    });
    Object.assign(creds, { roleId: writer.roleId, secretId: writer.secretId });
    outputs.infisicalSyncPolicy = writer.policyName;
  } else creds.accessToken = pulumi.secret(s.vaultToken ?? "");
  const conn = new InfisicalVaultConnection(s.connection.name, { infisical, projectId: s.projectId, ...s.connection, instanceUrl: s.connection.instanceUrl ?? settings.vault.address, namespace: s.connection.namespace ?? settings.vault.namespace, ...creds });
  const statuses: Record<string, pulumi.Output<unknown>> = {};
  for (const x of s.syncs) {
    const sync = new InfisicalVaultSync(x.name, { infisical, projectId: s.projectId, connectionId: conn.connectionId, ...x }, after.length ? { dependsOn: after } : undefined);
    statuses[x.name] = pulumi.all([sync.syncStatus, sync.lastSyncMessage, sync.lastSyncedAt]).apply(([status, message, at]) => ({ status, message, at }));
  }
  Object.assign(outputs, { infisicalConnectionId: conn.connectionId, infisicalSyncs: statuses });
}

// The stack's outputs: only those the stack has (an undefined export is a warning on every run).
export = outputs;
