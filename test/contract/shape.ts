/**
 * The body-shape comparison of the contract test.
 *
 * A body is "empty" (no bytes) or a JSON value. Two bodies have the same shape when:
 * - both are empty, or both are JSON of the same kind (null, boolean, number, string, array, object);
 * - a top-level boolean has the same value (true vs false is the answer, e.g. resetToDefault → false);
 * - objects: every key of the recorded object exists in the actual one (extra keys are allowed; a
 *   key whose recorded value is null may be absent: EspoCRM itself leaves unset attributes out of
 *   some responses, and an absent attribute tells a client the same as a null one), and,
 *   while depth remains, the values under those keys have the same shape (one depth level per
 *   object; arrays are transparent: their first elements are compared at the same depth);
 * - arrays: both empty or both non-empty, first elements of the same shape;
 * - a nested recorded null matches any value (it is data, e.g. an unset attribute);
 * - in `{total, list}` bodies, `total` and the list length must be equal.
 */
export type Body = { kind: 'empty' } | { kind: 'json'; value: unknown };

type Kind = 'null' | 'boolean' | 'number' | 'string' | 'array' | 'object';

export function kindOf(value: unknown): Kind {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'array';
  const type = typeof value;
  if (type === 'boolean' || type === 'number' || type === 'string') return type;
  return 'object';
}

const isObject = (value: unknown): value is Record<string, unknown> => kindOf(value) === 'object';

/** Differences between the recorded and the actual body; empty when the shapes match. */
export interface CompareOptions {
  /** compare only these top-level keys of an object body */
  onlyKeys?: readonly string[];
  /** maps a recorded object key to the actual one (keys that are record ids, e.g. `rolesNames`) */
  key?: (recordedKey: string) => string;
}

export function compareBodies(recorded: Body, actual: Body, depth: number, options: CompareOptions = {}): string[] {
  const { onlyKeys } = options;
  const key = options.key ?? ((k: string) => k);
  if (recorded.kind === 'empty' || actual.kind === 'empty') {
    return recorded.kind === actual.kind ? [] : [`body: recorded ${describe(recorded)}, got ${describe(actual)}`];
  }
  const rec = recorded.value;
  const act = actual.value;
  if (kindOf(rec) !== kindOf(act)) return [`body: recorded ${kindOf(rec)}, got ${kindOf(act)}`];
  if (typeof rec === 'boolean' && rec !== act) return [`body: recorded ${String(rec)}, got ${String(act)}`];
  const diffs: string[] = [];
  if (isObject(rec) && isObject(act)) {
    if (typeof rec.total === 'number' && Array.isArray(rec.list)) {
      if (rec.total !== act.total) diffs.push(`total: recorded ${rec.total}, got ${String(act.total)}`);
      if (Array.isArray(act.list) && rec.list.length !== act.list.length) diffs.push(`list length: recorded ${rec.list.length}, got ${act.list.length}`);
    }
    if (onlyKeys) {
      const subset = Object.fromEntries(onlyKeys.filter((k) => k in rec).map((k) => [k, rec[k]]));
      return [...diffs, ...compareValues(subset, act, depth, 'body', key)];
    }
  }
  return [...diffs, ...compareValues(rec, act, depth, 'body', key)];
}

export function compareValues(rec: unknown, act: unknown, depth: number, path: string, key: (k: string) => string = (k) => k): string[] {
  if (rec === null) return [];
  if (kindOf(rec) !== kindOf(act)) return [`${path}: recorded ${kindOf(rec)}, got ${kindOf(act)}`];
  if (Array.isArray(rec) && Array.isArray(act)) {
    if ((rec.length === 0) !== (act.length === 0)) return [`${path}: recorded ${rec.length ? 'non-empty' : 'empty'} array, got ${act.length ? 'non-empty' : 'empty'}`];
    return rec.length ? compareValues(rec[0], act[0], depth, `${path}[0]`, key) : [];
  }
  if (isObject(rec) && isObject(act) && depth > 0) {
    const diffs: string[] = [];
    const missing = Object.keys(rec).filter((k) => !(key(k) in act) && rec[k] !== null);
    if (missing.length) diffs.push(`${path}: missing keys ${missing.join(', ')}`);
    for (const k of Object.keys(rec)) if (key(k) in act) diffs.push(...compareValues(rec[k], act[key(k)], depth - 1, `${path}.${k}`, key));
    return diffs;
  }
  return [];
}

function describe(body: Body): string {
  return body.kind === 'empty' ? 'an empty body' : `JSON ${kindOf(body.value)}`;
}

/** An HTTP body as text → Body (JSON when it parses, else the raw text as a string value). */
export function parseBody(text: string): Body {
  if (text === '') return { kind: 'empty' };
  try {
    return { kind: 'json', value: JSON.parse(text) as unknown };
  } catch {
    return { kind: 'json', value: text };
  }
}
