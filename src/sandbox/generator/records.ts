/** Turns generated people and companies into Lead, Contact and Account records as the store keeps them. */
import type { EntityCatalog, RecordAttributes } from '../types.js';
import { ACCOUNT_TYPE, INDUSTRY, LEAD_SOURCE, LEAD_STATUS, type Culture } from './cultures.js';
import type { Random } from './random.js';
import type { Builder, Company, Contact, Person, Stamp } from './builder.js';
import type { GenerateOptions } from './types.js';

export interface Draft {
  record: RecordAttributes;
  ms: number;
  person?: Person;
  company?: Company;
}

/** The email and phone attributes of a record, with EspoCRM's data lists (the one value primary). */
export function addressData(email: string | null, phone: string | null, phoneType: string): RecordAttributes {
  return {
    emailAddress: email,
    emailAddressData: email ? [{ emailAddress: email, lower: email.toLowerCase(), primary: true, optOut: false, invalid: false }] : [],
    phoneNumber: phone,
    phoneNumberData: phone ? [{ phoneNumber: phone, type: phoneType, primary: true, optOut: false, invalid: false }] : [],
  };
}

function options(catalog: EntityCatalog | undefined, entityType: string, field: string, fallback: string[]): string[] {
  const list = catalog?.entityDefs(entityType)?.fields[field]?.options;
  const values = Array.isArray(list) ? list.filter((o): o is string => typeof o === 'string' && o !== '') : [];
  return values.length ? values : fallback;
}

export function personRecord(b: Builder, stamp: Stamp, entityType: 'Lead' | 'Contact', person: Person, opts: GenerateOptions, accounts: Draft[]): Draft {
  const { r } = b;
  const record: RecordAttributes = {
    id: stamp.id,
    deleted: false,
    salutationName: null,
    firstName: person.first,
    lastName: person.last,
    name: `${person.first} ${person.last}`,
    title: r.chance(0.6) ? r.pick(person.culture.titles) : null,
    ...addressData(person.email, person.phone, 'Mobile'),
    addressCity: r.pick(person.culture.cities),
    addressCountry: person.culture.countryName,
    doNotCall: r.chance(0.03),
    description: null,
    createdAt: stamp.createdAt,
    modifiedAt: stamp.createdAt,
  };
  if (entityType === 'Lead') {
    record.status = r.weighted(options(opts.catalog, 'Lead', 'status', LEAD_STATUS).map((s, i) => [s, i === 0 ? 5 : i < 3 ? 3 : 1] as const));
    record.source = r.pick(options(opts.catalog, 'Lead', 'source', LEAD_SOURCE));
    const employer = r.chance(0.75) ? companyName(r, person.culture) : null;
    record.accountName = employer;
  } else {
    const account = accounts.length && r.chance(0.85) ? r.pick(accounts) : undefined;
    record.accountId = account ? (account.record.id as string) : null;
    record.accountName = account ? (account.record.name as string) : null;
  }
  return { record, ms: stamp.ms, person };
}

/** A free-text employer name for a lead (not a duplicate signal, so it may repeat). */
function companyName(r: Random, culture: Culture): string {
  const core = culture.nounPosition === 'before' ? `${r.pick(culture.nouns)} ${r.pick(culture.last)}` : `${r.pick(culture.last)} ${r.pick(culture.nouns)}`;
  return r.chance(0.7) ? `${core} ${r.pick(culture.suffixes)}` : core;
}

export function accountRecord(b: Builder, stamp: Stamp, company: Company, opts: GenerateOptions, withSuffix: boolean, contact: Contact): Draft {
  const { r } = b;
  const record: RecordAttributes = {
    id: stamp.id,
    deleted: false,
    name: withSuffix ? `${company.core} ${company.suffix}` : company.core,
    website: `https://www.${company.domain}`,
    type: r.pick(options(opts.catalog, 'Account', 'type', ACCOUNT_TYPE)),
    industry: r.pick(options(opts.catalog, 'Account', 'industry', INDUSTRY)),
    ...addressData(contact.email, contact.phone, 'Office'),
    billingAddressCity: r.pick(company.culture.cities),
    billingAddressCountry: company.culture.countryName,
    description: null,
    createdAt: stamp.createdAt,
    modifiedAt: stamp.createdAt,
  };
  return { record, ms: stamp.ms, company };
}
