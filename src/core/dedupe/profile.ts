/**
 * A record reduced to what matching needs, normalised once when it is added. Only these profiles are
 * kept in memory, never the records.
 */
import { isNonCorporateDomain } from './emailDomains.js';
import { MEMO_LIMIT } from './fold.js';
import { emailDomain, normalizeEmail, normalizePhone, normalizeWebsite } from './normalize.js';
import { companyProfileName, personProfileName, type ProfileName } from './profileNames.js';
import type { DedupeRecord, DedupeSignal, NameKind } from './types.js';

export interface RecordProfile {
  id: string;
  /** Person or company name tokens (per `nameKind`); empty when unknown or not a chosen signal. */
  name: readonly string[];
  /**
   * The name's structure, compared only between names with the same tokens (see ProfileName.key:
   * equal exactly when their NormalizedName.exactKey are); '' when no name.
   */
  nameKey: number | string;
  emails: readonly string[];
  phones: readonly string[];
  /**
   * A person's company (`accountName`) as written; null when none or not a chosen signal. Normalised
   * only when a pair is scored (`companyTokens`): nothing is blocked on it, and few pairs look at it.
   */
  companyRaw: string | null;
  /** An organisation's website host (normalised); null for people and when none was given. */
  website: string | null;
  /** Non-empty attributes, for choosing the record to keep. */
  filled: number;
  createdAt: string | null;
}

export interface ProfileOptions {
  signals: ReadonlySet<DedupeSignal>;
  nameKind: NameKind;
  defaultCountry?: string;
}

const EMPTY: readonly string[] = [];

function pushUnique(list: string[], value: string | null): void {
  if (value !== null && !list.includes(value)) list.push(value);
}

// Bookkeeping attributes that say nothing about how complete a record's data is.
const NOT_DATA = new Set(['id', 'deleted', 'createdAt', 'modifiedAt', 'createdById', 'createdByName',
  'modifiedById', 'modifiedByName', 'versionNumber', 'streamUpdatedAt', 'isFollowed', 'followersIds',
  'followersNames']);

/** Count of attributes holding a value (not null, '', [] or {}); bookkeeping attributes excluded. */
export function countFilled(record: Record<string, unknown>): number {
  let n = 0;
  for (const k in record) {
    if (!Object.hasOwn(record, k) || NOT_DATA.has(k) || isEmptyValue(record[k])) continue;
    n++;
  }
  return n;
}

export function isEmptyValue(v: unknown): boolean {
  if (v === null || v === undefined || v === '' || v === false) return true;
  if (typeof v === 'string') return v.trim() === '';
  if (Array.isArray(v)) return v.length === 0;
  if (typeof v === 'object') return Object.keys(v).length === 0;
  return false;
}

// Organisation domain per email domain (null for free mail and reserved domains), one shared copy
// each: thousands of records share a domain, and the test costs two regular expressions.
const domainMemo = new Map<string, string | null>();
function corporateDomain(d: string): string | null {
  let hit = domainMemo.get(d);
  if (hit === undefined) {
    hit = isNonCorporateDomain(d) ? null : d;
    if (domainMemo.size >= MEMO_LIMIT) domainMemo.clear();
    domainMemo.set(d, hit);
  }
  return hit;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** A person's company, normalised (memoised per spelling): sorted tokens, empty when none. */
export function companyTokens(p: RecordProfile): readonly string[] {
  return p.companyRaw === null ? EMPTY : companyProfileName(p.companyRaw).tokens;
}

/**
 * Organisation domains of a profile: its email domains that are not free mail or reserved (in the
 * order of its emails), then an organisation's website host. Derived when a pair is scored (rarely:
 * only pairs with similar names look at domains), so the profiles of a scan do not each hold a list.
 */
export function organisationDomains(p: RecordProfile): string[] {
  const out: string[] = [];
  for (let i = 0; i < p.emails.length; i++) pushUnique(out, corporateDomain(emailDomain(p.emails[i] as string)));
  pushUnique(out, p.website);
  return out;
}

// Scratch lists reused by every call (the profile gets exact-size copies): an array grown by push
// from empty reserves room for 17 values, which a 100k-record scan would keep twice a record.
const emailScratch: string[] = [];
const phoneScratch: string[] = [];

/** An exact-size copy of a scratch list (a shared empty list when empty); the scratch is emptied. */
function take(list: string[]): readonly string[] {
  switch (list.length) {
    case 0:
      return EMPTY;
    case 1:
      return [list.pop() as string];
    default: {
      const out = list.slice();
      list.length = 0;
      return out;
    }
  }
}

export function buildProfile(record: DedupeRecord, opts: ProfileOptions): RecordProfile {
  const { signals, nameKind } = opts;
  const emails = emailScratch;
  const phones = phoneScratch;
  if (emails.length !== 0) emails.length = 0; // left over only if a previous call threw
  if (phones.length !== 0) phones.length = 0;
  if (signals.has('email')) {
    const primary = str(record.emailAddress);
    pushUnique(emails, normalizeEmail(primary));
    const data = record.emailAddressData;
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) {
        const raw = str(data[i]?.emailAddress);
        if (raw !== primary) pushUnique(emails, normalizeEmail(raw));
      }
    }
  }
  if (signals.has('phone')) {
    // The primary number is repeated in phoneNumberData: parse each distinct string once.
    const primary = str(record.phoneNumber);
    pushUnique(phones, normalizePhone(primary, opts.defaultCountry));
    const data = record.phoneNumberData;
    if (Array.isArray(data)) {
      for (let i = 0; i < data.length; i++) {
        const raw = str(data[i]?.phoneNumber);
        if (raw !== primary) pushUnique(phones, normalizePhone(raw, opts.defaultCountry));
      }
    }
  }
  let name: ProfileName | null = null;
  let companyRaw: string | null = null;
  let website: string | null = null;
  if (nameKind === 'person') {
    if (signals.has('name')) name = personProfileName(str(record.firstName), str(record.lastName), str(record.name));
    if (signals.has('company')) companyRaw = str(record.accountName);
  } else if (signals.has('name') || signals.has('company')) {
    // An organisation's name is its company name: either signal enables it, with its website.
    name = companyProfileName(str(record.name));
    website = normalizeWebsite(str(record.website));
  }
  return {
    id: record.id,
    name: name && name.tokens.length > 0 ? name.tokens : EMPTY,
    nameKey: name && name.tokens.length > 0 ? name.key : '',
    emails: take(emails),
    phones: take(phones),
    companyRaw,
    website,
    filled: countFilled(record),
    createdAt: str(record.createdAt),
  };
}
