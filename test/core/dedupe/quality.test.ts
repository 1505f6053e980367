/**
 * Quality against the sandbox generator's known duplicate clusters: pairwise precision and recall of
 * the clusters found, per entity type and overall. Printed, and asserted (precision ≥ 0.98, recall ≥ 0.95).
 * The generator also plants homonyms (same name, same company, not the same person): linked, they are
 * false positives; those whose email and phone both differ must never be linked (issue 17).
 * DEDUPE_DEBUG=1 also prints every false positive and false negative pair with its records.
 */
import { describe, expect, it } from 'vitest';
import { DuplicateIndex, type DedupeRecord } from '../../../src/core/dedupe/index.js';
import { generateDataset, type GeneratedEntityType } from '../../../src/sandbox/generator.js';

const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

function pairsOf(clusters: readonly (readonly string[])[]): Set<string> {
  const out = new Set<string>();
  for (const ids of clusters) {
    for (let i = 0; i < ids.length; i++) for (let j = i + 1; j < ids.length; j++) out.add(pairKey(ids[i]!, ids[j]!));
  }
  return out;
}

interface Score {
  truePairs: number;
  foundPairs: number;
  correct: number;
}

const ratio = (n: number, d: number): number => (d === 0 ? 1 : n / d);

describe('duplicate detection quality on the generated sandbox data', () => {
  it.each([42, 7])('seed %i: precision ≥ 0.98 and recall ≥ 0.95', (seed) => {
    const data = generateDataset({ seed, leads: 5000, contacts: 3000, accounts: 1500 });
    const total: Score = { truePairs: 0, foundPairs: 0, correct: 0 };
    const lines: string[] = [];
    const homonymsLinked: string[] = [];
    for (const entityType of ['Lead', 'Contact', 'Account'] as GeneratedEntityType[]) {
      const records = data.records[entityType] as unknown as DedupeRecord[];
      const index = new DuplicateIndex({ entityType, signals: ['email', 'phone', 'name', 'company'], defaultCountry: 'FR' });
      for (let off = 0; off < records.length; off += 200) index.add(records.slice(off, off + 200));
      const found = pairsOf(index.clusters().map((c) => c.ids));
      const truth = pairsOf(data.truth.clusters.filter((c) => c.entityType === entityType).map((c) => c.ids));
      const correct = [...found].filter((p) => truth.has(p)).length;
      const homonyms = data.truth.homonyms.filter((h) => h.entityType === entityType);
      const linked = homonyms.filter((h) => found.has(pairKey(h.ids[0], h.ids[1])));
      homonymsLinked.push(...linked.filter((h) => h.differing === 'email+phone').map((h) => h.ids.join('|')));
      total.truePairs += truth.size;
      total.foundPairs += found.size;
      total.correct += correct;
      if (process.env.DEDUPE_DEBUG) {
        const byId = new Map(records.map((r) => [r.id, r]));
        const show = (id: string): string => {
          const r = byId.get(id)!;
          return JSON.stringify([r.firstName ?? '', r.lastName ?? '', r.name, r.emailAddress, r.phoneNumber, r.accountName, r.website]);
        };
        for (const p of found) if (!truth.has(p)) lines.push(`FP ${entityType} ${p.split('|').map(show).join('  ~  ')}`);
        for (const p of truth) {
          if (found.has(p)) continue;
          const variations = data.truth.clusters.find((c) => c.ids.includes(p.split('|')[0]!))?.variations.join(',');
          lines.push(`FN ${entityType} [${variations}] ${p.split('|').map(show).join('  ~  ')}`);
        }
      }
      const byKind = (list: typeof homonyms) => ['email+phone', 'email', 'phone'].map((k) => `${list.filter((h) => h.differing === k).length} ${k}`).join(', ');
      lines.push(
        `${entityType}: ${truth.size} true pairs, ${found.size} found, precision ${ratio(correct, found.size).toFixed(3)}, recall ${ratio(correct, truth.size).toFixed(3)}; ` +
          `homonyms linked ${linked.length} of ${homonyms.length} (planted: ${byKind(homonyms)}; linked: ${byKind(linked)}); ${JSON.stringify(index.stats())}`,
      );
    }
    const precision = ratio(total.correct, total.foundPairs);
    const recall = ratio(total.correct, total.truePairs);
    lines.push(`seed ${seed} overall: ${total.truePairs} true pairs, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}`);
    console.log(lines.join('\n'));
    expect(total.truePairs).toBeGreaterThan(50);
    expect(data.truth.homonyms.filter((h) => h.differing === 'email+phone').length).toBeGreaterThan(10);
    expect(precision).toBeGreaterThanOrEqual(0.98);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    // Another email and another phone are evidence against a match, whatever the name and company.
    expect(homonymsLinked).toEqual([]);
  });
});
