// The package's public API.
export * from "./clients/vault";
export { isClientError, type ClientError, type ClientErrorCode, type ClientService } from "./clients/http/errors";
export { VaultPolicy, type VaultPolicyArgs } from "./resources/VaultPolicy";
export { VaultAuthMount, type VaultAuthMountArgs } from "./resources/VaultAuthMount";
export { VaultAppRole, type VaultAppRoleArgs } from "./resources/VaultAppRole";
export { VaultAppRoleSecretId, type VaultAppRoleSecretIdArgs } from "./resources/VaultAppRoleSecretId";
export type { VaultConnectionArgs } from "./resources/vaultResourceInputs";
export { MigrationReader, type MigrationReaderArgs } from "./components/MigrationReader";
export { renderReaderPolicy, type ReaderSource } from "./components/readerPolicy";
export { KeyVaultDeployment, type KeyVaultDeploymentArgs } from "./components/KeyVaultDeployment";
export { KeyVaultMigration, type KeyVaultMigrationArgs } from "./components/KeyVaultMigration";
export { VaultMigration, type VaultMigrationArgs } from "./components/VaultMigration";
