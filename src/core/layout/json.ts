/** JSON values, cloning and canonical text: the layout core works on plain JSON. */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

export type JsonObject = Record<string, unknown>;

export function isPlainObject(value: unknown): value is JsonObject {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * A deep copy through JSON text. Key order is kept, so `JSON.stringify` of the copy equals
 * `JSON.stringify` of the original byte for byte; `undefined` members disappear exactly as they
 * would on the wire. `undefined` itself (not JSON) becomes `null`.
 */
export function cloneJson<T = JsonValue>(value: unknown): T {
  const text = JSON.stringify(value);
  return (text === undefined ? null : JSON.parse(text)) as T;
}

/** JSON text with object keys sorted at every level: equal for layouts that differ only in key order. */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(sortKeys(value)) ?? 'null';
}

function sortKeys(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeys);
  if (isPlainObject(value)) {
    const out: JsonObject = {};
    for (const key of Object.keys(value).sort()) out[key] = sortKeys(value[key]);
    return out;
  }
  return value;
}

/** JavaScript truthiness, which is how EspoCRM's client reads layout flags (`"link": "true"` counts). */
export function isTruthy(value: unknown): boolean {
  return Boolean(value);
}
