// Where the plan travels in the migration resource's inputs. No imports: the migration's provider
// is serialized into the state with what it references (see src/resources/migrationDiff.ts).
import type { PendingChanges } from "./pendingChanges";

/**
 * Where the plan travels in the migration resource's inputs. `pulumi preview --diff` prints a
 * dynamic resource's stored inputs against its new ones (the provider does not preview outputs),
 * so a plan an `up` stored under `pending` would come back in the next preview as
 * `"create v1: …" => "update v2: …"`, or as removed lines. So only a preview carries the plan as
 * `pending`, shown line by line; an `up` carries it as `__pending`, a key the engine's display
 * ignores (a property key starting with `__` is internal), with `pending` empty.
 */
export function planInputs<T>(pending: T, dryRun: boolean): { pending: T | PendingChanges; __pending?: T } {
  return dryRun ? { pending } : { pending: {}, __pending: pending };
}

/** The plan carried by the migration resource's inputs (see {@link planInputs}). */
export function planOf<T>(p: { pending?: T; __pending?: T } | undefined): T | undefined {
  return p?.__pending ?? p?.pending;
}
