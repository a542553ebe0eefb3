// The stack program: reads the stack's configuration and wires the components. Thin on purpose;
// everything it calls is in src/.
import * as pulumi from "@pulumi/pulumi";
import { KeyVaultDeployment } from "./src/components/KeyVaultDeployment";
import { MigrationReader } from "./src/components/MigrationReader";
import { keyVaultDeploymentArgsFromConfig } from "./src/program/keyVaultDeploymentConfig";
import { readStackSettings } from "./src/program/stackConfig";

const config = new pulumi.Config("vault-migration");
const settings = readStackSettings({
  vault: config.getObject<unknown>("vault"),
  reader: config.getObject<unknown>("reader"),
  vaultToken: config.get("vaultToken"),
  env: process.env,
});

const outputs: Record<string, pulumi.Input<unknown>> = {};

if (settings.reader && settings.vault && settings.auth) {
  const r = settings.reader;
  const reader = new MigrationReader(r.name, {
    connection: pulumi.secret({ ...settings.vault, auth: settings.auth }),
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
if (keyVaultConfig !== undefined) {
  const kv = new KeyVaultDeployment("destination", keyVaultDeploymentArgsFromConfig(keyVaultConfig));
  Object.assign(outputs, { keyVaultId: kv.vaultId, keyVaultUri: kv.vaultUri, keyVaultPrivateEndpointIp: kv.privateEndpointIp });
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
