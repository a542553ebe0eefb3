/**
 * One error hierarchy for the pure engine. Every message names paths, globs,
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

/** Base class of all engine errors; `code` is stable, the message is for humans. */
export class EngineError extends Error {
  /** Stable code to branch on instead of parsing messages. */
  readonly code: EngineErrorCode;

  constructor(code: EngineErrorCode, message: string) {
    super(message);
    this.name = new.target.name;
    this.code = code;
  }
}

/** True when `err` is an {@link EngineError}, optionally with the given code. */
export function isEngineError(err: unknown, code?: EngineErrorCode): err is EngineError {
  return err instanceof EngineError && (code === undefined || err.code === code);
}
