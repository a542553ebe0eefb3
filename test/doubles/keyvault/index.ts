/**
 * Local test double of the Azure Key Vault secrets data plane (fact sheet: shared/keyvault-api.md).
 * Test infrastructure only: production code must never import it.
 */
export { startKeyVaultDouble, type Counters, type KeyVaultDouble, type KeyVaultDoubleOptions } from "./server";
export { staticTokenCredential } from "./credential";
export { OPERATIONS, REQUIRED_RIGHT, RIGHTS, type OperationName, type Right } from "./routes";
export { FAULT_KINDS, type FaultKind, type FaultPlan, type ThrottleOptions } from "./traffic";
export { doubleSecretClient, type DoubleClientOptions } from "./sdk";
