/**
 * find_duplicates through the MCP client against the sandbox's seeded duplicates: every page of the
 * result is read with the cursor, and pairwise precision and recall against `sandbox.truth` are
 * printed and asserted (precision ≥ 0.98, recall ≥ 0.95). The sandbox's homonyms (same name and
 * company, another email and another phone) are not duplicates: none may be linked (issue 17).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

type Cluster = { entity: string; ids: string[]; score: number; keep: { id: string }; records: Array<{ id: string }> };

const pairKey = (a: string, b: string): string => (a < b ? `${a}|${b}` : `${b}|${a}`);

function pairsOf(clusters: ReadonlyArray<{ entity: string; ids: readonly string[] }>, entity?: string): Set<string> {
  const out = new Set<string>();
  for (const c of clusters) {
    if (entity && c.entity !== entity) continue;
    for (let i = 0; i < c.ids.length; i++) for (let j = i + 1; j < c.ids.length; j++) out.add(pairKey(c.ids[i]!, c.ids[j]!));
  }
  return out;
}

const ratio = (n: number, d: number): number => (d === 0 ? 1 : n / d);

describe('find_duplicates quality on the seeded sandbox data', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme', sandbox: { leads: 3000, contacts: 1500, accounts: 800, seed: 42 }, extra: { defaultCountry: 'FR' } }]);
  }, 60_000);
  afterAll(async () => h?.close());

  it('reads the whole result page by page; pairwise precision ≥ 0.98 and recall ≥ 0.95', async () => {
    const first = await h.call('find_duplicates', { tenant: 'acme', limit: 10 });
    expect(first.isError, first.text).toBe(false);
    const s = first.structured;
    const clusters: Cluster[] = [...(s.clusters as Cluster[])];
    let cursor = s.nextCursor as string | undefined;
    let pages = 1;
    while (cursor) {
      const next = await h.call('find_duplicates', { tenant: 'acme', cursor, limit: 10 });
      expect(next.isError, next.text).toBe(false);
      expect(next.structured.resultId).toBe(s.resultId);
      clusters.push(...(next.structured.clusters as Cluster[]));
      cursor = next.structured.nextCursor as string | undefined;
      pages++;
    }
    expect(clusters.length).toBe(s.totalClusters);
    expect(pages).toBe(s.pageCount);
    // Best first across pages, and every cluster carries its records and a suggested keep among them.
    for (let i = 1; i < clusters.length; i++) expect(clusters[i]!.score).toBeLessThanOrEqual(clusters[i - 1]!.score);
    for (const c of clusters) {
      expect(c.records.map((r) => r.id)).toEqual(c.ids);
      expect(c.ids).toContain(c.keep.id);
    }
    const entities = s.entities as Array<{ entity: string; recordsScanned: number; counted: number }>;
    expect(Object.fromEntries(entities.map((e) => [e.entity, e.recordsScanned]))).toEqual({ Lead: 3000, Contact: 1500, Account: 800 });

    const truth = h.sandboxes.acme!.truth.clusters.map((c) => ({ entity: c.entityType, ids: c.ids }));
    const lines: string[] = [];
    let correct = 0;
    let found = 0;
    let real = 0;
    for (const entity of ['Lead', 'Contact', 'Account']) {
      const f = pairsOf(clusters, entity);
      const t = pairsOf(truth, entity);
      const c = [...f].filter((p) => t.has(p)).length;
      lines.push(`${entity}: ${t.size} true pairs, ${f.size} found, precision ${ratio(c, f.size).toFixed(3)}, recall ${ratio(c, t.size).toFixed(3)}`);
      correct += c;
      found += f.size;
      real += t.size;
    }
    const precision = ratio(correct, found);
    const recall = ratio(correct, real);
    const allFound = pairsOf(clusters);
    const homonyms = h.sandboxes.acme!.truth.homonyms;
    const linked = homonyms.filter((x) => allFound.has(pairKey(x.ids[0], x.ids[1])));
    lines.push(`homonyms: ${homonyms.length} planted (${homonyms.filter((x) => x.differing === 'email+phone').length} with another email and another phone), ${linked.length} linked`);
    lines.push(`find_duplicates via MCP, seed 42 (3000 leads, 1500 contacts, 800 accounts): ${pages} pages, ${s.totalClusters} clusters, ${real} true pairs, precision ${precision.toFixed(3)}, recall ${recall.toFixed(3)}, ${s.comparisons} comparisons, ${s.durationMs} ms`);
    console.log(lines.join('\n'));
    expect(real).toBeGreaterThan(50);
    expect(precision).toBeGreaterThanOrEqual(0.98);
    expect(recall).toBeGreaterThanOrEqual(0.95);
    expect(homonyms.filter((x) => x.differing === 'email+phone').length).toBeGreaterThan(5);
    expect(linked.filter((x) => x.differing === 'email+phone').map((x) => x.ids)).toEqual([]);
  }, 120_000);
});
