/**
 * Homonyms: two people with the same name at the same company who are not the same person, the
 * false positives a duplicate finder meets in a real CRM. A record outside every duplicate cluster
 * takes the name and company of another one of the same culture and gets identifiers of its own: most
 * often another email and another phone (both records hold both, each different: conflicting
 * evidence), one in 16 only one of the two (the other missing on at least one record, which no finder
 * can tell from a duplicate whose email or phone changed, so it stays a false positive; the field
 * measurement of issue 17 found only the first kind). Made after every record, from the same
 * seeded stream, so the other records stay as they were.
 */
import type { Builder, Person } from './builder.js';
import { addressData, type Draft } from './records.js';
import type { GenerateOptions, Homonym } from './types.js';

// Default share of each type's records given a namesake (none under 500 records).
const SHARE = 0.002;
// One homonym in this many holds only one identifier that differs (alternately email, phone).
const ONE_IDENTIFIER_EVERY = 16;
const ATTEMPTS = 100;

/** Homonym pairs per entity type: the option split by size (largest remainder), else the default share. */
export function homonymCounts(opts: GenerateOptions): { Lead: number; Contact: number } {
  if (opts.homonyms === undefined) return { Lead: Math.floor(opts.leads * SHARE), Contact: Math.floor(opts.contacts * SHARE) };
  const total = opts.leads + opts.contacts;
  if (total === 0 || opts.homonyms === 0) return { Lead: 0, Contact: 0 };
  const leadShare = (opts.homonyms * opts.leads) / total;
  let lead = Math.floor(leadShare);
  let contact = Math.floor(opts.homonyms - leadShare);
  if (lead + contact < opts.homonyms) {
    if (leadShare - lead >= opts.homonyms - leadShare - contact) lead++;
    else contact++;
  }
  // Each pair takes two records outside the clusters: never more than a third of the records.
  return { Lead: Math.min(lead, Math.floor(opts.leads / 3)), Contact: Math.min(contact, Math.floor(opts.contacts / 3)) };
}

/** The i-th homonym's kind: one in 16 has a single identifier, leads start with email, contacts with phone. */
function kindOf(entityType: 'Lead' | 'Contact', i: number): Homonym['differing'] {
  if (i % ONE_IDENTIFIER_EVERY !== ONE_IDENTIFIER_EVERY / 2) return 'email+phone';
  return (Math.floor(i / ONE_IDENTIFIER_EVERY) + (entityType === 'Lead' ? 0 : 1)) % 2 === 0 ? 'email' : 'phone';
}

/**
 * Turns `count` pairs of `drafts` (none in `clustered`, which gets their ids) into homonyms, in place;
 * returns the pairs made (fewer when no fitting pair is found).
 */
export function plantHomonyms(b: Builder, entityType: 'Lead' | 'Contact', drafts: Draft[], count: number, clustered: Set<string>): Homonym[] {
  const { r } = b;
  const made: Homonym[] = [];
  if (count <= 0) return made;
  const pool = drafts.filter((d) => d.person && !clustered.has(String(d.record.id)));
  const hasCompany = (d: Draft) => (entityType === 'Lead' ? typeof d.record.accountName === 'string' : typeof d.record.accountId === 'string');
  for (let i = 0; i < count && pool.length >= 2; i++) {
    const differing = kindOf(entityType, i);
    let pair: [Draft, Draft] | undefined;
    for (let attempt = 0; attempt < ATTEMPTS && !pair; attempt++) {
      const x = r.pick(pool);
      const y = r.pick(pool);
      const px = x.person!;
      if (x === y || clustered.has(String(x.record.id)) || clustered.has(String(y.record.id))) continue;
      if (!hasCompany(x) || px.culture !== y.person!.culture) continue;
      if (differing !== 'phone' && !px.email) continue;
      if (differing !== 'email' && !px.phone) continue;
      pair = [x, y];
    }
    if (!pair) continue;
    const [x, y] = pair;
    const px = x.person!;
    const owner = String(y.record.id);
    const first = String(x.record.firstName);
    const last = String(x.record.lastName);
    let email: string | null = null;
    if (differing !== 'phone') {
      // Colleagues share their company's mail domain half the time.
      const host = px.email!.slice(px.email!.indexOf('@') + 1);
      const sameHost = !px.culture.freeMail.includes(host) && r.chance(0.5);
      email = b.email(owner, px.culture, first, last, sameHost ? host : undefined);
    }
    const phone = differing === 'email' ? null : (y.person!.phone ?? b.phone(owner, px.culture, r.chance(0.8)));
    const person: Person = { culture: px.culture, first, last, email, phone };
    Object.assign(y.record, { firstName: first, lastName: last, name: `${first} ${last}`, ...addressData(email, phone, 'Mobile') });
    if (entityType === 'Lead') y.record.accountName = x.record.accountName ?? null;
    else Object.assign(y.record, { accountId: x.record.accountId, accountName: x.record.accountName });
    y.person = person;
    clustered.add(String(x.record.id));
    clustered.add(String(y.record.id));
    made.push({ entityType, ids: [String(x.record.id), String(y.record.id)], differing });
  }
  return made;
}
