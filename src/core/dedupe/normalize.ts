/**
 * Normalisers: turn what people type into comparable keys. Pure functions, no I/O.
 */
import { createRequire } from 'node:module';
import type { CountryCode } from 'libphonenumber-js';

// libphonenumber-js (its metadata is large) is loaded on the first phone number, not when the server
// starts: every MCP client spawn pays for start-up, few calls normalise phones.
type PhoneLib = typeof import('libphonenumber-js');
let phoneLib: PhoneLib | undefined;
const lib = (): PhoneLib => (phoneLib ??= createRequire(import.meta.url)('libphonenumber-js') as PhoneLib);
import { foldText, foldTokens, foldTokensCached, MEMO_LIMIT } from './fold.js';

export { foldText, foldTokens } from './fold.js';

/**
 * A folded name: `tokens` sorted, so first/last order does not matter; `key` is them joined by spaces.
 * `exactKey` keeps the structure the sort loses: for a person, first and last name as an unordered
 * pair (so "Lloyd-Evans" and "Evans-Lloyd" differ while a first/last swap does not); for a company,
 * the tokens in the order typed.
 */
export interface NormalizedName {
  tokens: string[];
  key: string;
  exactKey: string;
}

const EMAIL_RE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Trimmed and lower-cased (a `mailto:` prefix and angle brackets dropped); null when not an address. */
export function normalizeEmail(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  if (isNormalEmail(raw)) return raw;
  let s = raw.trim().toLowerCase();
  if (s.startsWith('mailto:')) s = s.slice(7);
  if (s.startsWith('<') && s.endsWith('>')) s = s.slice(1, -1).trim();
  return EMAIL_RE.test(s) ? s : null;
}

/**
 * True when `s` is an address already in normal form (what `normalizeEmail` returns unchanged): only
 * printable ASCII without upper case, spaces, `<`, `>` or `:`, one `@` with text before it, and a dot
 * in the domain with text on both sides. One pass over the characters, no copy: most stored addresses
 * are like this. False sends the address through the full normalisation.
 */
function isNormalEmail(s: string): boolean {
  const n = s.length;
  let at = -1;
  let dot = -1;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c <= 32 || c >= 127 || (c >= 65 && c <= 90) || c === 58 || c === 60 || c === 62) return false;
    if (c === 64) {
      if (at >= 0) return false;
      at = i;
    } else if (c === 46 && at >= 0) dot = i;
  }
  return at > 0 && dot > at + 1 && dot < n - 1;
}

/** The part after the `@` of a normalised address. */
export function emailDomain(email: string): string {
  return email.slice(email.lastIndexOf('@') + 1);
}

/**
 * E.164 (`+33612345678`), or null when it cannot be a phone number. Numbers without a `+` or `00`
 * prefix are read in `defaultCountry` (ISO 3166 alpha-2, e.g. `FR`, `US`); without one they are null.
 * "Possible" (the right length for the country) is enough: CRMs hold fictional and unassigned ranges
 * such as +1 555 01xx that strict validation rejects. Extensions are dropped.
 */
export function normalizePhone(raw: string | null | undefined, defaultCountry?: string): string | null {
  if (typeof raw !== 'string') return null;
  let s = raw.trim();
  if (s === '') return null;
  const shape = e164Shape(s);
  if (shape >= 0) {
    // Stored numbers are mostly E.164 already; parsing each costs ~8 µs (most of the indexing time),
    // so the verdict for a calling code, leading digits and length is parsed once and reused.
    let verdict = e164Verdicts.get(shape);
    if (verdict === undefined) {
      const parsed = lib().parsePhoneNumberFromString(s, { extract: false });
      verdict = !parsed || !parsed.isPossible() ? 'impossible' : parsed.number === s ? 'canonical' : 'parse';
      if (e164Verdicts.size >= 10_000) e164Verdicts.clear();
      e164Verdicts.set(shape, verdict);
    }
    if (verdict === 'canonical') return s;
    if (verdict === 'impossible') return null;
  }
  // "00" international prefix, which libphonenumber only understands relative to a country.
  if (s.startsWith('00')) s = `+${s.slice(2)}`;
  const country = defaultCountry && lib().isSupportedCountry(defaultCountry.toUpperCase())
    ? (defaultCountry.toUpperCase() as CountryCode)
    : undefined;
  const parsed =
    lib().parsePhoneNumberFromString(s, { defaultCountry: country, extract: false }) ??
    lib().parsePhoneNumberFromString(s, { defaultCountry: country });
  if (!parsed || !parsed.isPossible()) return null;
  return parsed.number;
}

/**
 * For a string shaped like E.164 (`+`, a digit 1-9, then 6 to 14 digits): its first five digits and
 * its length as one number (what decides whether libphonenumber keeps it as it is); −1 otherwise.
 */
function e164Shape(s: string): number {
  const n = s.length;
  if (n < 8 || n > 16 || s.charCodeAt(0) !== 43 /* + */) return -1;
  let lead = 0;
  for (let i = 1; i < n; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9 || (i === 1 && d === 0)) return -1;
    if (i <= 5) lead = lead * 10 + d;
  }
  return lead * 100 + n;
}
const e164Verdicts = new Map<number, 'canonical' | 'impossible' | 'parse'>();

// Courtesy titles and generational suffixes: not part of who someone is.
const PERSON_TITLES = new Set([
  'mr', 'mrs', 'ms', 'miss', 'mx', 'dr', 'prof', 'sir', 'dame', 'mme', 'mlle', 'mmes', 'mm', 'me',
  'herr', 'frau', 'sr', 'sra', 'srta', 'jr', 'ii', 'iii', 'iv', 'phd', 'md', 'esq',
]);

/** Whether a folded token is a courtesy title or generational suffix (dropped from person names). */
export function isPersonTitle(token: string): boolean {
  return PERSON_TITLES.has(token);
}

/**
 * Folded name tokens, sorted. Uses `first`/`last` when either is set, else `full`
 * (EspoCRM's `name` of a person). Titles (Mr, Mme, Dr...) are dropped unless nothing else is left.
 */
export function normalizePersonName(first?: string | null, last?: string | null, full?: string | null): NormalizedName {
  let firstTokens: readonly string[];
  let lastTokens: readonly string[];
  if (first || last) {
    firstTokens = foldTokensCached(first ?? '');
    lastTokens = foldTokensCached(last ?? '');
  } else {
    // A full name alone: read it as first token, then the rest (EspoCRM builds `name` that way).
    const all = foldTokensCached(full ?? '');
    firstTokens = all.slice(0, 1);
    lastTokens = all.slice(1);
  }
  const isName = (t: string): boolean => !PERSON_TITLES.has(t);
  if (firstTokens.some(isName) || lastTokens.some(isName)) {
    firstTokens = firstTokens.filter(isName);
    lastTokens = lastTokens.filter(isName);
  }
  const tokens = [...firstTokens, ...lastTokens].sort();
  if (tokens.length === 0) return { tokens, key: '', exactKey: '' };
  const f = firstTokens.join(' ');
  const l = lastTokens.join(' ');
  return { tokens, key: tokens.join(' '), exactKey: f < l ? `${f}|${l}` : `${l}|${f}` };
}

/**
 * Legal forms, written as they are once folded with dots removed (S.A.R.L. → sarl, Sp. z o.o. → sp z oo).
 */
const LEGAL_FORMS = [
  'sarl', 'sas', 'sasu', 'sa', 'eurl', 'snc', 'sci', 'scop', 'scs', 'sca', 'selarl', 'gie', 'ei', 'eirl',
  'gmbh', 'ag', 'kg', 'ohg', 'ug', 'ek', 'gbr', 'kgaa', 'mbh', 'ev',
  'ltd', 'limited', 'llc', 'llp', 'lp', 'inc', 'incorporated', 'corp', 'corporation', 'co', 'company',
  'plc', 'pllc', 'pc', 'pty', 'bv', 'nv', 'vof', 'bvba', 'sprl', 'srl', 'srls', 'spa', 'sapa', 'sl',
  'slu', 'sll', 'oy', 'oyj', 'ab', 'as', 'asa', 'aps', 'kk', 'se', 'kft', 'zrt', 'nyrt', 'sro', 'lda',
  'ltda', 'cia', 'cie', 'sp z oo', 'spzoo', 'z oo', 'sa de cv', 'de cv', 'sab de cv', 'pte', 'pvt',
  'bhd', 'sdn bhd', 'tbk', 'pt', 'doo', 'dd', 'ad', 'ood', 'eood',
];
/** Forms by their last word, longest first, so "sab de cv" is cut whole rather than as "de cv". */
const FORMS_BY_LAST_WORD = new Map<string, string[][]>();
for (const form of LEGAL_FORMS.map((f) => f.split(' ')).sort((x, y) => y.length - x.length)) {
  const last = form[form.length - 1] as string;
  FORMS_BY_LAST_WORD.set(last, [...(FORMS_BY_LAST_WORD.get(last) ?? []), form]);
}
// Left over after a form is cut: "& Co" → "co", "et Cie" → "et", "and Company" → "and".
const CONNECTORS = new Set(['and', 'et', 'und', 'y', 'e']);
const LEADING_FORMS = new Set(['sarl', 'sas', 'sasu', 'sa', 'eurl', 'sci', 'snc', 'ste', 'societe', 'ets', 'pt', 'ab', 'the']);

/** The length of the legal form ending `tokens`, 0 when none (a form is never the whole name). */
function legalFormAtEnd(tokens: readonly string[]): number {
  const forms = FORMS_BY_LAST_WORD.get(tokens[tokens.length - 1] ?? '');
  if (!forms) return 0;
  for (const form of forms) {
    if (form.length >= tokens.length) continue;
    const start = tokens.length - form.length;
    if (form.every((f, i) => tokens[start + i] === f)) return form.length;
  }
  return 0;
}

const companyMemo = new Map<string, NormalizedName>();

/** Company name folded, with legal forms (SARL, GmbH, Ltd., S.A., Inc...) removed, then tokens sorted. */
export function normalizeCompanyName(raw: string | null | undefined): NormalizedName {
  if (typeof raw !== 'string') return { tokens: [], key: '', exactKey: '' };
  // The same employer recurs across many leads and contacts: normalise each spelling once.
  let hit = companyMemo.get(raw);
  if (hit === undefined) {
    hit = computeCompanyName(raw);
    if (companyMemo.size >= MEMO_LIMIT) companyMemo.clear();
    companyMemo.set(raw, hit);
  }
  return { tokens: [...hit.tokens], key: hit.key, exactKey: hit.exactKey };
}

function computeCompanyName(raw: string): NormalizedName {
  // Dots are dropped rather than split on, so dotted acronyms fold like undotted ones.
  const tokens = foldTokens(foldText(raw).replace(/\./g, ''));
  for (let cut = legalFormAtEnd(tokens); cut > 0 && tokens.length > 1; cut = legalFormAtEnd(tokens)) {
    tokens.length -= cut;
    if (tokens.length > 1 && CONNECTORS.has(tokens[tokens.length - 1] ?? '')) tokens.length -= 1;
  }
  while (tokens.length > 1 && LEADING_FORMS.has(tokens[0] ?? '')) tokens.shift();
  const exactKey = tokens.join(' ');
  tokens.sort();
  return { tokens, key: tokens.join(' '), exactKey };
}

/** The host of a website, lower-cased, without scheme, `www.` or path; null when there is none. */
export function normalizeWebsite(raw: string | null | undefined): string | null {
  if (typeof raw !== 'string') return null;
  const host = raw.trim().toLowerCase().replace(/^[a-z][a-z0-9+.-]*:\/\//, '').split(/[/?#:]/)[0] ?? '';
  const bare = host.replace(/^www\d?\./, '');
  return /^[a-z0-9-]+(\.[a-z0-9-]+)+$/.test(bare) ? bare : null;
}
