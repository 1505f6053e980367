import fc from 'fast-check';
import { parsePhoneNumberWithError } from 'libphonenumber-js';
import { describe, expect, it } from 'vitest';
import { generateDataset, mulberry32, type Dataset, type GeneratedEntityType } from '../../../src/sandbox/generator.js';
import { RecordStore } from '../../../src/sandbox/records/index.js';
import { SandboxHttpError } from '../../../src/sandbox/errors.js';
import type { EntityCatalog, EntityDefs, RecordAttributes } from '../../../src/sandbox/types.js';

const TYPES: GeneratedEntityType[] = ['Lead', 'Contact', 'Account'];
const SUFFIXES = /\s+(SARL|SAS|SASU|SA|EURL|GmbH & Co\. KG|GmbH|AG|KG|UG|S\.L\.U\.|S\.L\.|S\.A\.|Inc\.|LLC|Corp\.|Co\.|Ltd|PLC|LLP|Limited|S\.r\.l\.|S\.p\.A\.|S\.n\.c\.)$/i;

const fold = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase().trim();

/** The exact signals a record shares with its duplicates (what a plain duplicate finder keys on). */
function signals(entityType: GeneratedEntityType, r: RecordAttributes): string[] {
  const out: string[] = [];
  if (typeof r.emailAddress === 'string') out.push(`email:${r.emailAddress.trim().toLowerCase()}`);
  if (typeof r.phoneNumber === 'string') out.push(`phone:${r.phoneNumber}`);
  if (entityType === 'Account') {
    out.push(`company:${fold(String(r.name)).replace(SUFFIXES, '').replace(/[^a-z0-9]/g, '')}`);
    out.push(`web:${String(r.website)}`);
  } else {
    out.push(`name:${[fold(String(r.firstName)), fold(String(r.lastName))].sort().join('|')}`);
  }
  return out;
}

/** A looser signal for typo'd duplicates: same letters but one edit (only used inside clusters). */
function withinOneEdit(a: string, b: string): boolean {
  if (Math.abs(a.length - b.length) > 1) return false;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const tail = (x: string, y: string) => x.slice(i + 1) === y.slice(i + 1) || x.slice(i + 1) === y.slice(i) || x.slice(i) === y.slice(i + 1);
  const swapped = a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  return i >= Math.min(a.length, b.length) || tail(a, b) || swapped;
}

const small = (seed: number): Dataset => generateDataset({ seed, leads: 300, contacts: 150, accounts: 60 });

describe('generateDataset', () => {
  it('is deterministic for a seed and differs between seeds', () => {
    expect(small(42)).toEqual(small(42));
    expect(small(42).records.Lead[0]).not.toEqual(small(43).records.Lead[0]);
  });

  it('makes the requested number of records with the attributes the store expects', () => {
    const { records } = generateDataset({ seed: 1, leads: 250, contacts: 120, accounts: 40 });
    expect(records.Lead).toHaveLength(250);
    expect(records.Contact).toHaveLength(120);
    expect(records.Account).toHaveLength(40);
    const now = Date.parse('2026-11-28T12:00:00Z');
    for (const type of TYPES) {
      const list = records[type];
      const idSet = new Set(list.map((r) => r.id));
      expect(idSet.size).toBe(list.length);
      for (let i = 0; i < list.length; i++) {
        const r = list[i]!;
        expect(r.id).toMatch(/^[0-9a-f]{17}$/);
        expect(r.createdAt).toMatch(/^\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}$/);
        const t = Date.parse(`${String(r.createdAt).replace(' ', 'T')}Z`);
        expect(t).toBeLessThanOrEqual(now);
        expect(t).toBeGreaterThan(now - 4.1 * 365 * 86_400_000);
        // The id's leading seconds are the creation time, so ids grow with createdAt.
        expect(Number.parseInt(String(r.id).slice(0, 8), 16)).toBe(Math.floor(t / 1000));
        if (i > 0) expect(String(r.createdAt) >= String(list[i - 1]!.createdAt)).toBe(true);
        expect(r.deleted).toBe(false);
      }
    }
    for (const lead of records.Lead) {
      expect(['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead']).toContain(lead.status);
      expect(typeof lead.lastName).toBe('string');
    }
    const accountIds = new Set(records.Account.map((a) => a.id));
    for (const contact of records.Contact) if (contact.accountId !== null) expect(accountIds.has(contact.accountId)).toBe(true);
  });

  it('takes enum values from the catalog when given one', () => {
    const catalog: EntityCatalog = {
      entityDefs: (t: string): EntityDefs | undefined => (t === 'Lead' ? { fields: { status: { type: 'enum', options: ['Fresh', 'Stale'] } } } : undefined),
      scope: () => undefined,
    };
    const { records } = generateDataset({ seed: 3, leads: 50, contacts: 0, accounts: 0, catalog });
    expect(new Set(records.Lead.map((l) => l.status))).toEqual(new Set(['Fresh', 'Stale']));
  });

  it('stores possible E.164 phones, mostly French and US, and international names with accents', () => {
    const { records } = generateDataset({ seed: 5, leads: 800, contacts: 200, accounts: 100 });
    const phones = TYPES.flatMap((t) => records[t].map((r) => r.phoneNumber)).filter((p): p is string => typeof p === 'string');
    for (const phone of phones) {
      const parsed = parsePhoneNumberWithError(phone, { extract: false });
      expect(parsed.number).toBe(phone);
      expect(parsed.isPossible()).toBe(true);
    }
    const frOrUs = phones.filter((p) => p.startsWith('+33') || p.startsWith('+1')).length;
    expect(frOrUs / phones.length).toBeGreaterThan(0.5);
    const countries = new Set(records.Lead.map((l) => l.addressCountry));
    expect(countries.size).toBeGreaterThanOrEqual(5);
    expect(records.Lead.some((l) => /[À-ÿ]/.test(`${l.firstName}${l.lastName}`))).toBe(true);
    expect(records.Account.some((a) => SUFFIXES.test(String(a.name)))).toBe(true);
  });

  it('leans towards defaultCountry', () => {
    const { records } = generateDataset({ seed: 9, leads: 500, contacts: 0, accounts: 0, defaultCountry: 'DE' });
    const german = records.Lead.filter((l) => String(l.phoneNumber ?? '').startsWith('+49')).length;
    const french = records.Lead.filter((l) => String(l.phoneNumber ?? '').startsWith('+33')).length;
    expect(german).toBeGreaterThan(french);
  });

  it('lists clusters of 2–3 existing records that share a signal, with their variations', () => {
    const { records, truth } = generateDataset({ seed: 11, leads: 2000, contacts: 800, accounts: 300 });
    const total = 3100;
    const members = truth.clusters.reduce((s, c) => s + c.ids.length, 0);
    expect(members / total).toBeGreaterThan(0.01);
    expect(members / total).toBeLessThan(0.03);
    const byId = new Map(TYPES.flatMap((t) => records[t].map((r) => [r.id, { t, r }] as const)));
    const seenVariations = new Set<string>();
    for (const cluster of truth.clusters) {
      expect(cluster.ids.length).toBeGreaterThanOrEqual(2);
      expect(cluster.ids.length).toBeLessThanOrEqual(3);
      expect(cluster.variations.length).toBeGreaterThan(0);
      cluster.variations.forEach((v) => seenVariations.add(v));
      const rows = cluster.ids.map((id) => byId.get(id)!);
      for (const { t } of rows) expect(t).toBe(cluster.entityType);
      const [original, ...duplicates] = rows.map(({ r }) => r);
      for (const duplicate of duplicates) {
        const shared = signals(cluster.entityType, duplicate!).some((s) => signals(cluster.entityType, original!).includes(s));
        const typoed =
          cluster.entityType !== 'Account' &&
          fold(String(duplicate!.firstName)) === fold(String(original!.firstName)) &&
          withinOneEdit(fold(String(duplicate!.lastName)), fold(String(original!.lastName)));
        expect(shared || typoed).toBe(true);
        expect(String(duplicate!.createdAt) >= String(original!.createdAt)).toBe(true);
      }
    }
    for (const v of ['name:typo', 'name:swap', 'name:case', 'name:accents-removed', 'email:case', 'phone:same']) {
      expect(seenVariations).toContain(v);
    }
    expect([...seenVariations].some((v) => v.startsWith('company:'))).toBe(true);
  });

  it('makes no duplicates outside the truth (a homonym shares only its name with its namesake)', () => {
    const { records, truth } = generateDataset({ seed: 13, leads: 3000, contacts: 1000, accounts: 400 });
    expect(truth.homonyms.length).toBeGreaterThan(0);
    const group = new Map<string, string>();
    truth.clusters.forEach((c, i) => c.ids.forEach((id) => group.set(id, `cluster${i}`)));
    const namesake = new Map(truth.homonyms.map((h) => [h.ids[1], h.ids[0]]));
    for (const type of TYPES) {
      const owner = new Map<string, string>();
      for (const r of records[type]) {
        const g = group.get(String(r.id)) ?? String(r.id);
        for (const s of signals(type, r)) {
          const who = s.startsWith('name:') ? (namesake.get(String(r.id)) ?? g) : g;
          const other = owner.get(s);
          if (other !== undefined) expect(`${s} → ${other}`).toBe(`${s} → ${who}`);
          owner.set(s, who);
        }
      }
    }
  });

  it('honours duplicateClusters', () => {
    const { truth } = generateDataset({ seed: 2, leads: 100, contacts: 100, accounts: 100, duplicateClusters: 12 });
    expect(truth.clusters).toHaveLength(12);
    expect(new Set(truth.clusters.map((c) => c.entityType))).toEqual(new Set(TYPES));
    expect(generateDataset({ seed: 2, leads: 40, contacts: 0, accounts: 0, duplicateClusters: 0 }).truth.clusters).toEqual([]);
  });

  it('loads into the record store as is, where the duplicate check sees the clusters', () => {
    const catalog: EntityCatalog = {
      entityDefs: (t: string): EntityDefs | undefined =>
        t === 'Lead'
          ? {
              fields: {
                name: { type: 'personName' },
                firstName: { type: 'varchar' },
                lastName: { type: 'varchar' },
                status: { type: 'enum', options: ['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead'] },
                emailAddress: { type: 'email' },
                phoneNumber: { type: 'phone' },
                createdAt: { type: 'datetime', readOnly: true },
              },
              collection: { orderBy: 'createdAt', order: 'desc' },
            }
          : undefined,
      scope: () => ({ duplicateCheckFieldList: ['name', 'emailAddress'] }),
    };
    const { records, truth } = generateDataset({ seed: 21, leads: 500, contacts: 0, accounts: 0 });
    const store = new RecordStore(catalog);
    store.insert('Lead', records.Lead);
    const page = store.list('Lead', new URLSearchParams('maxSize=5&select=id,name'), { noTotal: false, isAdmin: true });
    expect(page.total).toBe(500);
    expect(page.list[0]!.id).toBe(records.Lead[records.Lead.length - 1]!.id);
    const cluster = truth.clusters.find((c) => c.variations.includes('email:case') || c.variations.includes('email:same'))!;
    const original = store.read('Lead', cluster.ids[0]!, { isAdmin: true });
    try {
      store.create('Lead', { lastName: 'Someone Else', emailAddress: String(original.emailAddress).toUpperCase() }, { skipDuplicateCheck: undefined });
      expect.fail('expected a 409');
    } catch (error) {
      expect(error).toBeInstanceOf(SandboxHttpError);
      const ids = ((error as SandboxHttpError).body as RecordAttributes[]).map((r) => r.id);
      expect(ids).toContain(cluster.ids[0]);
    }
  });

  it('keeps its properties for any seed and size', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 0, max: 120 }), fc.integer({ min: 0, max: 60 }), fc.integer({ min: 0, max: 40 }), fc.integer({ min: 0, max: 8 }), fc.integer({ min: 0, max: 6 }), (seed, leads, contacts, accounts, clusters, homonyms) => {
        const opts = { seed, leads, contacts, accounts, duplicateClusters: clusters, homonyms };
        const data = generateDataset(opts);
        expect(generateDataset(opts)).toEqual(data);
        expect([data.records.Lead.length, data.records.Contact.length, data.records.Account.length]).toEqual([leads, contacts, accounts]);
        const all = new Map(TYPES.flatMap((t) => data.records[t].map((r) => [r.id, t] as const)));
        expect(all.size).toBe(leads + contacts + accounts);
        const inClusters = data.truth.clusters.flatMap((c) => c.ids);
        expect(new Set(inClusters).size).toBe(inClusters.length);
        for (const c of data.truth.clusters) for (const id of c.ids) expect(all.get(id)).toBe(c.entityType);
        expect(data.truth.clusters.length).toBeLessThanOrEqual(clusters);
        expect(data.truth.homonyms.length).toBeLessThanOrEqual(homonyms);
        const paired = data.truth.homonyms.flatMap((h) => h.ids);
        expect(new Set([...inClusters, ...paired]).size).toBe(inClusters.length + paired.length);
        for (const h of data.truth.homonyms) for (const id of h.ids) expect(all.get(id)).toBe(h.entityType);
      }),
      { numRuns: 60 },
    );
  });

  it('rejects negative or fractional sizes', () => {
    expect(() => generateDataset({ seed: 1, leads: -1, contacts: 0, accounts: 0 })).toThrow(RangeError);
    expect(() => generateDataset({ seed: 1, leads: 1.5, contacts: 0, accounts: 0 })).toThrow(RangeError);
    expect(() => generateDataset({ seed: 1, leads: 10, contacts: 0, accounts: 0, homonyms: -1 })).toThrow(RangeError);
    expect(() => generateDataset({ seed: 1, leads: 10, contacts: 0, accounts: 0, homonyms: 0.5 })).toThrow(RangeError);
  });

  it('uses a well-spread PRNG', () => {
    const next = mulberry32(123);
    const buckets = new Array(10).fill(0);
    for (let i = 0; i < 10_000; i++) buckets[Math.floor(next() * 10)]++;
    for (const b of buckets) expect(b).toBeGreaterThan(850);
  });
});

describe('account duplicates', () => {
  it('vary the company name (legal suffix, case, typo) and keep the web domain', () => {
    const { records, truth } = generateDataset({ seed: 17, leads: 0, contacts: 0, accounts: 3000 });
    const byId = new Map(records.Account.map((a) => [a.id, a]));
    const variations = new Set(truth.clusters.flatMap((c) => c.variations));
    expect([...variations].filter((v) => v.startsWith('company:suffix-')).length).toBeGreaterThan(0);
    expect(variations).toContain('company:typo');
    for (const cluster of truth.clusters) {
      const [original, ...duplicates] = cluster.ids.map((id) => byId.get(id)!);
      for (const d of duplicates) {
        expect(d.website).toBe(original!.website);
        expect(d.name).not.toBe(original!.name);
      }
    }
  });
});

describe('homonyms (known non-duplicates)', () => {
  const lower = (v: unknown) => (typeof v === 'string' ? v.trim().toLowerCase() : null);

  it('plant 0.2% of leads and contacts as namesakes at the same company with identifiers of their own', () => {
    const { records, truth } = generateDataset({ seed: 19, leads: 12_000, contacts: 5000, accounts: 500 });
    expect(truth.homonyms.filter((h) => h.entityType === 'Lead')).toHaveLength(24);
    expect(truth.homonyms.filter((h) => h.entityType === 'Contact')).toHaveLength(10);
    const byId = new Map(TYPES.flatMap((t) => records[t].map((r) => [String(r.id), { t, r }] as const)));
    const inClusters = new Set(truth.clusters.flatMap((c) => c.ids));
    const used = new Set<string>();
    const kinds = new Map<string, number>();
    let sameDomain = 0;
    for (const h of truth.homonyms) {
      kinds.set(h.differing, (kinds.get(h.differing) ?? 0) + 1);
      for (const id of h.ids) {
        expect(inClusters.has(id)).toBe(false);
        expect(used.has(id)).toBe(false);
        used.add(id);
        expect(byId.get(id)?.t).toBe(h.entityType);
      }
      const [x, y] = h.ids.map((id) => byId.get(id)!.r) as [RecordAttributes, RecordAttributes];
      expect([y.firstName, y.lastName, y.name]).toEqual([x.firstName, x.lastName, x.name]);
      if (h.entityType === 'Lead') expect(y.accountName).toEqual(expect.any(String));
      else expect(y.accountId).toEqual(expect.any(String));
      expect([y.accountId, y.accountName]).toEqual([x.accountId, x.accountName]);
      // Each identifier both hold differs; the kind says which they both hold.
      const emails = [lower(x.emailAddress), lower(y.emailAddress)];
      const phones = [x.phoneNumber ?? null, y.phoneNumber ?? null];
      const both = (pair: unknown[]) => pair[0] !== null && pair[1] !== null;
      if (both(emails)) expect(emails[0]).not.toBe(emails[1]);
      if (both(phones)) expect(phones[0]).not.toBe(phones[1]);
      expect(both(emails) && both(phones) ? 'email+phone' : both(emails) ? 'email' : both(phones) ? 'phone' : 'none').toBe(h.differing);
      expect(y.emailAddressData).toEqual(y.emailAddress ? [expect.objectContaining({ emailAddress: y.emailAddress, primary: true })] : []);
      expect(y.phoneNumberData).toEqual(y.phoneNumber ? [expect.objectContaining({ phoneNumber: y.phoneNumber, primary: true })] : []);
      if (both(emails) && emails[0]!.split('@')[1] === emails[1]!.split('@')[1]) sameDomain++;
    }
    // Mostly conflicting evidence; one in 16 with a single identifier that differs.
    expect(Object.fromEntries(kinds)).toEqual({ 'email+phone': 32, email: 1, phone: 1 });
    expect(sameDomain).toBeGreaterThan(0);
  });

  it('change only the records given a namesake', () => {
    const opts = { seed: 23, leads: 3000, contacts: 1000, accounts: 200 };
    const withHomonyms = generateDataset(opts);
    const without = generateDataset({ ...opts, homonyms: 0 });
    expect(without.truth.homonyms).toEqual([]);
    expect(withHomonyms.truth.clusters).toEqual(without.truth.clusters);
    const renamed = new Set(withHomonyms.truth.homonyms.map((h) => h.ids[1]));
    expect(renamed.size).toBe(8);
    for (const type of TYPES) {
      const changed = withHomonyms.records[type].filter((r, i) => JSON.stringify(r) !== JSON.stringify(without.records[type][i])).map((r) => String(r.id));
      expect(changed.every((id) => renamed.has(id))).toBe(true);
      expect(withHomonyms.records[type].map((r) => r.id)).toEqual(without.records[type].map((r) => r.id));
    }
  });

  it('are none under 500 records by default, and follow the homonyms option', () => {
    expect(generateDataset({ seed: 4, leads: 499, contacts: 499, accounts: 10 }).truth.homonyms).toEqual([]);
    const { truth } = generateDataset({ seed: 4, leads: 300, contacts: 100, accounts: 10, homonyms: 10 });
    expect(truth.homonyms.map((h) => h.entityType).sort()).toEqual([...Array(2).fill('Contact'), ...Array(8).fill('Lead')]);
  });
});

describe('default cluster count', () => {
  it('gives small datasets one cluster per entity type and none below 10 records', () => {
    const { truth } = generateDataset({ seed: 4, leads: 40, contacts: 20, accounts: 9 });
    expect(truth.clusters.filter((c) => c.entityType === 'Lead')).toHaveLength(1);
    expect(truth.clusters.filter((c) => c.entityType === 'Contact')).toHaveLength(1);
    expect(truth.clusters.filter((c) => c.entityType === 'Account')).toHaveLength(0);
  });
});
