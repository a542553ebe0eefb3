/** Azure Key Vault secrets client: credentials, a paced and retrying SecretClient wrapper, errors. */
export * from "./credentials";
export * from "./errors";
export * from "./KeyVaultSecretsClient";
