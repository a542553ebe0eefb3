/** Cutover readiness: audit log lines → consumers per migrated path, coverage, retirement decisions. */
export * from "./auditEntry";
export * from "./readiness";
export * from "./retirement";
