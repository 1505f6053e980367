/**
 * What an audit line may hold: secret-looking arguments dropped, confirm tokens shortened, and every
 * argument bounded (long texts truncated with their length and SHA-256, long lists cut, deep values
 * summarised), so no call can make a line large, whatever it sends.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isRecord } from '../core/values.js';

const SECRET_KEY = /pass(word)?|secret|token|api[-_]?key|authorization|cookie/i;

/** A text argument longer than this is truncated (its hash and length kept). */
export const MAX_ARG_TEXT = 512;
/** A list argument longer than this keeps its first items. */
export const MAX_ARG_ITEMS = 50;
/** Past this depth a value is summarised. */
const MAX_DEPTH = 6;
/** The whole of a line's arguments, as JSON, at most. */
export const MAX_ARGS_BYTES = 8 * 1024;
/** Summary and error texts at most. */
export const MAX_NOTE = 2_000;

const sha = (s: string) => createHash('sha256').update(s).digest('hex').slice(0, 16);

/** Arguments as they may be logged: secret-looking keys dropped at any depth, confirm tokens shortened. */
export function scrubArgs(args: Record<string, unknown>): Record<string, unknown> {
  const visit = (value: unknown, depth: number): unknown => {
    if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
    if (Array.isArray(value)) return value.map((v) => visit(v, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (depth === 0 && k === 'confirm' && typeof v === 'string') out[k] = `${v.slice(0, 8)}…`;
      else if (SECRET_KEY.test(k)) out[k] = '[removed]';
      else out[k] = visit(v, depth + 1);
    }
    return out;
  };
  return visit(args, 0) as Record<string, unknown>;
}

/** JSON of any value, or undefined where it cannot be written (too deep for the stack, a cycle). */
function safeJson(value: unknown): string | undefined {
  try {
    return JSON.stringify(value);
  } catch {
    return undefined;
  }
}

function truncText(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, Math.min(200, max))}… [truncated: ${s.length} characters, sha256 ${sha(s)}]`;
}

function bound(value: unknown, depth: number): unknown {
  if (typeof value === 'string') return truncText(value, MAX_ARG_TEXT);
  if (value === null || typeof value !== 'object') return value;
  if (depth >= MAX_DEPTH) {
    const json = safeJson(value);
    return json === undefined ? '[nested value too deep to record]' : `[nested value: ${json.length} characters, sha256 ${sha(json)}]`;
  }
  if (Array.isArray(value)) {
    const kept = value.slice(0, MAX_ARG_ITEMS).map((v) => bound(v, depth + 1));
    if (value.length > MAX_ARG_ITEMS) kept.push(`[… ${value.length - MAX_ARG_ITEMS} more items]`);
    return kept;
  }
  const out: Record<string, unknown> = {};
  const entries = Object.entries(value as Record<string, unknown>);
  for (const [k, v] of entries.slice(0, MAX_ARG_ITEMS)) out[truncText(k, 100)] = bound(v, depth + 1);
  if (entries.length > MAX_ARG_ITEMS) out['…'] = `${entries.length - MAX_ARG_ITEMS} more keys`;
  return out;
}

/** Scrubbed and bounded arguments: at most MAX_ARGS_BYTES of JSON, whatever came in. */
export function boundArgs(args: Record<string, unknown>): Record<string, unknown> {
  const scrubbed = scrubArgs(isRecord(args) ? args : {});
  const bounded = bound(scrubbed, 0) as Record<string, unknown>;
  const json = JSON.stringify(bounded);
  if (Buffer.byteLength(json) <= MAX_ARGS_BYTES) return bounded;
  const full = safeJson(scrubbed);
  // The names of the arguments, as many as fit in half the budget, each at most 100 characters.
  const keys: string[] = [];
  let used = 0;
  for (const k of Object.keys(scrubbed)) {
    const key = truncText(k, 100);
    used += Buffer.byteLength(JSON.stringify(key)) + 1;
    if (used > MAX_ARGS_BYTES / 2 || keys.length >= MAX_ARG_ITEMS) break;
    keys.push(key);
  }
  return {
    '[truncated]': full === undefined ? 'arguments too deep to record' : `${Buffer.byteLength(full)} bytes of arguments, sha256 ${sha(full)}`,
    keys,
  };
}

export function boundNote(s: string | undefined): string | undefined {
  return s === undefined ? undefined : s.length <= MAX_NOTE ? s : `${s.slice(0, MAX_NOTE)}… [${s.length - MAX_NOTE} more characters]`;
}

export function newChangeId(): string {
  const t = Date.now().toString(36);
  return `chg_${t}_${randomBytes(4).toString('hex')}`;
}

/**
 * JSON Lines as any reader can take them: U+2028, U+2029 (line separators to JavaScript) and U+0085
 * (next line, to some readers) escaped, so one line is one entry whatever a CRM put in a label.
 */
export function jsonLine(value: unknown): string {
  return JSON.stringify(value).replace(/[\u2028\u2029\u0085]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}
