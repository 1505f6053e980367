import { z } from 'zod';
import { createRequire } from 'node:module';

/** A found value for an error message: short, and only ever called for values that are not secrets. */
export function describeFound(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (typeof value === 'string') return JSON.stringify(value.length > 60 ? `${value.slice(0, 57)}...` : value);
  if (typeof value === 'number' || typeof value === 'boolean' || value === null) return String(value);
  return describeKind(value);
}

/**
 * A URL as an error message may show it: without a user name and password (`http://admin:secret@…`),
 * a query string or a fragment (`?api_key=…`), which may hold secrets, even when the URL does not parse.
 */
export function describeUrl(value: string): string {
  const shown = value
    .replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#\s]*@/i, '$1')
    .replace(/[?#][\s\S]*$/, '');
  return `${describeFound(shown)}${shown !== value ? ' (its user name, password, query or fragment not shown)' : ''}`;
}

/** The kind of a value, without the value: for places that may hold secrets. */
export function describeKind(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'true/false';
    case 'object':
      return 'an object';
    default:
      return typeof value;
  }
}

/** An error function for zod: "expected X, found Y — hint", or "missing: expected X — hint". */
export function expected(what: string, hint?: string): (iss: { input?: unknown }) => string {
  return (iss) => {
    const tail = hint ? ` — ${hint}` : '';
    return iss.input === undefined ? `missing: expected ${what}${tail}` : `expected ${what}, found ${describeFound(iss.input)}${tail}`;
  };
}

/** The closest known name to a typo, when close enough to be worth suggesting. */
export function didYouMean(word: string, known: readonly string[], aliases: Record<string, string> = {}): string | undefined {
  const alias = aliases[word] ?? aliases[word.toLowerCase()];
  if (alias) return alias;
  const caseless = known.find((k) => k.toLowerCase() === word.toLowerCase());
  if (caseless) return caseless;
  if (known.length === 0) return undefined;
  // Loaded by the first typo only (a valid configuration never needs it).
  const { closest, distance } = createRequire(import.meta.url)('fastest-levenshtein') as typeof import('fastest-levenshtein');
  const best = closest(word, [...known]);
  return distance(word, best) <= Math.max(2, Math.floor(word.length / 3)) ? best : undefined;
}

/** `['tenants', 'damath', 'tools', 'include', 2]` -> `tenants.damath.tools.include[2]`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else out += out ? `.${String(seg)}` : String(seg);
  }
  return out || '(top level)';
}

/**
 * A strict object: an unknown key gets a "did you mean" and the list of allowed keys; `what` is the
 * expectation shown when something else is found. Shared by the tenants and the http schemas.
 */
export function strict<S extends z.ZodRawShape>(what: string, shape: S, aliases: Record<string, string> = {}) {
  const known = Object.keys(shape);
  return z.strictObject(shape, {
    error: (iss) => {
      if (iss.code === 'unrecognized_keys') {
        return iss.keys
          .map((key) => {
            const guess = didYouMean(key, known, aliases);
            return `unknown option "${key}"${guess ? ` — did you mean "${guess}"?` : ''}`;
          })
          .join('; ')
          .concat(` (allowed here: ${known.join(', ')})`);
      }
      if (iss.code === 'invalid_type') return expected(what)(iss);
      return undefined;
    },
  });
}

/** A whole number in [min, max]; every failure says what is expected and how to fix it. */
export const wholeNumber = (min: number, max: number, hint: string) => {
  const what = `a whole number from ${min} to ${max}`;
  return z
    .number({ error: expected(what, hint) })
    .int({ error: expected(what, hint) })
    .min(min, { error: expected(what, hint) })
    .max(max, { error: expected(what, hint) });
};

/**
 * A section whose schema is built by the first configuration that has it. zod builds every part of a
 * schema when it is declared (and visits a `z.lazy` one on every parse, present or not), so the sections
 * most files leave out (http, store, retention, limits, ...) would otherwise cost every start. What it
 * accepts and the issues it reports (their paths under the section, their messages) are the section's.
 */
export function builtOnUse<T extends z.ZodType>(build: () => T) {
  let schema: T | undefined;
  return z.unknown().transform((value, ctx): z.output<T> => {
    const result = (schema ??= build()).safeParse(value, { jitless: true });
    if (result.success) return result.data;
    for (const issue of result.error.issues) ctx.addIssue({ ...issue, input: value } as never);
    return z.NEVER;
  });
}
