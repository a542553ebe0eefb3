// The destination registry: the one place that lists the drivers. Adding a destination is one
// line here plus its folder. An array, not a module-level Map: the closure serializer re-creates
// the providers that use it.
// Top-level imports on purpose: dynamic providers are serialized, and a runtime require() of a
// relative path cannot be resolved in the provider process.
import type { DestinationConnection, DestinationContext, DestinationDriver, DestinationSpecBase, MigrationDestination } from "../destination";
import { infisicalDriver } from "./infisical/driver";
import { keyVaultDriver } from "./keyvault/driver";
import { scaiVaultDriver } from "./scaivault/driver";
import { vaultDriver } from "./vault/driver";

export type { InfisicalCredentials, InfisicalDestinationSpec } from "./infisical/driver";
export type { KeyVaultCredentials, KeyVaultDestinationSpec } from "./keyvault/driver";
export type { ScaiVaultCredentials, ScaiVaultDestinationSpec } from "./scaivault/driver";
export type { VaultCredentials, VaultDestinationSpec } from "./vault/driver";

/** Every destination driver. */
// Driver methods are method signatures (bivariant parameters), so each typed driver is a DestinationDriver.
export const DESTINATION_DRIVERS: readonly DestinationDriver[] = [keyVaultDriver, vaultDriver, infisicalDriver, scaiVaultDriver];

/** The kinds a spec may name, for messages. */
export function destinationKinds(): string[] {
  return DESTINATION_DRIVERS.map((d) => d.kind);
}

/** The driver of a kind; throws naming the known kinds. */
export function driverFor(kind: string): DestinationDriver {
  const d = DESTINATION_DRIVERS.find((x) => x.kind === kind);
  if (!d) throw new Error(`unknown destination kind "${kind}" (known: ${destinationKinds().join(", ")})`);
  return d;
}

/** Checks a connection without any network call; problems name `[prefix.key]`, never a credential. */
export function validateDestinationConnection(c: Partial<DestinationConnection> | undefined, prefix = "destination"): string[] {
  const spec = c?.spec as Record<string, unknown> | undefined;
  if (!spec) return [`[${prefix}] is required`];
  const driver = DESTINATION_DRIVERS.find((x) => x.kind === spec.kind);
  if (!driver) return [`[${prefix}.kind] must be one of ${destinationKinds().map((k) => `"${k}"`).join(", ")}`];
  return [...driver.validateSpec(spec, prefix), ...driver.validateCredentials(c?.credentials, prefix)];
}

/** Where a connection writes, without credentials: a resource id part and a message prefix. */
export function destinationLocation<S extends DestinationSpecBase>(spec: S): string {
  return driverFor(spec.kind).location(spec);
}

/** Opens the destination a connection describes. */
export function openDestination<S extends DestinationSpecBase>(c: DestinationConnection<S>, context: DestinationContext): MigrationDestination {
  return driverFor(c.spec.kind).open(c, context);
}
