/** Small builders for the field and link definitions the sandbox's entity types share. */
import type { FieldDef, Json } from '../types.js';

export type Fields = Record<string, FieldDef>;
export type Links = Record<string, Record<string, Json>>;

export const varchar = (maxLength = 100, extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'varchar', maxLength, ...extra });
export const text = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'text', ...extra });
export const enumField = (options: string[], extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'enum', options, ...extra });
export const bool = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'bool', ...extra });
export const link = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'link', ...extra });
export const linkMultiple = (extra: Partial<FieldDef> = {}): FieldDef => ({ type: 'linkMultiple', ...extra });

/** `name` as a person name with its parts (Lead, Contact, User). */
export function personNameFields(dependees?: string[]): Fields {
  return {
    // a select of `name` also returns the dependee attributes (EspoCRM's Lead: email, phone, account name)
    name: { type: 'personName', isPersonalData: true, ...(dependees ? { dependeeAttributeList: dependees } : {}) },
    salutationName: enumField(['', 'Mr.', 'Ms.', 'Mrs.', 'Dr.']),
    firstName: varchar(100, { pattern: '$noBadCharacters' }),
    lastName: varchar(100, { pattern: '$noBadCharacters' }),
    middleName: varchar(100, { pattern: '$noBadCharacters' }),
  };
}

/** An address field and its five parts, e.g. `address` or `billingAddress`. */
export function addressFields(name: string): Fields {
  return {
    [name]: { type: 'address', isPersonalData: true },
    [`${name}Street`]: text({ maxLength: 255, dbType: 'varchar' }),
    [`${name}City`]: varchar(100),
    [`${name}State`]: varchar(100),
    [`${name}Country`]: varchar(100),
    [`${name}PostalCode`]: varchar(40),
  };
}

/** Email and phone groups with their not-stored flags. */
export function contactChannelFields(): Fields {
  const flag = (): FieldDef => ({ type: 'bool', notStorable: true, layoutDetailDisabled: true, mergeDisabled: true });
  return {
    emailAddress: { type: 'email', isPersonalData: true },
    phoneNumber: { type: 'phone', typeList: ['Mobile', 'Office', 'Home', 'Fax', 'Other'], defaultType: 'Mobile', isPersonalData: true },
    emailAddressIsOptedOut: flag(),
    emailAddressIsInvalid: flag(),
    phoneNumberIsOptedOut: flag(),
    phoneNumberIsInvalid: flag(),
  };
}

/** createdAt, modifiedAt, createdBy, modifiedBy (+ assignedUser and teams when `owned`). */
export function systemFields(owned: boolean): Fields {
  const fields: Fields = {
    createdAt: { type: 'datetime', readOnly: true },
    modifiedAt: { type: 'datetime', readOnly: true },
    createdBy: link({ readOnly: true, view: 'views/fields/user' }),
    modifiedBy: link({ readOnly: true, view: 'views/fields/user' }),
  };
  if (owned) {
    fields.assignedUser = link({ view: 'views/fields/assigned-user' });
    fields.teams = linkMultiple({ view: 'views/fields/teams' });
  }
  return fields;
}

export function systemLinks(owned: boolean): Links {
  const links: Links = {
    createdBy: { type: 'belongsTo', entity: 'User' },
    modifiedBy: { type: 'belongsTo', entity: 'User' },
  };
  if (owned) {
    links.assignedUser = { type: 'belongsTo', entity: 'User' };
    links.teams = { type: 'hasMany', entity: 'Team', relationName: 'entityTeam', layoutRelationshipsDisabled: true };
  }
  return links;
}

export const industryOptions = [
  '', 'Advertising', 'Aerospace', 'Agriculture', 'Automotive', 'Banking', 'Chemical', 'Construction', 'Consulting', 'Education',
  'Electronics', 'Energy', 'Finance', 'Food', 'Healthcare', 'Hospitality', 'Insurance', 'Legal', 'Manufacturing', 'Media',
  'Retail', 'Software', 'Telecommunications', 'Transportation', 'Other',
];
