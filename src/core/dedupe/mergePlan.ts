/**
 * Merge planning for EspoCRM's `POST Action` (merge): which record is kept, which are merged into it,
 * and field by field which value wins. The kept record's value wins; where it is empty, the first
 * non-empty value among the other records (in the order given) fills it.
 */
import { CoreError } from '../errors.js';
import { isEmptyValue } from './profile.js';
import type { DedupeRecord } from './types.js';

export interface FieldChoice {
  field: string;
  value: unknown;
  /** The id of the record the value comes from. */
  from: string;
  /** The other, different non-empty values, one per distinct value. */
  alternatives: Array<{ from: string; value: unknown }>;
}

export interface MergePlan {
  targetId: string;
  sourceIds: string[];
  /** `data.attributes` of the merge action. */
  attributes: Record<string, unknown>;
  fieldChoices: FieldChoice[];
  notes: string[];
}

// EspoCRM rebuilds these from every record's addresses on merge; sending one record's list is pointless.
const REBUILT_BY_ESPO = new Set(['emailAddressData', 'phoneNumberData']);
// A link's attributes must come from one record: accountId with accountName, parentId with parentType.
const COMPANIONS: Array<[lead: string, followers: string[]]> = [
  ['Id', ['Name', 'Type']],
  ['Ids', ['Names', 'Columns']],
];

function leaderOf(field: string, fields: ReadonlySet<string>): string | null {
  for (const [lead, followers] of COMPANIONS) {
    for (const f of followers) {
      if (field.endsWith(f) && field.length > f.length) {
        const leader = field.slice(0, -f.length) + lead;
        if (fields.has(leader)) return leader;
      }
    }
  }
  return null;
}

function followersOf(field: string, fields: ReadonlySet<string>): string[] {
  for (const [lead, followers] of COMPANIONS) {
    if (field.endsWith(lead) && field.length > lead.length) {
      const base = field.slice(0, -lead.length);
      return followers.map((f) => base + f).filter((f) => fields.has(f));
    }
  }
  return [];
}

const sameValue = (a: unknown, b: unknown): boolean => a === b || JSON.stringify(a) === JSON.stringify(b);

function addresses(records: readonly DedupeRecord[], single: 'emailAddress' | 'phoneNumber'): string[] {
  const out = new Set<string>();
  for (const r of records) {
    const one = r[single];
    if (typeof one === 'string' && one.trim()) out.add(one.trim());
    const data = r[`${single}Data`];
    if (Array.isArray(data)) {
      for (const d of data) {
        const v = (d as Record<string, unknown> | null)?.[single];
        if (typeof v === 'string' && v.trim()) out.add(v.trim());
      }
    }
  }
  return [...out];
}

/**
 * Plans merging `records` (full attributes) into the one with id `keepId`, over `fields`.
 * Throws a CoreError when `keepId` is not among the records or fewer than two distinct records are given.
 */
export function planMerge(records: readonly DedupeRecord[], keepId: string, fields: readonly string[]): MergePlan {
  const byId = new Map<string, DedupeRecord>();
  for (const r of records) if (!byId.has(r.id)) byId.set(r.id, r);
  const target = byId.get(keepId);
  if (!target) {
    throw new CoreError(`The record to keep (${keepId}) is not one of the records to merge: ${[...byId.keys()].join(', ')}.`);
  }
  if (byId.size < 2) throw new CoreError('A merge needs at least two different records.');
  const sources = [...byId.values()].filter((r) => r.id !== keepId);
  const ordered = [target, ...sources];
  const fieldSet = new Set(fields);

  const attributes: Record<string, unknown> = {};
  const fieldChoices: FieldChoice[] = [];
  const filledFromSources: string[] = [];
  for (const field of fieldSet) {
    if (field === 'id' || REBUILT_BY_ESPO.has(field) || leaderOf(field, fieldSet)) continue;
    const winner = ordered.find((r) => !isEmptyValue(r[field]));
    if (!winner) continue;
    const value = winner[field];
    const alternatives: FieldChoice['alternatives'] = [];
    for (const r of ordered) {
      const v = r[field];
      if (r === winner || isEmptyValue(v) || sameValue(v, value)) continue;
      if (alternatives.some((a) => sameValue(a.value, v))) continue;
      alternatives.push({ from: r.id, value: v });
    }
    attributes[field] = value;
    fieldChoices.push({ field, value, from: winner.id, alternatives });
    for (const follower of followersOf(field, fieldSet)) {
      const fv = winner[follower] ?? null;
      attributes[follower] = fv;
      fieldChoices.push({ field: follower, value: fv, from: winner.id, alternatives: [] });
    }
    if (winner !== target) filledFromSources.push(field);
  }

  const notes = [
    `Merging cannot be undone: ${sources.map((s) => s.id).join(', ')} will be deleted, and their stream posts, emails and related records moved to ${keepId}.`,
  ];
  const emails = addresses(ordered, 'emailAddress');
  const phones = addresses(ordered, 'phoneNumber');
  if (emails.length || phones.length) {
    notes.push(`EspoCRM combines the email addresses and phone numbers of all the records on the kept one: ${[...emails, ...phones].join(', ')}.`);
  }
  if (filledFromSources.length) notes.push(`Empty on the kept record, filled from another: ${filledFromSources.join(', ')}.`);
  return { targetId: keepId, sourceIds: sources.map((s) => s.id), attributes, fieldChoices, notes };
}
