/**
 * Blocking keys: only records that share a key are compared. A name counts as similar only when its
 * tokens are equal or one typo apart (see `isTypoVariant`), so the name keys are built to be shared
 * by any two names that differ by one typo in one token, while staying selective (the other tokens
 * kept exact as an anchor), so blocks stay small even where first names repeat by the thousand:
 * - `e:` exact email, `p:` exact E.164 phone, `w:` website host (organisations);
 * - `g:` the sorted tokens glued together (same name in any order, accents, case, punctuation,
 *   "Jean Pierre" = "Jean-Pierre" = "Jeanpierre");
 * - for each token, anchored by the other tokens (`anchor|tag:variant`), a few variants chosen so
 *   that two tokens one edit apart (substitution, insertion, deletion or adjacent swap) always share
 *   one, as few as the token's length allows:
 *   - up to 4 letters: the token and each one-letter deletion (`d:`);
 *   - from 4 letters: its first three letters (`a:`) and its last three (`z:`), which one edit
 *     cannot both change from 7 letters on (and between 4, 5 and 6 letters only in the cases below);
 *   - 5 letters: first two plus last two under `d:` (the 4-letter token a deletion leaves), and
 *     first plus last letter (`x:`, a swap in the middle);
 *   - 6 letters, and from 10 (where two edits are allowed): first two plus last two (`m:`).
 *   (A test checks the guarantee on random names; a brute-force check over all short words was run
 *   when the scheme was chosen.) About 12 keys per record against 19 for the previous scheme.
 * Two typos in two different tokens are left to the email and phone keys.
 */
import type { RecordProfile } from './profile.js';

// Names with more tokens than this contribute keys from their first tokens only (bounded key count).
const MAX_TOKENS_FOR_KEYS = 4;

function typoKeys(keys: string[], anchor: string, t: string): void {
  const n = t.length;
  if (n <= 4) {
    keys.push(`${anchor}|d:${t}`);
    for (let i = 0; i < n; i++) keys.push(`${anchor}|d:${t.slice(0, i)}${t.slice(i + 1)}`);
  }
  if (n >= 4) keys.push(`${anchor}|a:${t.slice(0, 3)}`, `${anchor}|z:${t.slice(-3)}`);
  if (n === 5) keys.push(`${anchor}|d:${t.slice(0, 2)}${t.slice(-2)}`, `${anchor}|x:${t[0]}${t[n - 1]}`);
  if (n === 6 || n >= 10) keys.push(`${anchor}|m:${t.slice(0, 2)}${t.slice(-2)}`);
}

/** The readable block keys of a profile (what `blockHashes` hashes). */
export function blockKeys(p: RecordProfile): string[] {
  const keys: string[] = [];
  for (const e of p.emails) keys.push(`e:${e}`);
  for (const ph of p.phones) keys.push(`p:${ph}`);
  if (p.website) keys.push(`w:${p.website}`);
  if (p.name.length === 0) return keys;
  keys.push(`g:${p.name.join('')}`);
  const tokens = p.name.length > MAX_TOKENS_FOR_KEYS ? p.name.slice(0, MAX_TOKENS_FOR_KEYS) : p.name;
  for (let i = 0; i < tokens.length; i++) {
    const anchor = tokens.filter((_, j) => j !== i).join(' ');
    typoKeys(keys, anchor, tokens[i] as string);
  }
  return keys;
}

// FNV-1a, 32-bit, continued over successive strings: the hot path hashes keys without building them.
const FNV_OFFSET = 0x811c9dc5;
function fnv(h: number, s: string, from = 0, to = s.length): number {
  for (let i = from; i < to; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h;
}
function fnvChar(h: number, c: number): number {
  return Math.imul(h ^ c, 0x01000193);
}
// Spreads the bits (murmur3 finalizer), since the table indexes by the low bits; 30 bits kept.
function finish(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h & 0x3fffffff;
}

/**
 * A block key as a small integer, so the index holds no key strings: at 100k records that is over a
 * million strings saved. A collision only merges two blocks (a few extra comparisons); it never
 * separates records that share a key.
 */
export function hashKey(key: string): number {
  return finish(fnv(FNV_OFFSET, key));
}

/** A 30-bit hash of any string (FNV-1a, spread), e.g. for a table of record ids. */
export const hashString = hashKey;

const PIPE = '|'.charCodeAt(0);
const SPACE = ' '.charCodeAt(0);
const COLON = ':'.charCodeAt(0);
const [D, A, Z, X, M] = ['d', 'a', 'z', 'x', 'm'].map((c) => c.charCodeAt(0)) as [number, number, number, number, number];
const E_TAG = fnv(FNV_OFFSET, 'e:');
const P_TAG = fnv(FNV_OFFSET, 'p:');
const W_TAG = fnv(FNV_OFFSET, 'w:');
const G_TAG = fnv(FNV_OFFSET, 'g:');

/** The hash of `anchor` continued with a variant's tag (`d:`, `a:`...). */
function tag(anchor: number, c: number): number {
  return fnvChar(fnvChar(anchor, c), COLON);
}

function push(out: number[], h: number): void {
  const k = finish(h);
  for (let i = 0; i < out.length; i++) if (out[i] === k) return;
  out.push(k);
}

/**
 * The distinct hashed block keys of a profile into `out` (emptied first): `blockKeys(p).map(hashKey)`
 * without building the strings. Returns `out`.
 */
export function blockHashesInto(p: RecordProfile, out: number[]): number[] {
  out.length = 0;
  for (const e of p.emails) push(out, fnv(E_TAG, e));
  for (const ph of p.phones) push(out, fnv(P_TAG, ph));
  if (p.website) push(out, fnv(W_TAG, p.website));
  const name = p.name;
  if (name.length === 0) return out;
  let glued = G_TAG;
  for (const t of name) glued = fnv(glued, t);
  push(out, glued);
  const count = Math.min(name.length, MAX_TOKENS_FOR_KEYS);
  for (let i = 0; i < count; i++) {
    const t = name[i] as string;
    // The anchor, hashed once per token: the other tokens joined by spaces, then '|'.
    let anchor = FNV_OFFSET;
    let first = true;
    for (let j = 0; j < count; j++) {
      if (j === i) continue;
      if (!first) anchor = fnvChar(anchor, SPACE);
      anchor = fnv(anchor, name[j] as string);
      first = false;
    }
    anchor = fnvChar(anchor, PIPE);
    const n = t.length;
    if (n <= 4) {
      const d = tag(anchor, D);
      push(out, fnv(d, t));
      for (let k = 0; k < n; k++) push(out, fnv(fnv(d, t, 0, k), t, k + 1, n));
    }
    if (n >= 4) {
      push(out, fnv(tag(anchor, A), t, 0, 3));
      push(out, fnv(tag(anchor, Z), t, n - 3, n));
    }
    if (n === 5) {
      push(out, fnv(fnv(tag(anchor, D), t, 0, 2), t, n - 2, n));
      push(out, fnvChar(fnvChar(tag(anchor, X), t.charCodeAt(0)), t.charCodeAt(n - 1)));
    }
    if (n === 6 || n >= 10) push(out, fnv(fnv(tag(anchor, M), t, 0, 2), t, n - 2, n));
  }
  return out;
}

/** The distinct hashed block keys of a profile: `blockKeys(p).map(hashKey)`, computed without the strings. */
export function blockHashes(p: RecordProfile): number[] {
  return blockHashesInto(p, []);
}
