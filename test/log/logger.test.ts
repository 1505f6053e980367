/**
 * The logger stand-in of src/log/logger.ts: pino is loaded by the first line actually written, and what
 * is written is what pino writes (level, name, pid, bindings of children, redaction); lines below the
 * level are dropped without loading it; a wrong level is refused at creation.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, LEVELS, pinoLoaded, silentLogger } from '../../src/log/logger.js';

function sink() {
  const lines: Array<Record<string, unknown>> = [];
  return { lines, destination: { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) } };
}

describe('createLogger', () => {
  it('loads pino on the first line written, not before, and writes what pino writes', () => {
    const { lines, destination } = sink();
    const log = createLogger({ level: 'warn', destination });
    const child = log.child({ component: 'test' });
    log.info({ a: 1 }, 'dropped');
    log.debug('dropped too');
    child.info('dropped as well');
    silentLogger().error('nothing');
    expect(log.level).toBe('warn');
    expect(log.isLevelEnabled('info')).toBe(false);
    expect(log.isLevelEnabled('error')).toBe(true);
    expect(pinoLoaded()).toBe(false);
    expect(lines).toEqual([]);

    child.warn({ apiKey: 'sk-live-123', tenant: { admin: { password: 'pw' } } }, 'written');
    expect(pinoLoaded()).toBe(true);
    log.error(new Error('boom'), 'failed');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: LEVELS.warn, name: 'espocrm-admin-mcp', pid: process.pid, component: 'test', apiKey: '[REDACTED]', msg: 'written' });
    expect(JSON.stringify(lines[0])).not.toContain('sk-live-123');
    expect(JSON.stringify(lines[0])).not.toContain('"pw"');
    expect(lines[1]).toMatchObject({ level: LEVELS.error, msg: 'failed', err: { message: 'boom' } });
    expect(lines[1]).not.toHaveProperty('component');
  });

  it('follows a level set later, before and after pino is loaded', () => {
    const { lines, destination } = sink();
    const log = createLogger({ level: 'error', destination });
    log.warn('dropped');
    log.level = 'debug';
    log.debug('kept');
    log.level = 'fatal';
    log.error('dropped again');
    log.fatal('kept too');
    expect(lines.map((l) => l.msg)).toEqual(['kept', 'kept too']);
    expect(log.level).toBe('fatal');
    expect(() => {
      log.level = 'loud';
    }).toThrow(/unknown level loud/);
  });

  it('gives a child its own level and its parent\'s bindings', () => {
    const { lines, destination } = sink();
    const log = createLogger({ level: 'info', destination }).child({ tenant: 'a' });
    const quiet = log.child({ op: 'x' }, { level: 'error' });
    quiet.warn('dropped');
    quiet.error('kept');
    log.info('kept');
    expect(lines.map((l) => [l.msg, l.tenant, l.op])).toEqual([['kept', 'a', 'x'], ['kept', 'a', undefined]]);
  });

  it('makes children of a logger already written to, with their bindings and its level at the time', () => {
    const { lines, destination } = sink();
    const log = createLogger({ level: 'info', destination });
    log.info('first');
    const child = log.child({ request: 7 });
    log.level = 'error';
    const later = log.child({ request: 8 });
    child.info('kept: the child has the level its parent had when it was made');
    later.info('dropped');
    later.error('kept');
    expect(lines.map((l) => [l.msg, l.request])).toEqual([
      ['first', undefined],
      ['kept: the child has the level its parent had when it was made', 7],
      ['kept', 8],
    ]);
  });

  it('refuses an unknown level at creation, saying which ones exist', () => {
    expect(() => createLogger({ level: 'verbose' })).toThrow(/unknown level verbose: LOG_LEVEL takes trace, debug, info, warn, error, fatal, silent/);
  });
});
