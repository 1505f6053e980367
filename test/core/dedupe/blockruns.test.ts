import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { BlockRuns } from '../../../src/core/dedupe/blockRuns.js';

/** Records in order, each with its distinct keys (as DuplicateIndex files them), and where merges happen. */
const scenario = fc.record({
  records: fc.array(fc.uniqueArray(fc.oneof(fc.integer({ min: 0, max: 12 }), fc.integer({ min: 0, max: 2 ** 30 - 1 })), { minLength: 0, maxLength: 4 }), { maxLength: 80 }),
  mergeAfter: fc.array(fc.boolean(), { maxLength: 80 }),
  maxBlockSize: fc.constantFrom(2, 3, 5, 100),
  reserve: fc.option(fc.integer({ min: 1, max: 500 }), { nil: undefined }),
});

describe('BlockRuns', () => {
  it('pairs every two records of a block that stays within the cap, only records that share a key, and knows which blocks live', () => {
    fc.assert(
      fc.property(scenario, ({ records, mergeAfter, maxBlockSize, reserve }) => {
        const runs = new BlockRuns(maxBlockSize);
        if (reserve !== undefined) runs.reserve(reserve);
        const met = new Set<string>();
        const pair = (a: number, b: number): void => {
          expect(a).not.toBe(b);
          met.add(a < b ? `${a}|${b}` : `${b}|${a}`);
        };
        records.forEach((keys, rec) => {
          for (const k of keys) runs.add(k, rec);
          if (mergeAfter[rec]) runs.merge(pair);
        });
        runs.merge(pair);

        const members = new Map<number, number[]>();
        records.forEach((keys, rec) => keys.forEach((k) => members.set(k, [...(members.get(k) ?? []), rec])));
        const keysOf = records.map((keys) => new Set(keys));
        // Sound: two records met only through a key they share.
        for (const p of met) {
          const [a, b] = p.split('|').map(Number) as [number, number];
          expect([...keysOf[a]!].some((k) => keysOf[b]!.has(k))).toBe(true);
        }
        // Complete: every pair of a block within the cap met.
        for (const [key, recs] of members) {
          const live = recs.length <= maxBlockSize;
          expect(runs.isLive(key)).toBe(live);
          if (!live) continue;
          for (let i = 0; i < recs.length; i++) for (let j = i + 1; j < recs.length; j++) expect(met.has(`${recs[i]}|${recs[j]}`)).toBe(true);
        }
        expect(runs.isLive(2 ** 30 + 5)).toBe(false);
        expect(runs.blocks).toBe(members.size);
        expect(runs.oversizedBlocks).toBe([...members.values()].filter((r) => r.length > maxBlockSize).length);
      }),
      { numRuns: 300, seed: 20261128 },
    );
  });

  it('merges batches in place at scale: 20,000 records with 11 keys each, same pairs as one merge at the end', () => {
    let x = 7;
    const rnd = (): number => {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      return (x >>> 2) % 150_000; // collisions on purpose
    };
    const keys = Array.from({ length: 20_000 }, () => [...new Set(Array.from({ length: 11 }, rnd))]);
    const collect = (mergeWhenDue: boolean): Set<string> => {
      const runs = new BlockRuns(100);
      runs.reserve(220_000);
      const met = new Set<string>();
      const pair = (a: number, b: number): void => void met.add(a < b ? `${a}|${b}` : `${b}|${a}`);
      let merges = 0;
      keys.forEach((ks, rec) => {
        for (const k of ks) runs.add(k, rec);
        if (mergeWhenDue && runs.due) {
          runs.merge(pair);
          merges++;
        }
      });
      runs.merge(pair);
      if (mergeWhenDue) expect(merges).toBeGreaterThan(3);
      return met;
    };
    const once = collect(false);
    expect(once.size).toBeGreaterThan(1000);
    expect(collect(true)).toEqual(once);
  });
});
