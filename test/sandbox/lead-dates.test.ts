/**
 * Seeded leads are recent (the year before the reference date, spread over its months, the same for a
 * seed), so usage per month has something to count; contacts and accounts keep their four years and
 * every other value. The sandbox's `where` on `createdAt` (between, after, before with date-times)
 * counts them as the UTC months say.
 */
import { describe, expect, it } from 'vitest';
import { generateDataset } from '../../src/sandbox/generator.js';
import { startSandbox } from '../../src/sandbox/index.js';

const NOW = Date.parse('2026-11-28T12:00:00Z');
const YEAR = 365 * 86_400_000;
const time = (createdAt: unknown) => Date.parse(`${String(createdAt).replace(' ', 'T')}Z`);

describe('lead creation dates', () => {
  it('leads fall in the year before the reference date, over at least 10 of its months; same dataset for the same seed', () => {
    const a = generateDataset({ seed: 4, leads: 300, contacts: 100, accounts: 30 });
    const b = generateDataset({ seed: 4, leads: 300, contacts: 100, accounts: 30 });
    expect(b).toEqual(a);
    for (const lead of a.records.Lead) {
      expect(time(lead.createdAt)).toBeLessThanOrEqual(NOW);
      expect(time(lead.createdAt)).toBeGreaterThan(NOW - YEAR - 86_400_000);
    }
    const months = new Set(a.records.Lead.map((l) => String(l.createdAt).slice(0, 7)));
    expect(months.size).toBeGreaterThanOrEqual(10);
    // contacts and accounts still span years
    const oldest = Math.min(...a.records.Contact.map((c) => time(c.createdAt)));
    expect(oldest).toBeLessThan(NOW - 2 * YEAR);
    // another seed, other dates
    const other = generateDataset({ seed: 5, leads: 300, contacts: 0, accounts: 0 });
    expect(other.records.Lead.map((l) => l.createdAt)).not.toEqual(a.records.Lead.map((l) => l.createdAt));
  });

  it('between, after and before on createdAt (date-times, UTC) count what the rows hold', async () => {
    const sb = await startSandbox({ leads: 150, contacts: 0, accounts: 0, seed: 9 });
    try {
      const rows = sb.state.records.list('Lead', new URLSearchParams('maxSize=200&select=createdAt'), { noTotal: false, isAdmin: true }).list;
      const total = (where: string) => sb.state.records.list('Lead', new URLSearchParams(`maxSize=0&${where}`), { noTotal: false, isAdmin: true }).total;
      const where = (type: string, ...values: string[]) =>
        `where[0][type]=${type}&where[0][attribute]=createdAt&${values.map((v) => `where[0][value]${values.length > 1 ? '[]' : ''}=${encodeURIComponent(v)}`).join('&')}`;
      for (const month of ['2026-03', '2026-08', '2026-11']) {
        const [y, m] = month.split('-').map(Number) as [number, number];
        const last = new Date(Date.UTC(y, m, 0)).getUTCDate();
        const from = `${month}-01 00:00:00`;
        const to = `${month}-${String(last).padStart(2, '0')} 23:59:59`;
        const expected = rows.filter((r) => String(r.createdAt).startsWith(month)).length;
        expect(expected).toBeGreaterThan(0);
        expect(total(where('between', from, to))).toBe(expected);
        const after = rows.filter((r) => String(r.createdAt) > from).length;
        expect(total(where('after', from))).toBe(after);
        const before = rows.filter((r) => String(r.createdAt) < from).length;
        expect(total(where('before', from))).toBe(before);
        expect(after + before + rows.filter((r) => r.createdAt === from).length).toBe(rows.length);
      }
    } finally {
      await sb.close();
    }
  });
});
