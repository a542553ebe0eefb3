/**
 * Public API of the pure migration engine: types, fingerprints, mapping, value
 * shaping, markers, planning, concurrency, reports and progress. Nothing here
 * imports Pulumi, HTTP clients or cloud SDKs.
 */
export * from "./types";
export * from "./errors";
export * from "./fingerprint";
export * from "./mapping";
export * from "./paths";
export * from "./values";
export * from "./markers";
export * from "./markerTags";
export * from "./plan";
export * from "./concurrency";
export * from "./report";
export * from "./progress";
export * from "./planlines";
export * from "./kvSettings";
export * from "./exclusions";
export * from "./cutover";
