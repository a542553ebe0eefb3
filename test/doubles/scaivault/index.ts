/**
 * Contract double of ScaiVault's REST API (fact sheet: shared/scaivault-api.md). ScaiVault is
 * closed source; this double is pinned to the sheet. Test infrastructure only.
 */
export { startScaiVaultDouble, type Fault, type RequestRecord, type ScaiVaultDouble, type ScaiVaultDoubleOptions } from "./server";
export { SCOPES, type Limits, type Scope } from "./store";
export type { OperationName } from "./routes";
