// The contract of a destination's stack-config reader: turns the `destination` object (and any
// keys of the migration entry it owns, such as Key Vault's `credential`) into a driver spec and
// credentials, with environment fallbacks. Pure: no Pulumi, no network.

/** What a reader may consult besides the entry. */
export interface ConfigReaderContext {
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Secret stack config values by key (e.g. `keyVaultAccessToken`, `destinationVaultToken`). */
  readonly secret: (key: string) => string | undefined;
  /** Names `[vault-migration:migrations[i].<key>]` for messages. */
  readonly at: (key: string) => string;
  /** `vault-migration:migrations[i]`: the prefix a driver's own checks name keys under. */
  readonly prefix: string;
  /** Collects problems; the caller throws them together. */
  readonly problem: (message: string) => void;
}

/** A destination as read from the stack config. */
export interface DestinationConfig {
  /** The driver's spec without `kind`. Keys in `fromStack` may be missing. */
  readonly spec: Record<string, unknown>;
  /** The driver's credentials (a Pulumi secret in the program). */
  readonly credentials: Readonly<Record<string, unknown>>;
  /**
   * Spec keys the stack program fills from its own resources when the config leaves them out
   * (e.g. Key Vault's `vaultUrl` from the stack's KeyVaultDeployment): spec key → stack output name.
   */
  readonly fromStack?: Readonly<Record<string, string>>;
}

export interface DestinationConfigReader {
  readonly kind: string;
  /** Keys of the migration entry itself (beside the common ones) that this reader reads. */
  readonly entryKeys: readonly string[];
  read(entry: Readonly<Record<string, unknown>>, destination: Record<string, unknown>, ctx: ConfigReaderContext): DestinationConfig;
}

export const isObject = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v);

/** Reads a PEM file named by a config key into the spec's `caCertPem`. */
export function readCaFile(file: unknown, key: string, ctx: ConfigReaderContext): string | undefined {
  if (typeof file !== "string" || !file) return undefined;
  try {
    // Loaded here, not at the top: the readers stay importable where `fs` is not wanted.
    const fs = require("node:fs") as typeof import("node:fs");
    return fs.readFileSync(file, "utf8");
  } catch (e) {
    ctx.problem(`${ctx.at(key)} cannot be read: ${(e as Error).message}`);
    return undefined;
  }
}
