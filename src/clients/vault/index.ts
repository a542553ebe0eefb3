export * from "./connection";
export * from "./errors";
export * from "./VaultClient";
export * from "./kv";
export * from "./tokenIdentity";
