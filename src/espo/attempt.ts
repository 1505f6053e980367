/**
 * One request as the EspoCRM client sends it (`Attempt`), and the abort plumbing shared by the
 * client, its session and its transport: why a signal fired, abortable waits and races.
 */
import type { HttpMethod } from './types.js';

/** Why a request's signal fired: the caller cancelled, or the request's deadline passed. */
export class AbortReason extends Error {
  constructor(readonly kind: 'cancelled' | 'deadline') {
    super(kind);
    this.name = 'AbortError';
  }
}

export interface Attempt {
  method: HttpMethod;
  /** Path after the API base, without leading slash or query. */
  path: string;
  /** Full path on the origin, with the query. */
  wirePath: string;
  body: string | undefined;
  extraHeaders: Record<string, string>;
  signal: AbortSignal;
  deadlineMs: number;
  /** The caller's own `timeoutMs`, which may exceed the default headers timeout (rebuild). */
  requestTimeoutMs: number | undefined;
  /** A 2xx answer's body is returned as text, unparsed. */
  responseText: boolean;
}

export type RetryPolicy = 'idempotent' | 'beforeSendOnly';

/** True when the signal fired because the request's deadline passed (not a caller's cancel). */
export function isDeadline(signal: AbortSignal): boolean {
  return signal.reason instanceof AbortReason && signal.reason.kind === 'deadline';
}

/** A timer that aborts `controller` with a deadline reason after `ms`; does not keep the process up. */
export function deadlineTimer(controller: AbortController, ms: number): ReturnType<typeof setTimeout> {
  const timer = setTimeout(() => controller.abort(new AbortReason('deadline')), ms);
  timer.unref?.();
  return timer;
}

export function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason);
    const onAbort = () => {
      clearTimeout(timer);
      reject(signal.reason);
    };
    const timer = setTimeout(() => {
      signal.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal.addEventListener('abort', onAbort, { once: true });
  });
}

/** Awaits a shared promise, but lets one caller give up on its own signal. */
export function raceAbort<T>(p: Promise<T>, signal: AbortSignal, onAbort: () => Error): Promise<T> {
  if (signal.aborted) return Promise.reject(onAbort());
  return new Promise<T>((resolve, reject) => {
    const abort = () => reject(onAbort());
    signal.addEventListener('abort', abort, { once: true });
    p.then(
      (v) => { signal.removeEventListener('abort', abort); resolve(v); },
      (e: unknown) => { signal.removeEventListener('abort', abort); reject(e); },
    );
  });
}
