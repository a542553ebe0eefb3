// README's configuration tables against the config readers: every key a reader accepts in a
// migration entry is documented, and every documented key is one a reader accepts. A setting added
// to a reader without a README row (as `disableChallengeResourceVerification` once was) fails here.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { INFISICAL_SPEC_KEYS } from "../../src/migration/destinations/infisical/driver";
import { KEY_VAULT_SPEC_KEYS } from "../../src/migration/destinations/keyvault/driver";
import { SCAIVAULT_SPEC_KEYS } from "../../src/migration/destinations/scaivault/driver";
import { VAULT_SPEC_KEYS } from "../../src/migration/destinations/vault/driver";
import { DESTINATION_CONFIG_READERS } from "../../src/program/destinations";
import { COMMON_KEYS, CUTOVER_KEYS, MAPPING_KEYS, SOURCE_KEYS } from "../../src/program/migrationConfig";
import { SCAIVAULT_BACKEND_KEYS, SCAIVAULT_KEYS, SCAIVAULT_SECRET_KEYS } from "../../src/program/scaiVaultConfig";

const README = fs.readFileSync(path.join(__dirname, "..", "..", "README.md"), "utf8");

/** The backticked keys in the first cell of every table row (`| \`a.b\`, \`c\` | … |`). */
function documentedKeys(): Set<string> {
  const keys = new Set<string>();
  for (const line of README.split("\n")) {
    const m = /^\| ([^|]+) \|/.exec(line);
    if (!m) continue;
    for (const k of (m[1] as string).matchAll(/`([A-Za-z][\w.]*)`/g)) keys.add(k[1] as string);
  }
  return keys;
}

/** The keys a migration entry accepts, as a user writes them in the stack file. */
function acceptedKeys(): Set<string> {
  const keys = new Set<string>();
  // `source`, `destination`, `mapping` and `cutover` are objects documented by their members.
  for (const k of COMMON_KEYS) if (!["source", "destination", "mapping", "cutover"].includes(k)) keys.add(k);
  for (const k of CUTOVER_KEYS) keys.add(`cutover.${k}`);
  for (const k of SOURCE_KEYS) keys.add(`source.${k}`);
  for (const k of MAPPING_KEYS) keys.add(`mapping.${k}`);
  // The stack file takes a CA bundle as a file (the reader loads it into the spec's `caCertPem`).
  const asWritten = (k: string): string => (k === "caCertPem" ? "caCertFile" : k);
  for (const k of [...KEY_VAULT_SPEC_KEYS, ...VAULT_SPEC_KEYS, ...INFISICAL_SPEC_KEYS, ...SCAIVAULT_SPEC_KEYS]) keys.add(`destination.${asWritten(k)}`);
  keys.add("destination.auth"); // the Vault and Infisical readers' credentials, beside the spec
  for (const r of DESTINATION_CONFIG_READERS) for (const k of r.entryKeys) keys.add(k);
  return keys;
}

describe("README's configuration tables match the config readers", () => {
  it("documents every key a migration entry accepts", () => {
    const documented = documentedKeys();
    const missing = [...acceptedKeys()].filter((k) => !documented.has(k));
    assert.deepEqual(missing, [], `keys the readers accept but README's tables do not list: ${missing.join(", ")}`);
  });

  it("documents no migration-entry key the readers would refuse", () => {
    const accepted = acceptedKeys();
    // Rows of the migration tables: the entry's own keys and its `source.`/`destination.`/`mapping.` members.
    const entryish = [...documentedKeys()].filter((k) => /^(source|destination|mapping|cutover)\./.test(k));
    const unknown = entryish.filter((k) => !accepted.has(k));
    assert.deepEqual(unknown, [], `README lists keys no reader accepts: ${unknown.join(", ")}`);
  });

  it("documents exactly the keys vault-migration:scaivault accepts", () => {
    const accepted = [...SCAIVAULT_KEYS.map((k) => `scaivault.${k}`), ...SCAIVAULT_SECRET_KEYS.map((k) => `scaivault.secrets.${k}`), ...SCAIVAULT_BACKEND_KEYS.map((k) => `scaivault.federationBackends.${k}`)];
    const documented = [...documentedKeys()].filter((k) => k.startsWith("scaivault."));
    assert.deepEqual(accepted.filter((k) => !documented.includes(k)), [], "accepted but not in README");
    assert.deepEqual(documented.filter((k) => !accepted.includes(k)), [], "in README but not accepted");
  });
});
