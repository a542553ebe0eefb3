// Provider-process hygiene for long runs.

/**
 * Stops this provider process once the engine is gone. The engine reads the provider's stdout and
 * stderr through pipes; when it dies (a CI job killed mid-copy) the next write there fails with
 * EPIPE. Unhandled, that error reaches the dynamic-provider host's `uncaughtException` handler,
 * which logs it to stderr again: a loop that spins a core and grows memory without end (seen:
 * 4 GB after 12 minutes). Nothing this process does can be recorded any more, so it exits; the next
 * run re-plans from the destination's markers. Idempotent; call at the start of a provider method.
 */
export function exitWhenEngineGone(): void {
  const installed = Symbol.for("vault-migration.exitWhenEngineGone");
  const proc = process as unknown as Record<symbol, boolean | undefined>;
  if (proc[installed]) return;
  proc[installed] = true;
  for (const stream of [process.stdout, process.stderr]) {
    stream.on("error", () => process.exit(1));
  }
}
