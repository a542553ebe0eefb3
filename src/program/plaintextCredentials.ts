// Credentials in plaintext stack config are refused. The engine copies the project's config keys
// into the state as the inputs of the dynamic-provider plugin (`pulumi:providers:pulumi-nodejs`):
// a key set without `--secret` lands there, and in `Pulumi.<stack>.yaml`, in the clear. A key with
// a secret leaf anywhere inside (`pulumi config set --secret --path …`) is a secret as a whole,
// encrypted in both. Pure: the caller passes the config map and the secret keys.

/**
 * Names of config keys that hold a credential, at any depth, whatever the destination: a generic
 * rule so a future reader's keys (`infisicalToken`, `credential.clientSecret`, `auth.apiKey`…) are
 * covered without listing them. Matches `vaultToken`, `destinationVaultToken`,
 * `keyVaultAccessToken`, `fingerprintKey`, `clientSecret`, `secretId`, `password`… but not
 * `secretIdTtl`, `tokenBoundCidrs`, `unwrapKey` or `expiryKey` (settings, not credentials).
 */
export const CREDENTIAL_KEY_NAME = /(?:token|secret|secret_?id|password|passphrase|api_?key|access_?key|private_?key|fingerprint_?key)$/i;

/**
 * One problem per credential found in a config key that is not secret, each naming the key and the
 * exact command that makes it a secret (without the value: `pulumi config set` then prompts for it,
 * hidden, so the value stays out of the shell's history). Never echoes a value.
 *
 * @param config fully qualified key (`vault-migration:vaultToken`) → the engine's string (objects
 *   as JSON), as `pulumi.runtime.allConfig()` gives it
 * @param secretKeys the keys the engine reports as secret (`PULUMI_CONFIG_SECRET_KEYS`); undefined
 *   when it reported none at all (an engine that does not say), so nothing counts as secret
 */
export function plaintextCredentialProblems(config: Readonly<Record<string, string>>, secretKeys: ReadonlySet<string> | undefined, namespace: string): string[] {
  const problems: string[] = [];
  const fix = (key: string, nested: boolean): string =>
    `pulumi config set --secret ${nested ? `--path '${key}'` : key}` + (secretKeys === undefined ? " (this engine did not say which keys are secret: pass the credential through its environment variable instead)" : "");
  for (const [key, text] of Object.entries(config)) {
    if (!key.startsWith(`${namespace}:`) || secretKeys?.has(key)) continue;
    const name = key.slice(namespace.length + 1);
    if (CREDENTIAL_KEY_NAME.test(name)) {
      if (text !== "") problems.push(`[${key}] is a credential in plaintext config (Pulumi copies it into the state as it is): ${fix(key, false)}`);
      continue;
    }
    const parsed = parseObject(text);
    if (parsed === undefined) continue;
    for (const at of credentialPaths(parsed, "")) {
      problems.push(`[${key}${at}] is a credential in plaintext config (Pulumi copies [${key}] into the state as it is): ${fix(`${key}${at}`, true)}`);
    }
  }
  return problems;
}

/** The secret keys the language host passes to the program (a JSON list), if it passed any. */
export function parseSecretKeys(text: string | undefined): ReadonlySet<string> | undefined {
  if (!text) return undefined;
  try {
    const list: unknown = JSON.parse(text);
    return Array.isArray(list) ? new Set(list.filter((k): k is string => typeof k === "string")) : undefined;
  } catch {
    return undefined;
  }
}

function parseObject(text: string): unknown {
  if (!/^\s*[[{]/.test(text)) return undefined;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return undefined;
  }
}

/** Paths (in `pulumi config --path` syntax) of the credential-named members holding something. */
function credentialPaths(v: unknown, at: string): string[] {
  if (Array.isArray(v)) return v.flatMap((item, i) => credentialPaths(item, `${at}[${i}]`));
  if (typeof v !== "object" || v === null) return [];
  const out: string[] = [];
  for (const [k, child] of Object.entries(v as Record<string, unknown>)) {
    const path = /^[A-Za-z_][A-Za-z0-9_-]*$/.test(k) ? `${at}.${k}` : `${at}[${JSON.stringify(k)}]`;
    if (CREDENTIAL_KEY_NAME.test(k)) {
      if (child !== undefined && child !== null && child !== "" && child !== false) out.push(path);
    } else out.push(...credentialPaths(child, path));
  }
  return out;
}
