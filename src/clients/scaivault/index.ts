/** ScaiVault REST client: secrets, federation backends, pacing under the rate limits, errors. */
export * from "./errors";
export * from "./pacer";
export * from "./paths";
export * from "./ScaiVaultClient";
