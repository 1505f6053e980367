import type { z } from 'zod';
import { FieldSpecError } from './errors.js';
import { isRecord, show } from './suggest.js';

/** The value at a zod issue path in the original input (zod 4 does not report inputs by default). */
function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let v: unknown = input;
  for (const k of path) {
    if (Array.isArray(v) && typeof k === 'number') v = v[k];
    else if (isRecord(v) && typeof k === 'string') v = v[k];
    else return undefined;
  }
  return v;
}

/** Zod issues as field spec errors: the key, what was expected, what was found. */
export function fromZodIssues(issues: readonly z.core.$ZodIssue[], input: unknown): FieldSpecError[] {
  return issues.map((issue) => {
    const path = issue.path.map(String).join('.');
    const where = path === '' ? 'The request' : `"${path}"`;
    const found = valueAt(input, issue.path);
    let message: string;
    if (issue.code === 'invalid_union' && /options/.test(path)) {
      message = `each option must be a text, or an object {"value": "...", "label": "...", "style": "..."} (found ${show(found)})`;
    } else if (issue.code === 'invalid_type') {
      message = found === undefined ? `is required (${issue.expected})` : `expected ${issue.expected === 'boolean' ? 'true or false' : issue.expected}, found ${show(found)}`;
    } else {
      message = `${issue.message} (found ${show(found)})`;
    }
    return new FieldSpecError('invalid_request', `${where}: ${message}.`, path || undefined);
  });
}
