import { createRequire } from 'node:module';
import type { DestinationStream, Logger, LoggerOptions } from 'pino';

/**
 * Operator logs. stdout belongs to the stdio transport, so pino writes to fd 2 only.
 * Secrets are kept out by construction (the client never logs headers or bodies); the redact list is
 * a second line of defence for objects that carry credential-shaped keys.
 *
 * pino itself (and its twenty modules) is loaded by the first line actually written: a server whose
 * start writes nothing at its level (or writes its first line once the requests already waiting are
 * answered: `afterPending`) starts without it. Until then a logger is a small stand-in that knows its
 * level, makes children that are stand-ins too, and drops what its level drops, as pino would.
 */
const REDACT_PATHS = [
  'apiKey', '*.apiKey', 'password', '*.password', 'secret', '*.secret', 'token', '*.token',
  'hmacSecret', '*.hmacSecret', 'authorization', '*.authorization', 'headers', '*.headers',
  'admin.password', 'tenant.admin.password',
];

/** pino's levels and their numbers (`silent` drops everything). */
export const LEVELS: Readonly<Record<string, number>> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60, silent: Infinity };
const METHODS = new Set(['trace', 'debug', 'info', 'warn', 'error', 'fatal']);

type Pino = typeof import('pino');
let pinoModule: Pino | undefined;
function loadPino(): Pino {
  return (pinoModule ??= createRequire(import.meta.url)('pino') as Pino);
}

function checkLevel(level: string): string {
  // As pino says it, but at creation (the stand-in would otherwise fail at its first line).
  if (!Object.hasOwn(LEVELS, level)) throw new Error(`unknown level ${level}: LOG_LEVEL takes ${Object.keys(LEVELS).join(', ')}`);
  return level;
}

/**
 * A pino Logger created on first real use. Level methods below the level do nothing without loading
 * pino; `child` returns another stand-in (also once the parent is created); anything else (bindings,
 * flush, ...) creates the logger.
 */
function lazyLogger(make: () => Logger, initialLevel: string): Logger {
  let real: Logger | undefined;
  let level = initialLevel;
  const cache = new Map<string | symbol, unknown>();
  const materialize = (): Logger => {
    if (real === undefined) {
      real = make();
      if (real.level !== level) real.level = level;
      cache.clear();
    }
    return real;
  };
  const forward = (prop: string | symbol): unknown => {
    const r = materialize();
    const v = (r as unknown as Record<string | symbol, unknown>)[prop];
    return typeof v === 'function' ? (v as (...a: unknown[]) => unknown).bind(r) : v;
  };
  return new Proxy({} as Logger, {
    get(_t, prop) {
      if (prop === 'level') return real?.level ?? level;
      if (cache.has(prop)) return cache.get(prop);
      let value: unknown;
      if (prop === 'child') {
        // Children stay stand-ins even once pino is loaded: most (one per request or call) never write.
        value = (bindings: Record<string, unknown>, options?: { level?: string }) =>
          lazyLogger(() => materialize().child(bindings, options), options?.level !== undefined ? checkLevel(options.level) : (real?.level ?? level));
      } else if (real !== undefined) {
        value = forward(prop);
        if (typeof value !== 'function') return value;
      } else if (typeof prop === 'string' && METHODS.has(prop)) {
        const enabled = LEVELS[prop]! >= LEVELS[level]!;
        value = enabled ? (...args: unknown[]) => (materialize() as unknown as Record<string, (...a: unknown[]) => void>)[prop]!(...args) : () => undefined;
      } else if (prop === 'isLevelEnabled') {
        value = (l: string) => l !== 'silent' && LEVELS[l] !== undefined && LEVELS[l] >= LEVELS[level]!;
      } else if (prop === 'then' || typeof prop === 'symbol') {
        return undefined;
      } else {
        return forward(prop);
      }
      cache.set(prop, value);
      return value;
    },
    set(_t, prop, value) {
      if (prop === 'level') {
        level = checkLevel(String(value));
        cache.clear();
        if (real !== undefined) real.level = level;
        return true;
      }
      (materialize() as unknown as Record<string | symbol, unknown>)[prop] = value;
      return true;
    },
  });
}

export interface CreateLoggerOptions {
  level?: string;
  name?: string;
  /** Where lines go (tests): fd 2, synchronously, unless given. */
  destination?: DestinationStream;
}

export function createLogger(opts: CreateLoggerOptions = {}): Logger {
  const level = checkLevel(opts.level ?? process.env.LOG_LEVEL ?? 'info');
  const options: LoggerOptions = {
    name: opts.name ?? 'espocrm-admin-mcp',
    level,
    redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
    base: { pid: process.pid },
  };
  return lazyLogger(() => {
    const { pino } = loadPino();
    return pino(options, opts.destination ?? pino.destination({ dest: 2, sync: true }));
  }, level);
}

/** A logger that drops everything, for library use in tests and the demo's quiet parts. */
export function silentLogger(): Logger {
  return lazyLogger(() => loadPino().pino({ level: 'silent' }), 'silent');
}

/** Whether pino has been loaded in this process (tests of the start path). */
export function pinoLoaded(): boolean {
  return pinoModule !== undefined;
}

export type { Logger };
