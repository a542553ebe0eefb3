/**
 * Contract double of Infisical's REST API (fact sheet: shared/infisical-api.md).
 * Test infrastructure only: production code must never import it.
 */
export { startInfisicalDouble, type InfisicalDouble, type InfisicalDoubleOptions, type InfisicalPlan } from "./server";
export { InfisicalStore, infisicalTrim, type StoredSecret } from "./store";
