// Errors are built by factories on a real `Error`, not by `class … extends Error`: Pulumi's closure
// serializer rewrites subclass constructors as `Error.call(this, msg)`, which drops the message, and
// the engine runs inside dynamic providers, whose code is serialized. Branch with the `is…` guards.

/**
 * One error family for the pure engine. Every message names paths, globs,
 * sizes or settings — never a secret value — because the Pulumi host prints
 * `${e}: ${e.stack}` verbatim.
 */

/** Stable machine-readable codes of engine errors. */
export type EngineErrorCode =
  | "FINGERPRINT_KEY"
  | "MAPPING_CONFIG"
  | "MAPPING"
  | "VALUE_TOO_LARGE"
  | "PLAN_INPUT"
  | "PLAN_REFUSED";

const ENGINE_ERROR_CODES: readonly string[] = [
  "FINGERPRINT_KEY",
  "MAPPING_CONFIG",
  "MAPPING",
  "VALUE_TOO_LARGE",
  "PLAN_INPUT",
  "PLAN_REFUSED",
] satisfies readonly EngineErrorCode[];

/** Shape shared by all engine errors; `code` is stable, the message is for humans. */
export interface EngineError extends Error {
  /** `EngineError`, or the specific kind (`MappingError`, `PlanRefusedError`, ...). */
  name: string;
  /** Stable code to branch on instead of parsing messages. */
  readonly code: EngineErrorCode;
}

/** A plain engine error with the given code (name `EngineError`). */
export function engineError(code: EngineErrorCode, message: string): EngineError {
  return buildEngineError<EngineError>("EngineError", code, message, {});
}

/**
 * Builds an engine error of a specific kind on a real `Error`: sets `name`, `code` and the
 * kind's own fields. Used by the factories of the engine modules.
 */
/**
 * An `Error` named `name` that carries `fields`: the one factory every error family of this project
 * is built with (see the top of this file for why not a subclass).
 */
export function namedError<E extends Error>(name: string, message: string, fields: Omit<E, keyof Error>): E {
  const e = new Error(message);
  e.name = name;
  return Object.assign(e, fields) as E;
}

export function buildEngineError<E extends EngineError>(
  name: E["name"],
  code: E["code"],
  message: string,
  fields: Omit<E, keyof EngineError>,
): E {
  return namedError<E>(name, message, { ...fields, code } as Omit<E, keyof Error>);
}

/** True when `err` is an {@link EngineError} of any kind, optionally with the given code. */
export function isEngineError(err: unknown, code?: EngineErrorCode): err is EngineError {
  if (!(err instanceof Error)) return false;
  const c = (err as Error & { code?: unknown }).code;
  return typeof c === "string" && ENGINE_ERROR_CODES.includes(c) && (code === undefined || c === code);
}
