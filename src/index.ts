// The package's public API: what a library user imports to write their own stack program
// (`import { KeyVaultMigration, MigrationReader } from "vault-migration"`). The project's own stack
// program is `index.ts` at the top (Pulumi.yaml's `main`), which uses the same pieces.

// Vault side: least-privilege reader and its parts.
export { MigrationReader, type MigrationReaderArgs } from "./components/MigrationReader";
export { renderReaderPolicy, renderRetirePolicy, type ReaderSource } from "./components/readerPolicy";
export { VaultPolicy, type VaultPolicyArgs } from "./resources/VaultPolicy";
export { VaultAuthMount, type VaultAuthMountArgs } from "./resources/VaultAuthMount";
export { VaultAppRole, type VaultAppRoleArgs } from "./resources/VaultAppRole";
export { VaultAppRoleSecretId, type VaultAppRoleSecretIdArgs } from "./resources/VaultAppRoleSecretId";
export type { VaultConnectionArgs } from "./resources/vaultResourceInputs";

// Destination infrastructure.
export { KeyVaultDeployment, type KeyVaultDeploymentArgs } from "./components/KeyVaultDeployment";

// Migrations: the generic component (any registered destination kind) and the typed ones.
export { Migration, type MigrationArgs, type MigrationDestinationArgs } from "./components/Migration";
export type { CutoverArgs, MigrationCommonArgs } from "./components/migrationArgs";
export type { CutoverOutput } from "./components/Migration";
export { SourceRetirement, type SourceRetirementArgs } from "./resources/SourceRetirement";
export { KeyVaultMigration, type KeyVaultMigrationArgs } from "./components/KeyVaultMigration";
export { VaultMigration, type VaultMigrationArgs } from "./components/VaultMigration";
export { InfisicalMigration, type InfisicalMigrationArgs } from "./components/InfisicalMigration";
export { ScaiVaultMigration, type ScaiVaultMigrationArgs } from "./components/ScaiVaultMigration";
export { ScaiVaultSecret, type ScaiVaultSecretArgs, type ScaiVaultConnectionArgs } from "./resources/ScaiVaultSecret";
export { ScaiVaultFederationBackend, type ScaiVaultFederationBackendArgs } from "./resources/ScaiVaultFederationBackend";
export { InfisicalVaultConnection, type InfisicalVaultConnectionArgs } from "./resources/InfisicalVaultConnection";
export { InfisicalVaultSync, type InfisicalVaultSyncArgs } from "./resources/InfisicalVaultSync";
export type { InfisicalSiteArgs } from "./resources/infisicalProviderSupport";
export { syncTargetOverlaps, type SyncTarget } from "./resources/infisicalSyncTargets";
export { InfisicalSyncWriter, type InfisicalSyncWriterArgs } from "./components/InfisicalSyncWriter";
export { renderInfisicalSyncPolicy, type InfisicalSyncPolicyTarget } from "./components/infisicalSyncPolicy";
export type { MigrationSummary } from "./resources/SecretMigration";
export type { PendingChanges } from "./migration/pendingChanges";

// Contracts, for writing a destination driver or a source.
export type { DestinationCapabilities, DestinationConnection, DestinationDriver, DestinationWrite, MigrationDestination, WriteResult } from "./migration/destination";
export type { MigrationSource, SourceHistory, SourceValue } from "./migration/source";
export { DESTINATION_DRIVERS, destinationKinds } from "./migration/destinations";
export type { InfisicalDestinationSpec, KeyVaultDestinationSpec, VaultDestinationSpec } from "./migration/destinations";

// Clients and their errors.
export * from "./clients/vault";
export { isClientError, type ClientError, type ClientErrorCode, type ClientService } from "./clients/http/errors";
