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
  /** Organisation domains: non-free email domains (with `email`), and an organisation's website host. */
  domains: readonly string[];
  /** A person's company (`accountName`), normalised; empty when none or not a chosen signal. */
  company: readonly string[];
  /** Whether a website was given (a company profile then compares website domains). */
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

export function buildProfile(record: DedupeRecord, opts: ProfileOptions): RecordProfile {
  const { signals, nameKind } = opts;
  const emails: string[] = [];
  const domains: string[] = [];
  if (signals.has('email')) {
    const primary = str(record.emailAddress);
    pushUnique(emails, normalizeEmail(primary));
    if (Array.isArray(record.emailAddressData)) {
      for (const e of record.emailAddressData) {
        const raw = str(e?.emailAddress);
        if (raw !== primary) pushUnique(emails, normalizeEmail(raw));
      }
    }
    for (const e of emails) pushUnique(domains, corporateDomain(emailDomain(e)));
  }
  const phones: string[] = [];
  if (signals.has('phone')) {
    // The primary number is repeated in phoneNumberData: parse each distinct string once.
    const primary = str(record.phoneNumber);
    pushUnique(phones, normalizePhone(primary, opts.defaultCountry));
    if (Array.isArray(record.phoneNumberData)) {
      for (const p of record.phoneNumberData) {
        const raw = str(p?.phoneNumber);
        if (raw !== primary) pushUnique(phones, normalizePhone(raw, opts.defaultCountry));
      }
    }
  }
  let name: ProfileName | null = null;
  let company: ProfileName | null = null;
  let website: string | null = null;
  if (nameKind === 'person') {
    if (signals.has('name')) name = personProfileName(str(record.firstName), str(record.lastName), str(record.name));
    if (signals.has('company')) company = companyProfileName(str(record.accountName));
  } else if (signals.has('name') || signals.has('company')) {
    // An organisation's name is its company name: either signal enables it, with its website.
    name = companyProfileName(str(record.name));
    website = normalizeWebsite(str(record.website));
    pushUnique(domains, website);
  }
  return {
    id: record.id,
    name: name && name.tokens.length > 0 ? name.tokens : EMPTY,
    nameKey: name && name.tokens.length > 0 ? name.key : '',
    emails: emails.length > 0 ? emails : EMPTY,
    phones: phones.length > 0 ? phones : EMPTY,
    domains: domains.length > 0 ? domains : EMPTY,
    company: company && company.tokens.length > 0 ? company.tokens : EMPTY,
    website,
    filled: countFilled(record),
    createdAt: str(record.createdAt),
  };
}
