// The stack-config readers of the destinations, one per driver kind (see src/migration/destinations).
import { infisicalConfigReader } from "./infisical";
import { keyVaultConfigReader } from "./keyvault";
import { scaiVaultConfigReader } from "./scaivault";
import type { DestinationConfigReader } from "./types";
import { vaultConfigReader } from "./vault";

export const DESTINATION_CONFIG_READERS: readonly DestinationConfigReader[] = [keyVaultConfigReader, vaultConfigReader, infisicalConfigReader, scaiVaultConfigReader];

/** The kind a migration entry without `destination.kind` has. */
export const DEFAULT_DESTINATION_KIND = "azure-keyvault";
