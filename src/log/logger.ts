import { pino, type Logger } from 'pino';

/**
 * Operator logs. stdout belongs to the stdio transport, so pino writes to fd 2 only.
 * Secrets are kept out by construction (the client never logs headers or bodies); the redact list is
 * a second line of defence for objects that carry credential-shaped keys.
 */
const REDACT_PATHS = [
  'apiKey', '*.apiKey', 'password', '*.password', 'secret', '*.secret', 'token', '*.token',
  'hmacSecret', '*.hmacSecret', 'authorization', '*.authorization', 'headers', '*.headers',
  'admin.password', 'tenant.admin.password',
];

export function createLogger(opts: { level?: string; name?: string } = {}): Logger {
  return pino(
    {
      name: opts.name ?? 'espocrm-admin-mcp',
      level: opts.level ?? process.env.LOG_LEVEL ?? 'info',
      redact: { paths: REDACT_PATHS, censor: '[REDACTED]' },
      base: { pid: process.pid },
    },
    pino.destination({ dest: 2, sync: true }),
  );
}

/** A logger that drops everything, for library use in tests and the demo's quiet parts. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' });
}

export type { Logger };
