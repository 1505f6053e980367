/**
 * The dashboard's templating core: a tagged template (`html`) that escapes every interpolated value,
 * so third-party text (tenant names, CRM messages, principals, blueprint names) can only ever be text.
 * Pure functions, no I/O.
 *
 * Rules the views follow (and the tests check):
 * - every value goes through `html\`...\`` (or `escapeHtml`); only `SafeHtml` passes unescaped, and a
 *   `SafeHtml` is made by `html` itself or by `raw()` (constant markup only, never data);
 * - attributes are always double-quoted, and their values are escaped like text (`"`, `'` and the
 *   backtick included), so a value cannot leave its attribute; `attr()` adds an optional attribute;
 * - URLs are built with `href()` (every parameter through `encodeURIComponent`) or checked with
 *   `safeUrl()` (http and https only) before they go into an `href`;
 * - text is cleaned before it is escaped (`cleanText`): our fence markers resolved (`plainMarked`),
 *   invisible and bidi control characters removed (`neutralizeText`), C0 controls other than tab and
 *   newline removed, lone surrogates replaced.
 */
import { neutralizeText, plainMarked } from '../core/fence.js';

const TOKEN: unique symbol = Symbol('SafeHtml');

/** Markup that is safe to emit as it is: made by `html\`...\`` or `raw()` only. */
export class SafeHtml {
  readonly value: string;
  constructor(value: string, token: typeof TOKEN) {
    if (token !== TOKEN) throw new TypeError('SafeHtml is made by html`...` or raw() only');
    this.value = value;
  }
  toString(): string {
    return this.value;
  }
}

/** A value `html` accepts: markup, text (escaped), numbers, or nothing (null, undefined, false), or a list of them. */
export type HtmlValue = SafeHtml | string | number | boolean | null | undefined | readonly HtmlValue[];

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;
/** Our fence markers (src/core/fence.ts), left over when they are unpaired. */
const FENCE_MARKERS = /[\uE000\uE001]/g;
/** C0 controls but tab and newline (neutralizeText keeps CR too), and DEL. */
// eslint-disable-next-line no-control-regex
const CONTROLS = /[\u0000-\u0008\u000B-\u001F\u007F]/g;

/** A string with lone surrogates replaced by U+FFFD (so it can be encoded as UTF-8 or a URI component). */
export function wellFormed(value: string): string {
  return value.replace(LONE_SURROGATE, '\uFFFD');
}

/**
 * Text as it is shown: fence-marked CRM values made plain, invisible and bidi characters removed,
 * Unicode line separators and CR LF made newlines, other control characters removed.
 */
export function cleanText(value: string): string {
  const plain = plainMarked(value).replace(FENCE_MARKERS, '');
  return wellFormed(neutralizeText(plain).replace(/\r\n?/g, '\n').replace(CONTROLS, ''));
}

const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;', '`': '&#96;' };

/**
 * A value as HTML text, safe in element content and inside a double- or single-quoted attribute:
 * cleaned (`cleanText`), then `& < > " '` and the backtick escaped. null and undefined give ''.
 */
export function escapeHtml(value: unknown): string {
  if (value === null || value === undefined) return '';
  return cleanText(String(value)).replace(/[&<>"'`]/g, (c) => ENTITIES[c]!);
}

function render(value: unknown): string {
  if (value instanceof SafeHtml) return value.value;
  if (value === null || value === undefined || value === false) return '';
  if (Array.isArray(value)) return value.map(render).join('');
  return escapeHtml(value);
}

/**
 * The template tag: the literal parts are kept as written, every interpolation is escaped unless it is
 * `SafeHtml`; arrays are rendered item by item and joined; null, undefined and false render nothing
 * (so `${cond && html`...`}` works). Quote every attribute with `"`.
 */
export function html(strings: TemplateStringsArray, ...values: readonly unknown[]): SafeHtml {
  let out = strings[0] ?? '';
  for (let i = 0; i < values.length; i++) out += render(values[i]) + (strings[i + 1] ?? '');
  return new SafeHtml(out, TOKEN);
}

/**
 * Markup taken as it is. For constant strings written in our source only (an entity, a fixed
 * fragment): never pass it data, a CRM value or anything built from one — use `html` for those.
 */
export function raw(constant: string): SafeHtml {
  return new SafeHtml(constant, TOKEN);
}

/** Items joined by a separator (markup or escaped text). */
export function join(items: readonly HtmlValue[], separator: HtmlValue = ''): SafeHtml {
  const sep = render(separator);
  return new SafeHtml(items.map(render).join(sep), TOKEN);
}

const ATTRIBUTE_NAME = /^[a-z][a-z0-9-]*(:[a-z][a-z0-9-]*)?$/i;

/**
 * An optional attribute with its leading space: ` name="value"` (escaped), ` name` for `true`, nothing
 * for null, undefined or false. The name must be a constant; event handler names (on...) are refused.
 */
export function attr(name: string, value: string | number | boolean | null | undefined): SafeHtml {
  if (!ATTRIBUTE_NAME.test(name) || /^on/i.test(name)) throw new TypeError(`attr(): refused attribute name ${JSON.stringify(name)}`);
  if (value === null || value === undefined || value === false) return raw('');
  if (value === true) return raw(` ${name}`);
  return new SafeHtml(` ${name}="${escapeHtml(value)}"`, TOKEN);
}

/** A URI component of any string (lone surrogates replaced first: `encodeURIComponent` throws on them). */
export function encodeComponent(value: string): string {
  return encodeURIComponent(wellFormed(value));
}

/**
 * A URL with a query string: `base` as given (a path of ours, e.g. "/dashboard/"), then each
 * parameter that is neither undefined nor '' as `key=value`, both through `encodeURIComponent`, in the
 * order given. The result is a plain string: interpolate it with `html` (which escapes the `&`).
 */
export function href(base: string, params: Record<string, string | undefined>): string {
  const query = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, value]) => `${encodeComponent(key)}=${encodeComponent(value)}`)
    .join('&');
  if (query === '') return base;
  return `${base}${base.includes('?') ? '&' : '?'}${query}`;
}

/** The URL when it is an absolute http(s) URL (so it may be a link), else undefined (show it as text). */
export function safeUrl(value: string): string | undefined {
  const text = cleanText(value).trim();
  if (!/^https?:\/\//i.test(text)) return undefined;
  try {
    const url = new URL(text);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : undefined;
  } catch {
    return undefined;
  }
}

/** A class name suffix from a value: lower-case letters, digits, '_' and '-' only ("other" when empty). */
export function classToken(value: unknown): string {
  const token = String(value ?? '')
    .toLowerCase()
    .replace(/[^a-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '');
  return token === '' ? 'other' : token.slice(0, 40);
}

/** A count as shown: `toLocaleString('en-US')` ("1,234"), or "n/a" when there is none. */
export function formatCount(value: number | null | undefined): string {
  return typeof value === 'number' && Number.isFinite(value) ? value.toLocaleString('en-US') : 'n/a';
}

function parseTime(iso: string): number | undefined {
  const ms = Date.parse(iso);
  return Number.isFinite(ms) ? ms : undefined;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-11-03 10:05 UTC" (with `:ss` when `seconds`); the text itself when it is not a time. */
export function formatUtc(iso: string, seconds = false): string {
  const ms = parseTime(iso);
  if (ms === undefined) return iso;
  const d = new Date(ms);
  const time = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}${seconds ? `:${pad(d.getUTCSeconds())}` : ''}`;
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${time} UTC`;
}

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

/**
 * How long ago `iso` was, seen from `nowIso`: "just now" (under a minute either way), "5 min ago",
 * "3 h ago", "1 day ago", "2 days ago", up to 30 days; the UTC date ("2026-01-05") beyond. Times to
 * come read "in 5 min", "in 3 h", "in 2 days". The text itself when either is not a time.
 */
export function relativeTime(iso: string, nowIso: string): string {
  const at = parseTime(iso);
  const now = parseTime(nowIso);
  if (at === undefined || now === undefined) return iso;
  const diff = now - at;
  const span = Math.abs(diff);
  if (span < MINUTE) return 'just now';
  if (span > 30 * DAY) return formatUtc(iso).slice(0, 10);
  let text: string;
  if (span < HOUR) text = `${Math.floor(span / MINUTE)} min`;
  else if (span < DAY) text = `${Math.floor(span / HOUR)} h`;
  else {
    const days = Math.floor(span / DAY);
    text = `${days} ${days === 1 ? 'day' : 'days'}`;
  }
  return diff >= 0 ? `${text} ago` : `in ${text}`;
}

/**
 * A time as `<time datetime="ISO" title="YYYY-MM-DD hh:mm:ss UTC">relative</time>` (relative to
 * `nowIso`), or the escaped text alone when `iso` is not a time.
 */
export function timeTag(iso: string, nowIso: string): SafeHtml {
  const ms = parseTime(iso);
  if (ms === undefined) return html`<span class="time-unknown">${iso}</span>`;
  return html`<time datetime="${new Date(ms).toISOString()}" title="${formatUtc(iso, true)}">${relativeTime(iso, nowIso)}</time>`;
}

/** A time as `<time>` showing the absolute UTC time ("2026-11-03 10:05 UTC"). */
export function absoluteTimeTag(iso: string): SafeHtml {
  const ms = parseTime(iso);
  if (ms === undefined) return html`<span class="time-unknown">${iso}</span>`;
  return html`<time datetime="${new Date(ms).toISOString()}">${formatUtc(iso)}</time>`;
}
