/**
 * Bounded concurrency for executing plan items. Built for a migration where one secret
 * failing must not abort the others: results are per item, and only a failure of the item SOURCE
 * itself ends the run. (Retries live with the service clients: src/clients/http/retry.ts.)
 */

/** Per-item outcome of {@link mapConcurrent}. */
export type Settled<T, R> =
  | { readonly item: T; readonly index: number; readonly ok: true; readonly value: R }
  | { readonly item: T; readonly index: number; readonly ok: false; readonly error: unknown };

/** What a task receives besides its item. */
export interface TaskContext {
  /** Position of the item in the source. */
  readonly index: number;
  /** Aborted when the consumer stops early, so long waits can end. */
  readonly signal: AbortSignal;
}

function toAsyncIterator<T>(items: Iterable<T> | AsyncIterable<T>): AsyncIterator<T> {
  if (Symbol.asyncIterator in items) return (items as AsyncIterable<T>)[Symbol.asyncIterator]();
  const it = (items as Iterable<T>)[Symbol.iterator]();
  return {
    next: async () => it.next(),
    return: async () => it.return?.() ?? { done: true, value: undefined },
  };
}

/**
 * Runs `fn` over `items` with at most `limit` tasks in flight and yields each
 * item's outcome as it settles (completion order, not input order). Items are
 * pulled lazily — never more than `limit` ahead of the consumer — so memory stays
 * flat on large inventories. A task's failure is yielded, not thrown. If the
 * source throws, no new task starts, in-flight ones are drained and yielded, then
 * the source's error is thrown. If the consumer stops early, `signal` is aborted
 * and the generator waits for in-flight tasks before returning, so nothing keeps
 * running behind the caller's back.
 */
export async function* mapConcurrent<T, R>(
  items: Iterable<T> | AsyncIterable<T>,
  limit: number,
  fn: (item: T, ctx: TaskContext) => Promise<R>,
): AsyncGenerator<Settled<T, R>, void, undefined> {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`concurrency limit must be a positive integer (got ${limit})`);
  const it = toAsyncIterator(items);
  const controller = new AbortController();
  // Settled results wait here for the consumer; a task wakes the generator when it
  // settles. (Racing all in-flight promises on every step would pile reactions on a
  // long-running task, growing memory with the number of items.)
  const ready: Settled<T, R>[] = [];
  const running = new Set<Promise<void>>();
  let wake: (() => void) | undefined;
  let exhausted = false;
  let sourceFailed = false;
  let sourceError: unknown;
  let next = 0;

  const start = (item: T, index: number): void => {
    // `new Promise` turns a synchronous throw in fn into a rejection.
    const task: Promise<void> = new Promise<R>((resolve) => resolve(fn(item, { index, signal: controller.signal })))
      .then(
        (value): Settled<T, R> => ({ item, index, ok: true, value }),
        (error: unknown): Settled<T, R> => ({ item, index, ok: false, error }),
      )
      .then((settled) => {
        running.delete(task);
        ready.push(settled);
        wake?.();
        wake = undefined;
      });
    running.add(task);
  };

  try {
    for (;;) {
      // Unconsumed results count against the limit too, so a slow consumer holds at most `limit`.
      while (!exhausted && running.size + ready.length < limit) {
        let step: IteratorResult<T>;
        try {
          step = await it.next();
        } catch (err) {
          exhausted = true;
          sourceFailed = true;
          sourceError = err;
          break;
        }
        if (step.done) {
          exhausted = true;
          break;
        }
        start(step.value, next++);
      }
      if (ready.length === 0) {
        if (running.size === 0) break;
        await new Promise<void>((resolve) => {
          wake = resolve;
        });
      }
      yield ready.shift() as Settled<T, R>;
    }
    if (sourceFailed) throw sourceError;
  } finally {
    controller.abort();
    if (!exhausted) await it.return?.();
    await Promise.all(running);
  }
}
