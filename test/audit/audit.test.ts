import { describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, appendFileSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { AuditLog, newChangeId, scrubArgs } from '../../src/audit/log.js';

const dir = () => mkdtempSync(path.join(os.tmpdir(), 'audit-'));

describe('audit log', () => {
  it('appends one JSON line per entry, mode 0600, and finds changes by id', () => {
    const file = path.join(dir(), 'audit.jsonl');
    const log = new AuditLog(file);
    const id = newChangeId();
    log.append({ tenant: 't', principal: 'local', tool: 'edit_layout', args: { entity: 'Lead' }, outcome: 'dry_run' });
    log.append({ changeId: id, tenant: 't', principal: 'local', tool: 'edit_layout', args: {}, outcome: 'applied', change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [1], after: [2] } });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(log.findChange(id)?.change?.before).toEqual([1]);
    expect(log.isUndone(id)).toBe(false);
    log.append({ tenant: 't', principal: 'local', tool: 'undo_change', args: { changeId: id }, outcome: 'applied', change: { kind: 'undo', entity: 'Lead', before: [2], after: [1], undoes: id } });
    expect(log.isUndone(id)).toBe(true);
  });

  it('skips a torn last line and keeps reading', () => {
    const file = path.join(dir(), 'audit.jsonl');
    const log = new AuditLog(file);
    log.append({ tenant: 't', principal: 'p', tool: 'x', args: {}, outcome: 'applied' });
    log.close();
    appendFileSync(file, '{"ts":"2026-');
    expect(new AuditLog(file).read()).toHaveLength(1);
  });

  it('rotates past the size bound and still reads old entries', () => {
    const file = path.join(dir(), 'audit.jsonl');
    const log = new AuditLog(file, { maxBytes: 500, keep: 2 });
    for (let i = 0; i < 20; i++) log.append({ tenant: 't', principal: 'p', tool: 'x', args: { i }, outcome: 'applied' });
    expect(statSync(file).size).toBeLessThan(1000);
    const entries = log.read();
    expect(entries.length).toBeGreaterThan(2);
    expect(entries.length).toBeLessThan(20);
    expect(entries.at(-1)?.args).toEqual({ i: 19 });
  });

  it('removes secret-looking arguments and shortens confirm tokens', () => {
    expect(scrubArgs({ password: 'x', apiKey: 'y', confirm: 'abcdefghijklmnop', entity: 'Lead' })).toEqual({
      password: '[removed]',
      apiKey: '[removed]',
      confirm: 'abcdefgh…',
      entity: 'Lead',
    });
  });
});
