import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { encodeQuery, listQuery, type ListParams, type QueryParams, type QueryValue } from '../../src/espo/query.js';

/** Decodes `a=b&c=d` the way PHP does (`+` is a space), into [key, value] pairs. */
function pairs(qs: string): Array<[string, string]> {
  if (qs === '') return [];
  return qs.split('&').map((p) => {
    const i = p.indexOf('=');
    const dec = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    return [dec(i < 0 ? p : p.slice(0, i)), dec(i < 0 ? '' : p.slice(i + 1))];
  });
}

/** An independent model of PHP's parse_str for bracketed keys: `[]` appends, `[k]` sets. */
function phpParse(qs: string): Record<string, unknown> {
  const root: Record<string, unknown> = {};
  for (const [key, value] of pairs(qs)) {
    const base = key.slice(0, key.indexOf('[') < 0 ? key.length : key.indexOf('['));
    const subs = [...key.slice(base.length).matchAll(/\[([^\]]*)\]/g)].map((m) => m[1] as string);
    let node: Record<string, unknown> = root;
    const path = [base, ...subs];
    path.forEach((k, i) => {
      const slot = k === '' ? String(Object.keys(node).length) : k;
      if (i === path.length - 1) node[slot] = value;
      else node = (node[slot] ??= {}) as Record<string, unknown>;
    });
  }
  return toArrays(root) as Record<string, unknown>;
}

/** PHP arrays with keys 0..n-1 are lists. */
function toArrays(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v;
  const entries = Object.entries(v as Record<string, unknown>).map(([k, x]) => [k, toArrays(x)] as const);
  const isList = entries.length > 0 && entries.every(([k], i) => k === String(i));
  return isList ? entries.map(([, x]) => x) : Object.fromEntries(entries);
}

/** What PHP ends up with for a given input: strings everywhere, no nulls, no empty containers. */
function expected(v: QueryValue): unknown {
  if (v === null || v === undefined) return undefined;
  if (Array.isArray(v)) {
    const items = v.map(expected).filter((x) => x !== undefined);
    return items.length ? items : undefined;
  }
  if (typeof v === 'object') {
    const entries = Object.entries(v).map(([k, x]) => [k, expected(x)] as const).filter(([, x]) => x !== undefined);
    return entries.length ? Object.fromEntries(entries) : undefined;
  }
  return String(v);
}

const recorded = readFileSync(new URL('../fixtures/recorded/exchanges.jsonl', import.meta.url), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as { name: string; path: string });
const recordedQuery = (name: string) => {
  const ex = recorded.find((e) => e.name === name);
  if (!ex) throw new Error(`no recorded exchange ${name}`);
  return ex.path.slice(ex.path.indexOf('?') + 1);
};

describe('encodeQuery', () => {
  it('encodes the where items EspoCRM parsed in the recorded exchanges, pair for pair', () => {
    const cases: Array<[string, QueryParams]> = [
      ['lead.list.where.equals.emailAddress', { where: [{ type: 'equals', attribute: 'emailAddress', value: 'john.doe@example.com' }], select: 'id,name,emailAddress' }],
      ['lead.list.where.equals.phoneNumber.formatted', { where: [{ type: 'equals', attribute: 'phoneNumber', value: '+1 (555) 010-0003' }], select: 'id,name,phoneNumber' }],
      ['lead.list.where.in.status', { where: [{ type: 'in', attribute: 'status', value: ['New', 'Assigned'] }], select: 'id,status', maxSize: 2 }],
      ['lead.list.where.and.nested', {
        where: [{ type: 'and', value: [{ type: 'equals', attribute: 'lastName', value: 'Smith' }, { type: 'isNotNull', attribute: 'emailAddress' }] }],
        select: 'id,name,emailAddress',
      }],
      ['lead.list.where.arrayAnyOf.multiEnum', { where: [{ type: 'arrayAnyOf', attribute: 'cMcpTags', value: ['gamma'] }], select: 'id,name,cMcpTags', maxSize: 3 }],
      ['lead.list.where.like.phone', { where: [{ type: 'like', attribute: 'phoneNumber', value: '%0100003' }], select: 'id,name,phoneNumber' }],
      ['lead.list.basic', { maxSize: 3, offset: 0, orderBy: 'createdAt', order: 'desc', select: 'id,name,emailAddress,phoneNumber,cMcpTier' }],
    ];
    for (const [name, params] of cases) {
      const ours = encodeQuery(params);
      expect(pairs(ours), name).toEqual(pairs(recordedQuery(name)));
      expect(phpParse(ours), name).toEqual(phpParse(recordedQuery(name)));
    }
  });

  it('uses [] for lists of scalars and indexes for lists of objects', () => {
    expect(pairs(encodeQuery({ a: ['x', 'y'] }))).toEqual([['a[]', 'x'], ['a[]', 'y']]);
    expect(pairs(encodeQuery({ a: [{ k: 1 }, { k: 2 }] }))).toEqual([['a[0][k]', '1'], ['a[1][k]', '2']]);
  });

  it('escapes what would break the query: & = # + % and spaces', () => {
    const q = encodeQuery({ where: [{ type: 'equals', attribute: 'name', value: 'A&B=C #1 +50% ok' }] });
    expect(q).not.toMatch(/[ #]/);
    expect(phpParse(q)).toEqual({ where: [{ type: 'equals', attribute: 'name', value: 'A&B=C #1 +50% ok' }] });
  });

  it('drops undefined, null and empty lists; writes booleans as true/false', () => {
    expect(encodeQuery({ a: undefined, b: null, c: [], d: true, e: false, f: 0 })).toBe('d=true&e=false&f=0');
  });

  it('refuses non-finite numbers', () => {
    expect(() => encodeQuery({ maxSize: Number.NaN })).toThrow(/NaN/);
  });

  it('round-trips through a PHP-style parser for arbitrary nested params', () => {
    const key = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_]{0,7}$/);
    const scalar = fc.oneof(fc.string({ maxLength: 12 }), fc.integer(), fc.boolean());
    const value = fc.letrec<{ v: QueryValue }>((tie) => ({
      v: fc.oneof(
        { depthSize: 'small' },
        scalar,
        fc.array(scalar, { maxLength: 4 }),
        fc.array(fc.dictionary(key, tie('v'), { maxKeys: 3 }), { maxLength: 3 }),
        fc.dictionary(key, tie('v'), { maxKeys: 3 }),
      ),
    })).v;
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 4 }), (params) => {
        const want = expected(params) ?? {};
        expect(phpParse(encodeQuery(params))).toEqual(want);
      }),
      { numRuns: 300 },
    );
  });
});

describe('listQuery', () => {
  it('joins select with commas and carries where, order and paging', () => {
    const params: ListParams = {
      maxSize: 50, offset: 100, select: ['id', 'name'], orderBy: 'createdAt', order: 'asc', textFilter: 'Parker',
      where: [{ type: 'in', attribute: 'status', value: ['New'] }],
    };
    expect(phpParse(encodeQuery(listQuery(params)))).toEqual({
      maxSize: '50', offset: '100', select: 'id,name', orderBy: 'createdAt', order: 'asc', textFilter: 'Parker',
      where: [{ type: 'in', attribute: 'status', value: ['New'] }],
    });
  });

  it('leaves out what is not given', () => {
    expect(encodeQuery(listQuery({ maxSize: 0 }))).toBe('maxSize=0');
    expect(encodeQuery(listQuery({ select: [] }))).toBe('');
  });
});
