/** The attributes the index reads, so a handler can `select` only those when paging records. */
import type { DedupeSignal, NameKind } from './types.js';

/**
 * Attributes to request for the given signals (for `GET {Entity}?select=`). `createdAt` is always
 * included (it breaks ties when choosing the record to keep). The `…Data` lists carry secondary
 * addresses when EspoCRM returns them; unknown attributes in `select` are ignored by EspoCRM.
 * The record to keep is the most complete *among the attributes given*: select more to weigh more.
 */
export function dedupeSelectFields(signals: readonly DedupeSignal[], nameKind: NameKind): string[] {
  const out = new Set<string>(['id']);
  const has = (s: DedupeSignal): boolean => signals.includes(s);
  if (has('email')) ['emailAddress', 'emailAddressData'].forEach((f) => out.add(f));
  if (has('phone')) ['phoneNumber', 'phoneNumberData'].forEach((f) => out.add(f));
  if (nameKind === 'person') {
    if (has('name')) ['firstName', 'lastName', 'name'].forEach((f) => out.add(f));
    if (has('company')) out.add('accountName');
  } else if (has('name') || has('company')) {
    ['name', 'website'].forEach((f) => out.add(f));
  }
  out.add('createdAt');
  return [...out];
}

/** `company` for Account, `person` for anything else (Lead, Contact, custom person entities). */
export function defaultNameKind(entityType: string): NameKind {
  return entityType === 'Account' ? 'company' : 'person';
}
