/**
 * Reading many tenants a few at a time (fleet_drift, the drift resource, `drift`, the fleet bench):
 * at most `concurrency` tenants in flight, results in the order the tenants were given (configuration
 * order), progress as each one finishes. What is held at once is bounded by the concurrency: a
 * tenant's intermediate reads are dropped once its result (small) is built.
 */

export const DEFAULT_READ_CONCURRENCY = 8;
export const MAX_READ_CONCURRENCY = 32;

export interface FleetReadOptions<R> {
  /** Items run at once (default 8, at most `max`). */
  concurrency?: number;
  /** The largest concurrency accepted (default 32); callers with their own bound pass it. */
  max?: number;
  /** Once aborted, no further item is started (those in flight see the same signal). */
  signal?: AbortSignal;
  /** Called as each item finishes (in the order they finish), with how many are done. */
  onResult?(result: R, done: number, total: number): void | Promise<void>;
}

/**
 * `fn` over every item, at most `concurrency` at once, results in the order given. Once `fn` throws (or
 * the signal aborts), no further item is started; the ones in flight finish, then the first error is
 * thrown. The one pool of the fleet paths (fleet_drift, check_tenants, the fleet pipeline, snapshots).
 */
export async function mapFleet<T, R>(items: readonly T[], opts: FleetReadOptions<R>, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = Math.max(1, Math.min(opts.max ?? MAX_READ_CONCURRENCY, Math.floor(opts.concurrency ?? DEFAULT_READ_CONCURRENCY)));
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  let failure: { err: unknown } | undefined;
  const worker = async (): Promise<void> => {
    while (failure === undefined) {
      if (opts.signal?.aborted) {
        failure = { err: opts.signal.reason instanceof Error ? opts.signal.reason : new Error('cancelled') };
        return;
      }
      const i = next++;
      if (i >= items.length) return;
      try {
        const r = await fn(items[i]!, i);
        results[i] = r;
        done++;
        await opts.onResult?.(r, done, items.length);
      } catch (err) {
        failure ??= { err };
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  if (failure) throw failure.err;
  return results;
}
