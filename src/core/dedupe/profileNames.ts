/**
 * Names as a profile keeps them, built for the hot path (every record of a 100k scan): folded tokens
 * memoised per raw string and interned (one shared copy of "marie" however many records hold it), and
 * the name's structure (`NormalizedName.exactKey`) encoded as a small number instead of a new string.
 * Same meaning as `normalizePersonName` / `normalizeCompanyName`; those stay the readable reference.
 */
import { foldTokens, MEMO_LIMIT } from './fold.js';
import { isPersonTitle, normalizeCompanyName } from './normalize.js';

export interface ProfileName {
  /** Sorted, interned; shared between profiles: do not mutate. */
  tokens: readonly string[];
  /**
   * Equal for two names with the same `tokens` exactly when their `exactKey`s are equal: the
   * positions (in `tokens`) of the tokens as typed, as decimal digits (first name, 0, last name for a
   * person, the unordered pair taking the smaller number). Past 9 tokens, the `exactKey` string.
   */
  key: number | string;
}

const NO_NAME: ProfileName = { tokens: [], key: '' };
const interned = new Map<string, string>();

/** One shared copy of a token (bounded: cleared when full, which only costs sharing). */
function intern(t: string): string {
  const known = interned.get(t);
  if (known !== undefined) return known;
  if (interned.size >= MEMO_LIMIT) interned.clear();
  interned.set(t, t);
  return t;
}

interface PartTokens {
  all: readonly string[];
  /** `all` without courtesy titles (the same array when it has none). */
  names: readonly string[];
}
const partMemo = new Map<string, PartTokens>();

function part(raw: string | null): PartTokens {
  const s = raw ?? '';
  let hit = partMemo.get(s);
  if (hit === undefined) {
    const all = foldTokens(s).map(intern);
    const names = all.filter((t) => !isPersonTitle(t));
    hit = { all, names: names.length === all.length ? all : names };
    if (partMemo.size >= MEMO_LIMIT) partMemo.clear();
    partMemo.set(s, hit);
  }
  return hit;
}

/** `tokens.sort()` for the handful of tokens a name has (insertion sort: no comparator calls, no copies). */
function sortSmall(tokens: string[]): void {
  for (let i = 1; i < tokens.length; i++) {
    const t = tokens[i] as string;
    let j = i - 1;
    while (j >= 0 && (tokens[j] as string) > t) {
      tokens[j + 1] = tokens[j] as string;
      j--;
    }
    tokens[j + 1] = t;
  }
}

function digits(seq: readonly string[], sorted: readonly string[], into: number): number {
  for (const t of seq) into = into * 10 + sorted.indexOf(t) + 1;
  return into;
}

function exactKeyOf(first: readonly string[], last: readonly string[]): string {
  const f = first.join(' ');
  const l = last.join(' ');
  return f < l ? `${f}|${l}` : `${l}|${f}`;
}

/** A person's name: `normalizePersonName(first, last, full)` as tokens and a structure key. */
export function personProfileName(first: string | null, last: string | null, full: string | null): ProfileName {
  let f: readonly string[];
  let l: readonly string[];
  if (first || last) {
    const pf = part(first);
    const pl = part(last);
    // Titles are dropped unless nothing else is left.
    const keepTitles = pf.names.length === 0 && pl.names.length === 0;
    f = keepTitles ? pf.all : pf.names;
    l = keepTitles ? pl.all : pl.names;
  } else {
    const all = part(full);
    // A full name alone: first token, then the rest; titles dropped the same way.
    const names = all.names.length > 0 ? all.names : all.all;
    if (names.length === all.all.length) {
      f = names.slice(0, 1);
      l = names.slice(1);
    } else {
      const f0 = all.all.slice(0, 1).filter((t) => !isPersonTitle(t));
      f = f0;
      l = all.all.slice(1).filter((t) => !isPersonTitle(t));
    }
  }
  const n = f.length + l.length;
  if (n === 0) return NO_NAME;
  let tokens: string[];
  if (n === 2) {
    const x = (f[0] ?? l[0]) as string;
    const y = (l[l.length - 1] ?? f[1]) as string;
    tokens = x <= y ? [x, y] : [y, x];
  } else {
    tokens = new Array<string>(n);
    for (let i = 0; i < f.length; i++) tokens[i] = f[i] as string;
    for (let i = 0; i < l.length; i++) tokens[f.length + i] = l[i] as string;
    sortSmall(tokens);
  }
  if (n > 9) return { tokens, key: exactKeyOf(f, l) };
  const fl = digits(l, tokens, digits(f, tokens, 0) * 10);
  const lf = digits(f, tokens, digits(l, tokens, 0) * 10);
  return { tokens, key: Math.min(fl, lf) };
}

const companyMemo = new Map<string, ProfileName>();

/** An organisation's name: `normalizeCompanyName(raw)` as tokens and a structure key (memoised). */
export function companyProfileName(raw: string | null): ProfileName {
  if (raw === null) return NO_NAME;
  let hit = companyMemo.get(raw);
  if (hit === undefined) {
    const c = normalizeCompanyName(raw);
    const tokens = c.tokens.map(intern);
    if (tokens.length === 0) hit = NO_NAME;
    else if (tokens.length > 9) hit = { tokens, key: c.exactKey };
    else hit = { tokens, key: digits(c.exactKey.split(' '), tokens, 0) };
    if (companyMemo.size >= MEMO_LIMIT) companyMemo.clear();
    companyMemo.set(raw, hit);
  }
  return hit;
}
