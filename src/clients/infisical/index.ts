export * from "./InfisicalClient";
export * from "./errors";
