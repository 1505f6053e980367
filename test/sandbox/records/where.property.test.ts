import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { RecordStore } from '../../../src/sandbox/records/index.js';
import type { EntityCatalog, EntityDefs, Json, RecordAttributes } from '../../../src/sandbox/types.js';

const catalog: EntityCatalog = {
  entityDefs: (entityType: string): EntityDefs | undefined =>
    entityType === 'Item'
      ? {
          fields: {
            name: { type: 'varchar' },
            kind: { type: 'enum', options: ['', 'a', 'b', 'c'] },
            score: { type: 'int' },
            tags: { type: 'multiEnum', options: ['x', 'y', 'z'] },
            emailAddress: { type: 'email' },
            createdAt: { type: 'datetime', readOnly: true },
          },
          collection: { orderBy: 'createdAt', order: 'desc' },
        }
      : undefined,
  scope: () => ({ entity: true }),
};

const names = ['Alpha', 'alpha', 'Béta', 'beta', 'Gamma', ''] as const;
const kinds = ['a', 'b', 'c'] as const;
const emails = ['a@x.example', 'A@X.example', 'b@y.example'] as const;

const rowArb = fc.record({
  name: fc.option(fc.constantFrom(...names)),
  kind: fc.option(fc.constantFrom(...kinds)),
  score: fc.option(fc.integer({ min: -3, max: 3 })),
  tags: fc.option(fc.subarray(['x', 'y', 'z'])),
  email: fc.option(fc.constantFrom(...emails)),
});
const rowsArb = fc.array(rowArb, { maxLength: 40 });

type Item = Record<string, unknown>;
const leafArb: fc.Arbitrary<Item> = fc.oneof(
  fc.record({ type: fc.constantFrom('equals', 'notEquals', 'startsWith', 'contains', 'like', 'notLike'), attribute: fc.constant('name'), value: fc.constantFrom(...names, 'al%', 'a') }),
  fc.record({ type: fc.constantFrom('equals', 'notEquals'), attribute: fc.constantFrom('kind', 'emailAddress'), value: fc.constantFrom(...kinds, ...emails) }),
  fc.record({ type: fc.constantFrom('in', 'notIn'), attribute: fc.constantFrom('kind', 'name'), value: fc.subarray([...kinds, ...names], { minLength: 1 }) }),
  fc.record({ type: fc.constantFrom('greaterThan', 'lessThan', 'greaterThanOrEquals', 'lessThanOrEquals'), attribute: fc.constant('score'), value: fc.integer({ min: -3, max: 3 }) }),
  fc.record({ type: fc.constantFrom('isNull', 'isNotNull'), attribute: fc.constantFrom('name', 'kind', 'score', 'emailAddress') }),
  fc.record({ type: fc.constantFrom('arrayAnyOf', 'arrayNoneOf', 'arrayAllOf'), attribute: fc.constant('tags'), value: fc.subarray(['x', 'y', 'z'], { minLength: 1 }) }),
  fc.record({ type: fc.constantFrom('arrayIsEmpty', 'arrayIsNotEmpty'), attribute: fc.constant('tags') }),
);
const itemArb: fc.Arbitrary<Item> = fc.letrec<{ item: Item }>((tie) => ({
  item: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    leafArb,
    fc.record({ type: fc.constantFrom('and', 'or', 'not'), value: fc.array(tie('item'), { minLength: 1, maxLength: 3 }) }),
  ),
})).item;

function load(rows: Array<Record<string, unknown>>): { store: RecordStore; all: Set<string> } {
  const store = new RecordStore(catalog);
  const records: RecordAttributes[] = rows.map((r, i) => ({
    id: `r${String(i).padStart(3, '0')}`,
    name: (r.name ?? null) as Json,
    kind: (r.kind ?? null) as Json,
    score: (r.score ?? null) as Json,
    tags: (r.tags ?? null) as Json,
    emailAddress: (r.email ?? null) as Json,
    createdAt: `2026-01-01 00:00:${String(i % 60).padStart(2, '0')}`,
  }));
  store.insert('Item', records);
  return { store, all: new Set(records.map((r) => String(r.id))) };
}

function matching(store: RecordStore, where: Item[]): Set<string> {
  const query = new URLSearchParams({ searchParams: JSON.stringify({ where, maxSize: 200, select: ['id'] }) });
  return new Set(store.list('Item', query, { noTotal: false, isAdmin: true }).list.map((r) => String(r.id)));
}

const sorted = (s: Set<string>) => [...s].sort();

describe('where evaluator properties', () => {
  it('not(x) is the complement of x', () => {
    fc.assert(
      fc.property(rowsArb, itemArb, (rows, item) => {
        const { store, all } = load(rows);
        const yes = matching(store, [item]);
        const no = matching(store, [{ type: 'not', value: [item] }]);
        expect([...yes].filter((id) => no.has(id))).toEqual([]);
        expect(sorted(new Set([...yes, ...no]))).toEqual(sorted(all));
      }),
      { numRuns: 150 },
    );
  });

  it('in equals an or of equals, and notIn is its complement among non-null values', () => {
    fc.assert(
      fc.property(rowsArb, fc.constantFrom('kind', 'name'), fc.subarray([...kinds, ...names], { minLength: 1 }), (rows, attribute, values) => {
        const { store } = load(rows);
        const viaIn = matching(store, [{ type: 'in', attribute, value: values }]);
        const viaOr = matching(store, [{ type: 'or', value: values.map((value) => ({ type: 'equals', attribute, value })) }]);
        expect(sorted(viaIn)).toEqual(sorted(viaOr));
        const notIn = matching(store, [{ type: 'notIn', attribute, value: values }]);
        const notNull = matching(store, [{ type: 'isNotNull', attribute }]);
        expect(sorted(new Set([...viaIn, ...notIn]))).toEqual(sorted(notNull));
      }),
      { numRuns: 150 },
    );
  });

  it('a list of items is their intersection, or is their union', () => {
    fc.assert(
      fc.property(rowsArb, itemArb, itemArb, (rows, x, y) => {
        const { store } = load(rows);
        const a = matching(store, [x]);
        const b = matching(store, [y]);
        expect(sorted(matching(store, [x, y]))).toEqual(sorted(new Set([...a].filter((id) => b.has(id)))));
        expect(sorted(matching(store, [{ type: 'or', value: [x, y] }]))).toEqual(sorted(new Set([...a, ...b])));
      }),
      { numRuns: 100 },
    );
  });

  it('pages concatenate to the full ordered result', () => {
    fc.assert(
      fc.property(rowsArb, itemArb, fc.integer({ min: 1, max: 7 }), fc.constantFrom('name', 'score', 'kind', 'createdAt'), fc.constantFrom('asc', 'desc'), (rows, item, size, orderBy, order) => {
        const { store } = load(rows);
        const page = (offset: number, maxSize: number) =>
          store
            .list('Item', new URLSearchParams({ searchParams: JSON.stringify({ where: [item], offset, maxSize, orderBy, order }) }), { noTotal: false, isAdmin: true })
            .list.map((r) => r.id);
        const full = page(0, 200);
        const pieces: unknown[] = [];
        for (let offset = 0; offset < full.length; offset += size) pieces.push(...page(offset, size));
        expect(pieces).toEqual(full);
      }),
      { numRuns: 80 },
    );
  });
});
