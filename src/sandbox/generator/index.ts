/**
 * Seeded test data for the sandbox: realistic international leads, contacts and accounts, plus a
 * known set of duplicate clusters (the "truth" a duplicate finder is scored against) and of homonyms,
 * known non-duplicates (same name and company, different identifiers).
 *
 * Deterministic for a seed (own PRNG, a fixed reference date unless `now` is given). Base records
 * are unique on every duplicate signal (email, phone, folded name, company name without legal
 * suffix, web domain), so the only duplicates are the listed clusters; a homonym shares only its name
 * (and its company) with its namesake. Records carry what the
 * record store's insert() keeps as is: ids that grow with createdAt, 'YYYY-MM-DD HH:mm:ss' dates
 * (leads over the year before the reference date, contacts and accounts over four years),
 * email/phone data lists, phones in E.164.
 */
import { mulberry32, Random } from './random.js';
import { Builder, LEAD_SPAN_MS } from './builder.js';
import { accountRecord, personRecord, type Draft } from './records.js';
import { accountDuplicate, personDuplicate } from './variants.js';
import { homonymCounts, plantHomonyms } from './homonyms.js';
import type { Dataset, DuplicateCluster, GenerateOptions, GeneratedEntityType } from './types.js';

export type { Dataset, DuplicateCluster, DuplicateTruth, GenerateOptions, GeneratedEntityType, Homonym } from './types.js';
export { mulberry32 } from './random.js';

const DEFAULT_NOW = Date.UTC(2026, 10, 28, 12, 0, 0);

function clusterCounts(opts: GenerateOptions): Record<GeneratedEntityType, number> {
  const sizes: Record<GeneratedEntityType, number> = { Lead: opts.leads, Contact: opts.contacts, Account: opts.accounts };
  const max = (n: number) => Math.floor(n / 3);
  if (opts.duplicateClusters === undefined) {
    // About 2% of the records; at least one cluster from 10 records on, so small demos have one.
    const pick = (n: number) => (n < 10 ? 0 : Math.min(max(n), Math.max(1, Math.round((n * 0.02) / 2.3))));
    return { Lead: pick(sizes.Lead), Contact: pick(sizes.Contact), Account: pick(sizes.Account) };
  }
  const total = sizes.Lead + sizes.Contact + sizes.Account;
  const counts: Record<GeneratedEntityType, number> = { Lead: 0, Contact: 0, Account: 0 };
  if (total === 0) return counts;
  const types: GeneratedEntityType[] = ['Lead', 'Contact', 'Account'];
  const shares = types.map((t) => (opts.duplicateClusters! * sizes[t]) / total);
  types.forEach((t, i) => (counts[t] = Math.floor(shares[i]!)));
  let left = opts.duplicateClusters - types.reduce((s, t) => s + counts[t], 0);
  const order = types.map((t, i) => [t, shares[i]! - Math.floor(shares[i]!)] as const).sort((a, b) => b[1] - a[1]);
  for (const [t] of order) if (left-- > 0) counts[t]++;
  for (const t of types) counts[t] = Math.min(counts[t], max(sizes[t]));
  return counts;
}

/** Plans cluster sizes (2 or 3) that fit into n records. */
function clusterSizes(r: Random, clusters: number, n: number): number[] {
  const sizes: number[] = [];
  let used = 0;
  for (let i = 0; i < clusters; i++) {
    const size = r.chance(0.3) && used + 3 + 2 * (clusters - i - 1) <= n ? 3 : 2;
    if (used + size > n) break;
    sizes.push(size);
    used += size;
  }
  return sizes;
}

export function generateDataset(opts: GenerateOptions): Dataset {
  for (const [name, value] of [['leads', opts.leads], ['contacts', opts.contacts], ['accounts', opts.accounts]] as const) {
    if (!Number.isInteger(value) || value < 0) throw new RangeError(`${name} must be a non-negative integer`);
  }
  if (opts.homonyms !== undefined && (!Number.isInteger(opts.homonyms) || opts.homonyms < 0)) throw new RangeError('homonyms must be a non-negative integer');
  const r = new Random(mulberry32(opts.seed));
  const b = new Builder(r, opts.now?.getTime() ?? DEFAULT_NOW, opts.defaultCountry ?? 'FR');
  const counts = clusterCounts(opts);
  const clusters: DuplicateCluster[] = [];

  const build = (entityType: GeneratedEntityType, n: number, make: () => Draft, duplicate: (original: Draft) => { draft: Draft; variations: string[] } | undefined): Draft[] => {
    const sizes = clusterSizes(r, counts[entityType], n);
    const extra = sizes.reduce((s, size) => s + size - 1, 0);
    const drafts: Draft[] = [];
    for (let i = 0; i < n - extra; i++) drafts.push(make());
    const originals = [...drafts];
    let remaining = extra;
    for (const size of sizes) {
      const original = originals.splice(r.int(0, originals.length - 1), 1)[0]!;
      const ids = [String(original.record.id)];
      const variations = new Set<string>();
      for (let k = 1; k < size; k++) {
        let made: { draft: Draft; variations: string[] } | undefined;
        for (let attempt = 0; attempt < 20 && !made; attempt++) made = duplicate(original);
        if (!made) break;
        drafts.push(made.draft);
        ids.push(String(made.draft.record.id));
        made.variations.forEach((v) => variations.add(v));
        remaining--;
      }
      if (ids.length > 1) clusters.push({ entityType, ids, variations: [...variations].sort() });
    }
    for (; remaining > 0; remaining--) drafts.push(make()); // clusters that could not be varied
    return drafts.sort((x, y) => x.ms - y.ms || String(x.record.id).localeCompare(String(y.record.id)));
  };

  const accounts = build(
    'Account',
    opts.accounts,
    () => {
      const stamp = b.stamp();
      const company = b.company(stamp.id);
      return accountRecord(b, stamp, company, opts, r.chance(0.8), b.companyContact(stamp.id, company));
    },
    (original) => accountDuplicate(b, original, opts),
  );
  const people = (entityType: 'Lead' | 'Contact', n: number) =>
    build(
      entityType,
      n,
      () => {
        const stamp = entityType === 'Lead' ? b.stamp(undefined, LEAD_SPAN_MS) : b.stamp();
        return personRecord(b, stamp, entityType, b.person(stamp.id), opts, accounts);
      },
      (original) => personDuplicate(b, entityType, original, opts, accounts),
    );
  const leads = people('Lead', opts.leads);
  const contacts = people('Contact', opts.contacts);
  // Last, so every other record is what it would be without them.
  const inClusters = new Set(clusters.flatMap((c) => c.ids));
  const homonymsPerType = homonymCounts(opts);
  const homonyms = [
    ...plantHomonyms(b, 'Lead', leads, homonymsPerType.Lead, inClusters),
    ...plantHomonyms(b, 'Contact', contacts, homonymsPerType.Contact, inClusters),
  ];

  const records = {
    Lead: leads.map((d) => d.record),
    Contact: contacts.map((d) => d.record),
    Account: accounts.map((d) => d.record),
  };
  return { records, truth: { clusters, homonyms } };
}
