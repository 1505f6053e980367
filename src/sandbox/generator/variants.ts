/**
 * Duplicates of generated records, as a duplicate finder meets them: typos, case and accent changes,
 * swapped names, company suffixes added or dropped, the same email or phone written differently.
 * Each returns the variations it applied (the cluster's truth).
 */
import { fold } from '../records/collation.js';
import { hasAccent, nameKey, stripAccents, type Builder, type Contact, type Person } from './builder.js';
import { accountRecord, personRecord, type Draft } from './records.js';
import type { Random } from './random.js';
import type { GenerateOptions } from './types.js';

const KEYBOARD_NEIGHBOURS: Record<string, string> = {
  a: 'qsz', b: 'vn', c: 'xv', d: 'sf', e: 'rz', f: 'dg', g: 'fh', h: 'gj', i: 'uo', j: 'hk', k: 'jl', l: 'km', m: 'nl',
  n: 'bm', o: 'ip', p: 'ol', q: 'aw', r: 'et', s: 'ad', t: 'ry', u: 'yi', v: 'cb', w: 'qe', x: 'zc', y: 'tu', z: 'xe',
};

/** One-letter typo: a neighbouring key, a dropped letter, a doubled letter or two swapped letters. */
function typo(r: Random, word: string): string {
  const letters = word.split('').map((c, i) => (i > 0 && i < word.length - 1 && /\p{L}/u.test(c) && /\p{L}/u.test(word.charAt(i + 1)) ? i : -1)).filter((i) => i > 0);
  if (letters.length === 0) return `${word}${word.charAt(word.length - 1)}`;
  const i = r.pick(letters);
  const c = word.charAt(i);
  switch (r.int(0, 3)) {
    case 0: {
      const near = KEYBOARD_NEIGHBOURS[c.toLowerCase()];
      return near ? word.slice(0, i) + r.pick([...near]) + word.slice(i + 1) : word.slice(0, i) + word.slice(i + 1);
    }
    case 1:
      return word.slice(0, i) + word.slice(i + 1);
    case 2:
      return word.slice(0, i) + c + word.slice(i);
    default:
      return word.charAt(i + 1) === c ? word.slice(0, i) + word.slice(i + 1) : word.slice(0, i) + word.charAt(i + 1) + c + word.slice(i + 2);
  }
}

function caseVariant(r: Random, email: string): string {
  const [local, host] = email.split('@') as [string, string];
  const title = local.split(/([.-])/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('');
  return r.pick([`${title}@${host}`, email.toUpperCase(), `${title}@${host.charAt(0).toUpperCase()}${host.slice(1)}`]);
}

type NameVariation = 'none' | 'case' | 'accents-removed' | 'accents-added' | 'typo' | 'swap';
type ContactVariation = 'email-same' | 'email-case' | 'email-whitespace' | 'phone-same' | 'email-other';

/** A duplicate of a person record; returns the record and the variations it carries. */
export function personDuplicate(b: Builder, entityType: 'Lead' | 'Contact', original: Draft, opts: GenerateOptions, accounts: Draft[]): { draft: Draft; variations: string[] } | undefined {
  const { r } = b;
  const p = original.person!;
  const owner = String(original.record.id);
  const accented = hasAccent(p.first) || hasAccent(p.last);
  const nameChoices: [NameVariation, number][] = [['none', 3], ['case', 2], ['typo', 3], ['swap', 1.5]];
  if (accented) nameChoices.push(['accents-removed', 3], ['accents-added', 2]);
  const nameVar = r.weighted(nameChoices);
  const fuzzyName = nameVar === 'typo' || nameVar === 'swap';
  const contactChoices: [ContactVariation, number][] = [];
  if (p.email) contactChoices.push(['email-same', 2], ['email-case', 3], ['email-whitespace', 1]);
  if (p.phone) contactChoices.push(['phone-same', 2]);
  if (!fuzzyName) contactChoices.push(['email-other', 2]);
  if (contactChoices.length === 0) return undefined;
  const contactVar = r.weighted(contactChoices);

  let first = p.first;
  let last = p.last;
  switch (nameVar) {
    case 'case':
      last = r.chance(0.6) ? last.toUpperCase() : last.toLowerCase();
      if (r.chance(0.3)) first = first.toLowerCase();
      break;
    case 'accents-removed':
      first = stripAccents(first);
      last = stripAccents(last);
      break;
    case 'accents-added':
      // The original is the plain spelling; the duplicate keeps the accents.
      original.record.firstName = stripAccents(p.first);
      original.record.lastName = stripAccents(p.last);
      original.record.name = `${original.record.firstName} ${original.record.lastName}`;
      break;
    case 'typo':
      if (r.chance(0.75)) last = typo(r, last);
      else first = typo(r, first);
      break;
    case 'swap':
      [first, last] = [last, first];
      break;
  }
  if (fold(first) === fold(p.first) && fold(last) === fold(p.last) && nameVar === 'typo') return undefined;
  const key = nameKey(first, last);
  if (!b.index.free(key, owner)) return undefined;

  let email: string | null = p.email;
  let phone: string | null = r.chance(0.5) ? p.phone : null;
  switch (contactVar) {
    case 'email-case':
      email = caseVariant(r, p.email!);
      break;
    case 'email-whitespace':
      email = r.pick([` ${p.email}`, `${p.email} `, ` ${p.email} `]);
      break;
    case 'phone-same':
      phone = p.phone;
      email = r.chance(0.6) ? b.email(owner, p.culture, first, last) : null;
      break;
    case 'email-other':
      email = b.email(owner, p.culture, first, last);
      phone = null;
      break;
  }
  b.index.claim(key, owner);
  const person: Person = { culture: p.culture, first, last, email, phone };
  const draft = personRecord(b, b.stamp(original.ms), entityType, person, opts, accounts);
  if (entityType === 'Contact' && original.record.accountId !== undefined) {
    draft.record.accountId = original.record.accountId;
    draft.record.accountName = original.record.accountName ?? null;
  }
  if (entityType === 'Lead' && r.chance(0.7)) draft.record.accountName = original.record.accountName ?? null;
  const variations = [`name:${nameVar}`, contactVar === 'phone-same' ? 'phone:same' : `email:${contactVar.slice(6)}`];
  if (contactVar !== 'phone-same' && phone === p.phone && phone) variations.push('phone:same');
  return { draft, variations };
}

type CompanyVariation = 'suffix-added' | 'suffix-removed' | 'case' | 'typo' | 'accents-removed';

export function accountDuplicate(b: Builder, original: Draft, opts: GenerateOptions): { draft: Draft; variations: string[] } {
  const { r } = b;
  const company = original.company!;
  const hadSuffix = original.record.name !== company.core;
  const choices: [CompanyVariation, number][] = [[hadSuffix ? 'suffix-removed' : 'suffix-added', 4], ['case', 2], ['typo', 2]];
  if (hasAccent(company.core)) choices.push(['accents-removed', 2]);
  const variation = r.weighted(choices);
  let name = String(original.record.name);
  if (variation === 'suffix-removed') name = company.core;
  if (variation === 'suffix-added') name = `${company.core} ${company.suffix}`;
  if (variation === 'case') name = r.chance(0.5) ? name.toUpperCase() : name.toLowerCase();
  if (variation === 'typo') name = name.replace(company.core, typo(r, company.core));
  if (variation === 'accents-removed') name = stripAccents(name);
  const variations = [`company:${variation}`, 'website:same'];
  // Keep one more shared signal when there is one: the same phone or the same (case-varied) email.
  const email = original.record.emailAddress;
  const phone = original.record.phoneNumber;
  const contact: Contact = { email: null, phone: null };
  if (typeof phone === 'string' && (r.chance(0.5) || typeof email !== 'string')) {
    contact.phone = phone;
    variations.push('phone:same');
  } else if (typeof email === 'string') {
    contact.email = r.chance(0.5) ? caseVariant(r, email) : email;
    variations.push(contact.email === email ? 'email:same' : 'email:case');
  }
  const draft = accountRecord(b, b.stamp(original.ms), company, opts, hadSuffix, contact);
  draft.record.name = name;
  return { draft, variations };
}
