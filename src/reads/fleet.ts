/**
 * Reading many tenants a few at a time (fleet_drift, the drift resource, `drift`, the fleet bench):
 * at most `concurrency` tenants in flight, results in the order the tenants were given (configuration
 * order), progress as each one finishes. What is held at once is bounded by the concurrency: a
 * tenant's intermediate reads are dropped once its result (small) is built.
 */

export const DEFAULT_READ_CONCURRENCY = 8;
export const MAX_READ_CONCURRENCY = 32;

export interface FleetReadOptions<R> {
  /** Tenants read at once (default 8, at most 32). */
  concurrency?: number;
  /** Once aborted, no further tenant is started (those in flight see the same signal). */
  signal?: AbortSignal;
  /** Called as each tenant finishes (in the order they finish), with how many are done. */
  onResult?(result: R, done: number, total: number): void | Promise<void>;
}

/**
 * `fn` over every item, at most `concurrency` at once; `fn` must not throw (it turns its failures into
 * a result), else the first error is thrown once the workers in flight stop.
 */
export async function mapFleet<T, R>(items: readonly T[], opts: FleetReadOptions<R>, fn: (item: T, index: number) => Promise<R>): Promise<R[]> {
  const limit = Math.max(1, Math.min(MAX_READ_CONCURRENCY, Math.floor(opts.concurrency ?? DEFAULT_READ_CONCURRENCY)));
  const results = new Array<R>(items.length);
  let next = 0;
  let done = 0;
  const worker = async (): Promise<void> => {
    for (;;) {
      if (opts.signal?.aborted) throw opts.signal.reason instanceof Error ? opts.signal.reason : new Error('cancelled');
      const i = next++;
      if (i >= items.length) return;
      const r = await fn(items[i]!, i);
      results[i] = r;
      done++;
      await opts.onResult?.(r, done, items.length);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, () => worker()));
  return results;
}
