export * from "./InfisicalClient";
export * from "./errors";
export * from "./vaultSync";
