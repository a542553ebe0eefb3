// The stack program: reads the stack's configuration and wires the components. Thin on purpose;
// everything it calls is in src/.
import * as pulumi from "@pulumi/pulumi";
import { KeyVaultDeployment } from "./src/components/KeyVaultDeployment";
import { KeyVaultMigration } from "./src/components/KeyVaultMigration";
import { MigrationReader } from "./src/components/MigrationReader";
import { VaultMigration } from "./src/components/VaultMigration";
import { keyVaultDeploymentArgsFromConfig } from "./src/program/keyVaultDeploymentConfig";
import { readMigrations } from "./src/program/migrationConfig";
import { readStackSettings } from "./src/program/stackConfig";
import type { VaultConnectionArgs } from "./src/resources/vaultResourceInputs";

const config = new pulumi.Config("vault-migration");
const settings = readStackSettings({
  vault: config.getObject<unknown>("vault"),
  reader: config.getObject<unknown>("reader"),
  vaultToken: config.get("vaultToken"),
  env: process.env,
});

const outputs: Record<string, pulumi.Input<unknown>> = {};
const adminConnection = settings.vault && settings.auth ? pulumi.secret<VaultConnectionArgs>({ ...settings.vault, auth: settings.auth }) : undefined;
let readerConnection: pulumi.Output<VaultConnectionArgs> | undefined;

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
    secretIdBoundCidrs: r.secretIdBoundCidrs,
    tokenBoundCidrs: r.tokenBoundCidrs,
    rotationTrigger: r.rotationTrigger,
    implementation: r.implementation,
  });
  readerConnection = reader.readerConnection;
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
  deployment = new KeyVaultDeployment("destination", keyVaultDeploymentArgsFromConfig(keyVaultConfig));
  Object.assign(outputs, { keyVaultId: deployment.vaultId, keyVaultUri: deployment.vaultUri, keyVaultPrivateEndpointIp: deployment.privateEndpointIp });
}

const migrations = readMigrations(config.getObject<unknown>("migrations"), process.env, config.get("keyVaultAccessToken"), config.get("destinationVaultToken"));
if (migrations.length) {
  // The copy reads with the least-privilege reader when the stack has one.
  const source = readerConnection ?? adminConnection;
  if (!source) throw new Error("[vault-migration:migrations] need a Vault connection: set [vault-migration:vault] (and a reader)");
  const keyText = config.get("fingerprintKey") ?? process.env.VAULT_MIGRATION_FINGERPRINT_KEY;
  if (!keyText) throw new Error("[vault-migration:fingerprintKey] is required for migrations: pulumi config set --secret fingerprintKey \"$(openssl rand -base64 32)\"");
  const fingerprintKey = pulumi.secret(keyText);
  const summaries: Record<string, pulumi.Output<unknown>> = {};
  const pending: Record<string, pulumi.Output<unknown>> = {};
  for (const m of migrations) {
    if (m.kind === "vault") {
      const { caCertPem, insecureSkipTlsVerify, address, namespace, ...rest } = m.destination;
      const connection = pulumi.secret({ address, auth: m.auth, ...(namespace ? { namespace } : {}), ...(caCertPem ? { caCertPem } : {}), ...(insecureSkipTlsVerify ? { insecureSkipTlsVerify } : {}) });
      const migration = new VaultMigration(m.name, { ...m.args, source: { ...m.args.source, connection: source }, destination: { ...rest, connection }, fingerprintKey });
      summaries[m.name] = migration.summary;
      pending[m.name] = migration.pending.apply((p) => Object.keys(p).length);
      continue;
    }
    const vaultUrl = m.destination.vaultUrl ?? deployment?.vaultUri;
    if (!vaultUrl) throw new Error(`[vault-migration:migrations] ${m.name}: [destination.vaultUrl] is required (or configure [vault-migration:keyVaultDeployment])`);
    const migration = new KeyVaultMigration(
      m.name,
      { ...m.args, source: { ...m.args.source, connection: source }, destination: pulumi.output(vaultUrl).apply((u) => ({ ...m.destination, vaultUrl: u })), credential: pulumi.secret(m.credential), fingerprintKey },
      // Writes wait for the migration identity's role assignment on a vault deployed here.
      deployment && !m.destination.vaultUrl ? { dependsOn: [deployment.migrationRoleAssignment] } : undefined,
    );
    summaries[m.name] = migration.summary;
    pending[m.name] = migration.pending.apply((p) => Object.keys(p).length);
  }
  Object.assign(outputs, { migrationSummaries: summaries, migrationPendingCounts: pending });
}

export const vaultAddress = outputs.vaultAddress;
export const readerPolicy = outputs.readerPolicy;
export const readerRole = outputs.readerRole;
export const readerRoleId = outputs.readerRoleId;
export const readerSecretId = outputs.readerSecretId;
export const readerSecretIdAccessor = outputs.readerSecretIdAccessor;
export const keyVaultId = outputs.keyVaultId;
export const keyVaultUri = outputs.keyVaultUri;
export const keyVaultPrivateEndpointIp = outputs.keyVaultPrivateEndpointIp;
export const migrationSummaries = outputs.migrationSummaries;
export const migrationPendingCounts = outputs.migrationPendingCounts;
