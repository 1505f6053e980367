/**
 * Scale: 100k synthetic leads from a seeded PRNG, names drawn with a skew (so common names form large
 * blocks, as Marie and Martin do), 3% of them re-entered with a variation. Asserts that blocking keeps
 * comparisons far below all pairs and that the re-entered records are found. No timing assertions:
 * timing lives in bench/.
 */
import { describe, expect, it } from 'vitest';
import { DuplicateIndex, type DedupeRecord } from '../../../src/core/dedupe/index.js';

function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SYLLABLES = ['ma', 'ri', 'jo', 'an', 'el', 'lu', 'ca', 'pi', 'er', 're', 'to', 'ne', 'sa', 'be', 'li', 'mo', 'da', 'vi', 'go', 'ter'];

function makeNames(rand: () => number, count: number): string[] {
  const names = new Set<string>();
  while (names.size < count) {
    let s = '';
    for (let i = 2 + Math.floor(rand() * 3); i > 0; i--) s += SYLLABLES[Math.floor(rand() * SYLLABLES.length)];
    names.add(s[0]!.toUpperCase() + s.slice(1));
  }
  return [...names];
}

interface Synthetic {
  records: DedupeRecord[];
  /** [original id, re-entered id] */
  duplicates: Array<[string, string]>;
}

function syntheticLeads(count: number, seed: number): Synthetic {
  const rand = mulberry32(seed);
  const skewed = <T>(list: readonly T[]): T => list[Math.floor(list.length * rand() ** 2)]!;
  const firsts = makeNames(rand, 2000);
  const lasts = makeNames(rand, 20000);
  const companies = makeNames(rand, 5000);
  const records: DedupeRecord[] = [];
  const duplicates: Array<[string, string]> = [];
  const reentered = new Set<string>();
  for (let i = 0; i < count; i++) {
    const id = `lead${String(i).padStart(7, '0')}`;
    const original = i > 100 && rand() < 0.03 ? records[Math.floor(rand() * records.length)] : undefined;
    if (original && !reentered.has(original.id)) {
      const variation = Math.floor(rand() * 3);
      const first = original.firstName as string;
      const last = original.lastName as string;
      records.push({
        ...original,
        id,
        // swapped names keeping the email; upper-cased email and a national phone format; a typo with the same company
        firstName: variation === 0 ? last : first,
        lastName: variation === 0 ? first : variation === 2 ? `${last.slice(0, 2)}${last.slice(3)}` : last.toUpperCase(),
        emailAddress: variation === 1 ? (original.emailAddress as string | null)?.toUpperCase() ?? null : variation === 2 ? null : original.emailAddress,
        phoneNumber: variation === 1 && original.phoneNumber ? `0${(original.phoneNumber as string).slice(3)}` : variation === 2 ? null : original.phoneNumber,
        accountName: variation === 2 ? original.accountName ?? 'Fallback SAS' : original.accountName,
      });
      reentered.add(id);
      if (variation !== 2 || original.accountName) duplicates.push([original.id, id]);
      continue;
    }
    const firstName = skewed(firsts);
    const lastName = skewed(lasts);
    records.push({
      id,
      firstName,
      lastName,
      emailAddress: rand() < 0.8 ? `${firstName}.${lastName}${i}@${rand() < 0.5 ? 'gmail.com' : 'corp.example.org'}` : null,
      phoneNumber: rand() < 0.7 ? `+3361${String(Math.floor(rand() * 1e7)).padStart(7, '0')}` : null,
      accountName: rand() < 0.6 ? `${skewed(companies)} SAS` : null,
      createdAt: `2024-01-01 00:00:${String(i % 60).padStart(2, '0')}`,
    });
  }
  return { records, duplicates };
}

describe('DuplicateIndex at scale', () => {
  it('indexes 100k records page by page, with comparisons far below n²/100, and finds the re-entered ones', () => {
    const n = 100_000;
    const { records, duplicates } = syntheticLeads(n, 7);
    const index = new DuplicateIndex({ entityType: 'Lead', signals: ['email', 'phone', 'name', 'company'], defaultCountry: 'FR' });
    for (let off = 0; off < n; off += 200) index.add(records.slice(off, off + 200));
    const clusters = index.clusters();
    const stats = index.stats();
    console.log(JSON.stringify({ ...stats, clusters: clusters.length, injected: duplicates.length, heapUsedMB: Math.round(process.memoryUsage().heapUsed / 1e6) }));

    expect(stats.records).toBe(n);
    expect(stats.comparisons).toBeLessThan((n * n) / 100);
    // Close to linear: a handful of comparisons per record, not hundreds.
    expect(stats.comparisons / n).toBeLessThan(20);
    const clusterOf = new Map<string, number>();
    clusters.forEach((c, k) => c.ids.forEach((id) => clusterOf.set(id, k)));
    const found = duplicates.filter(([a, b]) => clusterOf.has(a) && clusterOf.get(a) === clusterOf.get(b)).length;
    expect(duplicates.length).toBeGreaterThan(2000);
    expect(found / duplicates.length).toBeGreaterThan(0.95);
  });
});
