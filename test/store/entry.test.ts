/**
 * What an audit line may hold (src/store/entry.ts): secret-looking arguments dropped, confirm tokens
 * shortened, every argument bounded whatever a caller sends; notes bounded; JSON Lines that any reader
 * splits into the right lines; change ids undo_change accepts.
 */
import { createHash } from 'node:crypto';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { boundArgs, boundNote, jsonLine, MAX_ARG_ITEMS, MAX_ARG_TEXT, MAX_ARGS_BYTES, MAX_NOTE, newChangeId, scrubArgs } from '../../src/store/entry.js';

const sha16 = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);
const bytes = (v: unknown) => Buffer.byteLength(JSON.stringify(v));
/** The change id undo_change accepts (src/tools/undo_change.ts). */
const CHANGE_ID = /^chg_[a-z0-9]+_[a-f0-9]{8}$/;

describe('scrubArgs', () => {
  it('removes secret-looking arguments, whatever their case or spelling', () => {
    const secrets = ['password', 'Password', 'pass', 'newPassword', 'secret', 'clientSecret', 'token', 'accessToken', 'apiKey', 'api_key', 'api-key', 'APIKEY', 'authorization', 'Cookie'];
    const args = Object.fromEntries(secrets.map((k) => [k, `value-of-${k}`]));
    const out = scrubArgs({ ...args, entity: 'Lead', count: 3 });
    for (const k of secrets) expect(out[k], k).toBe('[removed]');
    expect(out.entity).toBe('Lead');
    expect(out.count).toBe(3);
    expect(JSON.stringify(out)).not.toContain('value-of-');
  });

  it('removes a secret whatever its value type', () => {
    expect(scrubArgs({ password: { nested: 'x' }, token: 42, apiKey: null })).toEqual({ password: '[removed]', token: '[removed]', apiKey: '[removed]' });
  });

  it('shortens a confirm token to its first 8 characters', () => {
    expect(scrubArgs({ confirm: 'abcdefghijklmnopqrstuvwxyz' }).confirm).toBe('abcdefgh…');
    expect(scrubArgs({ confirm: 'abc' }).confirm).toBe('abc…');
  });

  it('keeps other arguments as they are and leaves its input alone', () => {
    const list = [1, 2, 3];
    const input = { entity: 'Lead', list, password: 'p' };
    const out = scrubArgs(input);
    expect(out.list).toEqual(list);
    expect(input.password).toBe('p');
    expect(Object.keys(out)).toEqual(['entity', 'list', 'password']);
  });

  it('removes secret-looking keys at any depth (a nested admin password is removed too)', () => {
    const input = { tenant: 'acme', admin: { username: 'a', password: 'hunter2' }, list: [{ apiKey: 'k', name: 'n' }] };
    expect(scrubArgs(input)).toEqual({ tenant: 'acme', admin: { username: 'a', password: '[removed]' }, list: [{ apiKey: '[removed]', name: 'n' }] });
    expect(input.admin.password).toBe('hunter2');
  });
});

describe('boundNote', () => {
  it('keeps short notes, bounds long ones saying how much went', () => {
    expect(boundNote(undefined)).toBeUndefined();
    expect(boundNote('')).toBe('');
    const exact = 'n'.repeat(MAX_NOTE);
    expect(boundNote(exact)).toBe(exact);
    const long = `${'n'.repeat(MAX_NOTE)}${'m'.repeat(500)}`;
    expect(boundNote(long)).toBe(`${'n'.repeat(MAX_NOTE)}… [500 more characters]`);
  });

  it('bounds any text', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 6000, unit: 'binary' }), (s) => {
        const out = boundNote(s)!;
        expect(out.length).toBeLessThanOrEqual(MAX_NOTE + 40);
        expect(out.startsWith(s.slice(0, MAX_NOTE))).toBe(true);
        if (s.length <= MAX_NOTE) expect(out).toBe(s);
      }),
    );
  });
});

describe('boundArgs', () => {
  it('keeps small arguments as they are', () => {
    const args = { entity: 'Lead', layout: 'list', operations: [{ op: 'add_field', field: 'cTier', after: 'status' }], dryRun: true, n: null };
    expect(boundArgs(args)).toEqual(args);
  });

  it('truncates a long text keeping its length and hash', () => {
    expect(boundArgs({ s: 'a'.repeat(MAX_ARG_TEXT) }).s).toBe('a'.repeat(MAX_ARG_TEXT));
    const text = `${'b'.repeat(4 * 1024 * 1024)}tail`;
    const out = boundArgs({ s: text }).s as string;
    expect(out.startsWith('b'.repeat(200))).toBe(true);
    expect(out).toContain(`${text.length} characters`);
    expect(out).toContain(`sha256 ${sha16(text)}`);
    expect(out.length).toBeLessThan(300);
  });

  it('cuts a long list, saying how many items went', () => {
    const out = boundArgs({ list: Array.from({ length: 10_000 }, (_, i) => i) }).list as unknown[];
    expect(out).toHaveLength(MAX_ARG_ITEMS + 1);
    expect(out.slice(0, MAX_ARG_ITEMS)).toEqual(Array.from({ length: MAX_ARG_ITEMS }, (_, i) => i));
    expect(out.at(-1)).toBe(`[… ${10_000 - MAX_ARG_ITEMS} more items]`);
    expect(boundArgs({ list: Array.from({ length: MAX_ARG_ITEMS }, (_, i) => i) }).list).toHaveLength(MAX_ARG_ITEMS);
  });

  it('cuts an object with many keys, and truncates long keys', () => {
    const many = Object.fromEntries(Array.from({ length: 80 }, (_, i) => [`k${i}`, i]));
    const out = boundArgs({ many }).many as Record<string, unknown>;
    expect(Object.keys(out)).toHaveLength(MAX_ARG_ITEMS + 1);
    expect(out['…']).toBe(`${80 - MAX_ARG_ITEMS} more keys`);
    const longKey = 'K'.repeat(5000);
    const keys = Object.keys(boundArgs({ o: { [longKey]: 1 } }).o as object);
    expect(keys[0]!.length).toBeLessThan(300);
    expect(keys[0]).toContain(`sha256 ${sha16(longKey)}`);
  });

  it('summarises values nested past six levels with their size and hash', () => {
    const bottom = { g: [1, 2, 3] };
    const args = { a: { b: { c: { d: { e: { f: bottom } } } } } };
    const out = boundArgs(args) as { a: { b: { c: { d: { e: { f: unknown } } } } } };
    const json = JSON.stringify(bottom);
    expect(out.a.b.c.d.e.f).toBe(`[nested value: ${json.length} characters, sha256 ${sha16(json)}]`);
    // One level less is kept as it is.
    expect(boundArgs({ a: { b: { c: { d: { e: 'kept' } } } } })).toEqual({ a: { b: { c: { d: { e: 'kept' } } } } });
  });

  it('scrubs before bounding: secrets removed, confirm shortened', () => {
    const out = boundArgs({ password: 'x'.repeat(10_000), confirm: 'c'.repeat(64), apiKey: 'k', entity: 'Lead' });
    expect(out).toEqual({ password: '[removed]', confirm: 'cccccccc…', apiKey: '[removed]', entity: 'Lead' });
  });

  it('replaces arguments that stay too big once bounded by their size, hash and keys', () => {
    const args = Object.fromEntries(Array.from({ length: 40 }, (_, i) => [`key${i}`, 'v'.repeat(1000)]));
    const out = boundArgs(args);
    const full = JSON.stringify(args);
    expect(out).toEqual({ '[truncated]': `${Buffer.byteLength(full)} bytes of arguments, sha256 ${sha16(full)}`, keys: Object.keys(args) });
    expect(bytes(out)).toBeLessThanOrEqual(MAX_ARGS_BYTES);
  });

  it('takes anything for arguments: not an object gives {}', () => {
    for (const v of [null, undefined, 'text', 42, [1, 2]]) expect(boundArgs(v as never)).toEqual({});
  });

  it('stays within 8 KB when the keys themselves are long (50 keys of 200 characters, 500-character values)', () => {
    const args = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padEnd(200, 'k'), 'v'.repeat(500)]));
    expect(bytes(boundArgs(args))).toBeLessThanOrEqual(MAX_ARGS_BYTES);
  });

  it('stays within 8 KB when keys of 100 characters are not ASCII', () => {
    const args = Object.fromEntries(Array.from({ length: 50 }, (_, i) => [`${i}`.padEnd(100, '鍵'), 'v'.repeat(500)]));
    expect(bytes(boundArgs(args))).toBeLessThanOrEqual(MAX_ARGS_BYTES);
  });

  it('bounds a value nested 10,000 levels deep (JSON.parse reads it; JSON.stringify overflows the stack on it)', () => {
    const text = `{"operations":[{"op":"add_field","field":${'['.repeat(10_000)}${']'.repeat(10_000)}}]}`;
    const args = JSON.parse(text) as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    expect(() => (out = boundArgs(args))).not.toThrow();
    expect(bytes(out)).toBeLessThanOrEqual(MAX_ARGS_BYTES);
  });

  // Keys from a small alphabet (so objects have several), or long and not ASCII; texts short or past the
  // text bound; lists up to past the item bound; nesting past the depth bound: every branch of bound().
  const key = fc.oneof(
    fc.string({ maxLength: 3, unit: fc.constantFrom('a', 'b', 'c', 'password', 'confirm') }),
    fc.string({ minLength: 90, maxLength: 300, unit: fc.constantFrom('k', 'é', '鍵', '😀', '\u0001', '"') }),
  );
  const longText = fc.integer({ min: MAX_ARG_TEXT - 5, max: MAX_ARG_TEXT * 2 }).chain((n) => fc.constantFrom('x', '€', '\u2028', '\\').map((c) => c.repeat(n)));
  const text = fc.oneof(fc.string({ maxLength: 20 }), longText);
  const { json } = fc.letrec<{ json: unknown }>((tie) => ({
    json: fc.oneof(
      { maxDepth: 8, depthSize: 'small' },
      fc.constantFrom(null, true, false, 0, -1.5, 1e21),
      text,
      fc.array(tie('json'), { maxLength: 60 }),
      fc.dictionary(key, tie('json'), { maxKeys: 60 }),
    ),
  }));
  const args = fc.dictionary(key, json, { maxKeys: 70, size: 'max' });

  it('property: any JSON arguments give at most MAX_ARGS_BYTES of JSON, never a secret', () => {
    fc.assert(
      fc.property(args, (a) => {
        const out = boundArgs(a);
        const outJson = JSON.stringify(out);
        expect(Buffer.byteLength(outJson)).toBeLessThanOrEqual(MAX_ARGS_BYTES);
        if (typeof a.password === 'string' && a.password.length > 3) expect(outJson).not.toContain(JSON.stringify(a.password).slice(1, -1));
      }),
      { numRuns: 200, interruptAfterTimeLimit: 5_000 },
    );
  });

  it('property: any JSON value of usual shapes (fast-check jsonValue) gives at most MAX_ARGS_BYTES', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue({ maxDepth: 8 }), { maxKeys: 60 }), (a) => {
        expect(bytes(boundArgs(a))).toBeLessThanOrEqual(MAX_ARGS_BYTES);
      }),
      { numRuns: 300 },
    );
  });
});

describe('jsonLine', () => {
  it('escapes U+2028, U+2029 and U+0085, and parses back to the same value', () => {
    const value = { label: 'a\u2028b\u2029c\u0085d', list: ['\u2028'], nested: { '\u2029key': '\u0085' } };
    const line = jsonLine(value);
    expect(line).not.toMatch(/[\u2028\u2029\u0085\n\r]/);
    expect(line).toContain('a\\u2028b\\u2029c\\u0085d');
    expect(line).toContain('"\\u2029key"');
    expect(JSON.parse(line)).toEqual(value);
  });

  it('is JSON.stringify elsewhere', () => {
    const value = { a: 'é 😀 "q" \\ \n \t', n: [1, null, true] };
    expect(jsonLine(value)).toBe(JSON.stringify(value));
  });

  it('property: one line, no raw separator, JSON.parse gives the value back', () => {
    const unit = fc.constantFrom('a', ' ', '\u2028', '\u2029', '\u0085', '\n', '\r', '"', '\\', 'é', '😀', '\u0000', '\\u2028');
    const value = fc.jsonValue({ maxDepth: 4 }).chain((v) => fc.tuple(fc.constant(v), fc.string({ unit, maxLength: 40 })));
    fc.assert(
      fc.property(value, ([v, s]) => {
        const input = { v, s, [s]: s };
        const line = jsonLine(input);
        expect(line).not.toMatch(/[\u2028\u2029\u0085\n\r]/);
        expect(JSON.parse(line)).toEqual(JSON.parse(JSON.stringify(input)));
        // Split as a reader that treats every Unicode line break as a line end: still one line.
        expect(line.split(/\r\n|[\n\r\u2028\u2029\u0085]/)).toHaveLength(1);
      }),
      { numRuns: 500 },
    );
  });
});

describe('newChangeId', () => {
  it('looks like what undo_change accepts, carries the time, and does not repeat', () => {
    const before = Date.now();
    const ids = Array.from({ length: 2000 }, () => newChangeId());
    const after = Date.now();
    for (const id of ids) expect(id).toMatch(CHANGE_ID);
    expect(new Set(ids).size).toBe(ids.length);
    const t = parseInt(ids[0]!.split('_')[1]!, 36);
    expect(t).toBeGreaterThanOrEqual(before);
    expect(t).toBeLessThanOrEqual(after);
  });
});
