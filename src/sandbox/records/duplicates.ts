/**
 * The create-time duplicate check of EspoCRM 8+ (`Classes/DuplicateWhereBuilders/General`): an OR
 * over `scopes.X.duplicateCheckFieldList`. A person name matches when first AND last name are equal
 * (NULL equals NULL, as the ORM writes `IS NULL`), an email when any address of the new record equals
 * any address of an existing one, a plain varchar when equal; all under the case-insensitive collation.
 */
import type { Json, RecordAttributes } from '../types.js';
import { collatedEquals, collationKey } from './collation.js';
import { addressList, readAttribute, type EntitySchema } from './schema.js';

export const MAX_DUPLICATES = 5;

type Match = (row: RecordAttributes) => boolean;

const sameNullable = (a: Json, b: Json) =>
  a === null || b === null ? a === null && b === null : collatedEquals(String(a), String(b));

/** Up to 5 live rows that the candidate would duplicate, in storage order. */
export function findDuplicates(
  schema: EntitySchema,
  checkFields: string[],
  candidate: RecordAttributes,
  rows: Iterable<RecordAttributes>,
): RecordAttributes[] {
  const matchers: Match[] = [];
  for (const field of checkFields) {
    const def = schema.fields[field];
    if (!def) continue;
    if (def.type === 'personName') {
      const suffix = field.charAt(0).toUpperCase() + field.slice(1);
      const first = schema.byName.get(`first${suffix}`);
      const last = schema.byName.get(`last${suffix}`);
      if (!first || !last) continue;
      const f = readAttribute(candidate, first);
      const l = readAttribute(candidate, last);
      if (!f && !l) continue;
      matchers.push((row) => sameNullable(readAttribute(row, first), f) && sameNullable(readAttribute(row, last), l));
    } else if (def.type === 'email' || def.type === 'phone') {
      const kind = def.type;
      const key = kind === 'email' ? collationKey : (a: string) => a;
      const mine = new Set(addressList(candidate, field, kind).map(key));
      if (mine.size === 0) continue;
      matchers.push((row) => addressList(row, field, kind).some((a) => mine.has(key(a))));
    } else {
      const spec = schema.byName.get(field);
      if (!spec || spec.kind !== 'plain') continue;
      const value = readAttribute(candidate, spec);
      if (typeof value !== 'string' || value === '') continue;
      matchers.push((row) => {
        const other = readAttribute(row, spec);
        return typeof other === 'string' && collatedEquals(other, value);
      });
    }
  }
  if (matchers.length === 0) return [];
  const found: RecordAttributes[] = [];
  for (const row of rows) {
    if (row.deleted === true || row.id === candidate.id) continue;
    if (matchers.some((m) => m(row))) {
      found.push(row);
      if (found.length === MAX_DUPLICATES) break;
    }
  }
  return found;
}
