// The stack program: reads the stack's configuration and wires the components. Thin on purpose;
// everything it calls is in src/.
import * as pulumi from "@pulumi/pulumi";
import { MigrationReader } from "./src/components/MigrationReader";
import { readStackSettings } from "./src/program/stackConfig";

const config = new pulumi.Config("vault-migration");
const settings = readStackSettings({
  vault: config.getObject<unknown>("vault"),
  reader: config.getObject<unknown>("reader"),
  vaultToken: config.get("vaultToken"),
  env: process.env,
});

const adminConnection = pulumi.secret({ ...settings.vault, auth: settings.auth });

const outputs: Record<string, pulumi.Input<unknown>> = { vaultAddress: settings.vault.address };
if (settings.reader) {
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
  outputs.readerPolicy = reader.policyName;
  outputs.readerRole = reader.roleName;
  outputs.readerRoleId = reader.roleId;
  outputs.readerSecretId = reader.secretId;
  outputs.readerSecretIdAccessor = reader.secretIdAccessor;
}

export const vaultAddress = outputs.vaultAddress;
export const readerPolicy = outputs.readerPolicy;
export const readerRole = outputs.readerRole;
export const readerRoleId = outputs.readerRoleId;
export const readerSecretId = outputs.readerSecretId;
export const readerSecretIdAccessor = outputs.readerSecretIdAccessor;
