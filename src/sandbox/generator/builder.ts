/**
 * The generator's building blocks: people, companies, phones, emails and creation stamps, each unique
 * on every duplicate signal (folded name, email, phone, company name, web domain) unless a duplicate
 * claims it on purpose; the index of who owns which signal.
 */
import { fold } from '../records/collation.js';
import { formatDateTime, idAt } from '../records/ids.js';
import { cultureWeights, type Culture } from './cultures.js';
import type { Random } from './random.js';

const YEAR_MS = 365 * 86_400_000;
const SPAN_YEARS = 4;
/** Leads are recent: created over the last year before the reference date (usage per month counts them). */
export const LEAD_SPAN_MS = YEAR_MS;

/** Who owns a duplicate signal (email, phone, name key...): a record id, or its cluster's original. */
class SignalIndex {
  private readonly owners = new Map<string, string>();
  free(key: string, owner?: string): boolean {
    const current = this.owners.get(key);
    return current === undefined || current === owner;
  }
  claim(key: string, owner: string): void {
    this.owners.set(key, owner);
  }
}

export const nameKey = (first: string, last: string) => `name:${[fold(first).trim(), fold(last).trim()].sort().join('|')}`;
const emailKey = (email: string) => `email:${email.trim().toLowerCase()}`;
const phoneKey = (phone: string) => `phone:${phone}`;
const ascii = (s: string) => fold(s).replace(/[^a-z0-9]+/g, '');
export const stripAccents = (s: string) => s.normalize('NFD').replace(/\p{M}/gu, '').normalize('NFC');
export const hasAccent = (s: string) => stripAccents(s) !== s;

export interface Person {
  culture: Culture;
  first: string;
  last: string;
  email: string | null;
  phone: string | null;
}

export interface Company {
  culture: Culture;
  core: string;
  suffix: string;
  domain: string;
}

export interface Contact {
  email: string | null;
  phone: string | null;
}

export interface Stamp {
  id: string;
  createdAt: string;
  ms: number;
}

export class Builder {
  readonly index = new SignalIndex();
  private readonly usedIds = new Set<string>();
  private readonly cultures: [Culture, number][];

  constructor(
    readonly r: Random,
    readonly now: number,
    defaultCountry: string,
  ) {
    this.cultures = cultureWeights(defaultCountry);
  }

  culture(): Culture {
    return this.r.weighted(this.cultures);
  }

  /** A person whose folded name, email and phone no other record uses. */
  person(owner: string, culture = this.culture()): Person {
    const { r } = this;
    for (let attempt = 0; ; attempt++) {
      const first = attempt > 12 && r.chance(0.5) ? `${r.pick(culture.first)}-${r.pick(culture.first)}` : r.pick(culture.first);
      let last = r.pick(culture.last);
      if (r.chance(culture.compoundLast) || attempt > 3) {
        const second = r.pick(culture.last);
        if (second !== last) last = `${last}${culture.compoundJoin}${second}`;
      }
      if (!this.index.free(nameKey(first, last))) continue;
      this.index.claim(nameKey(first, last), owner);
      const email = r.chance(0.92) ? this.email(owner, culture, first, last) : null;
      const phone = r.chance(0.85) ? this.phone(owner, culture, r.chance(0.8)) : null;
      return { culture, first, last, email, phone };
    }
  }

  /**
   * A personal address: first/last at a company-looking domain or a local free-mail provider, or at
   * `host` when given (a namesake's colleague at the same domain).
   */
  email(owner: string, culture: Culture, first: string, last: string, host?: string): string {
    const { r } = this;
    const f = ascii(first);
    const l = ascii(last);
    host ??= r.chance(0.55) ? `${ascii(r.pick(culture.last))}-${ascii(r.pick(culture.nouns))}.${culture.tld}` : r.pick(culture.freeMail);
    const locals = [`${f}.${l}`, `${f.charAt(0)}${l}`, `${f}-${l}`, `${l}.${f}`, `${f}${l}`, `${f}.${l}${r.int(1, 99)}`];
    for (let attempt = 0; ; attempt++) {
      const local = attempt < locals.length ? r.pick(locals) : `${f}.${l}${r.int(1, 9999)}`;
      const email = `${local}@${host}`;
      if (this.index.free(emailKey(email))) {
        this.index.claim(emailKey(email), owner);
        return email;
      }
    }
  }

  phone(owner: string, culture: Culture, mobile: boolean): string {
    for (;;) {
      const phone = mobile ? culture.mobile(this.r) : culture.landline(this.r);
      if (this.index.free(phoneKey(phone))) {
        this.index.claim(phoneKey(phone), owner);
        return phone;
      }
    }
  }

  company(owner: string, culture = this.culture()): Company {
    const { r } = this;
    for (;;) {
      const last = r.pick(culture.last);
      const noun = r.pick(culture.nouns);
      const pattern = r.int(0, 9);
      let core: string;
      if (pattern === 0) core = `${last} & ${r.pick(culture.last)}`;
      else if (pattern === 1 && culture.country === 'FR') core = `${last} ${r.pick(['Frères', '& Fils'])}`;
      else core = culture.nounPosition === 'before' ? `${noun} ${last}` : `${last} ${noun}`;
      const domain = `${ascii(core)}.${culture.tld}`;
      const key = `company:${ascii(core)}`;
      if (!this.index.free(key) || !this.index.free(`domain:${domain}`)) continue;
      this.index.claim(key, owner);
      this.index.claim(`domain:${domain}`, owner);
      return { culture, core, suffix: r.pick(culture.suffixes), domain };
    }
  }

  /** The shared mailbox and switchboard of a company (its domain is unique, so is the address). */
  companyContact(owner: string, company: Company): Contact {
    const { r } = this;
    let email: string | null = null;
    if (r.chance(0.8)) {
      email = `${r.pick(['contact', 'info', 'hello', 'office', 'sales'])}@${company.domain}`;
      this.index.claim(emailKey(email), owner);
    }
    return { email, phone: r.chance(0.9) ? this.phone(owner, company.culture, false) : null };
  }

  /**
   * A creation moment in the past `spanMs` (default SPAN_YEARS years), or between `after` and now,
   * and an id that grows with it. The span only scales the moment: the random draws are the same.
   */
  stamp(after?: number, spanMs = SPAN_YEARS * YEAR_MS): Stamp {
    const { r } = this;
    const earliest = after ?? this.now - spanMs;
    const ms = Math.floor(earliest + r.next() * (this.now - earliest));
    for (;;) {
      const id = idAt(ms * 1000 + r.int(0, 999), r.next);
      if (!this.usedIds.has(id)) {
        this.usedIds.add(id);
        return { id, createdAt: formatDateTime(new Date(ms)), ms };
      }
    }
  }
}
