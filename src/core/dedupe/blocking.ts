/**
 * Blocking keys: only records that share a key are compared. A name counts as similar only when its
 * tokens are equal or one typo apart (see `isTypoVariant`), so the name keys are built to be shared
 * by any two names that differ by one typo in one token, while staying selective (an exact token
 * plus most of the other), so blocks stay small even where first names repeat by the thousand:
 * - `e:` exact email, `p:` exact E.164 phone, `w:` website host (organisations);
 * - `g:` the sorted tokens glued together (same name in any order, accents, case, punctuation,
 *   "Jean Pierre" = "Jean-Pierre" = "Jeanpierre");
 * - for each token, with the other tokens kept exact as an anchor:
 *   - a short token (≤ 6 letters) with each one-letter deletion, and as is (`d:`): two tokens one
 *     edit apart always share one of these (substitution, insertion, deletion or adjacent swap);
 *   - a long token (≥ 6 letters) by its first three letters (`a:`), its last three (`z:`) and its
 *     first two plus last two (`m:`): one edit leaves at least one of them intact.
 * Two typos in two different tokens are left to the email and phone keys.
 */
import type { RecordProfile } from './profile.js';

// Names with more tokens than this contribute keys from their first tokens only (bounded key count).
const MAX_TOKENS_FOR_KEYS = 4;
const SHORT_TOKEN = 6;

function typoKeys(keys: string[], anchor: string, token: string): void {
  if (token.length <= SHORT_TOKEN) {
    keys.push(`d:${anchor}|${token}`);
    for (let i = 0; i < token.length; i++) keys.push(`d:${anchor}|${token.slice(0, i)}${token.slice(i + 1)}`);
  }
  if (token.length >= SHORT_TOKEN) {
    keys.push(`a:${anchor}|${token.slice(0, 3)}`, `z:${anchor}|${token.slice(-3)}`, `m:${anchor}|${token.slice(0, 2)}${token.slice(-2)}`);
  }
}

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

function pushUnique(out: number[], h: number): void {
  if (!out.includes(h)) out.push(h);
}

/** The distinct hashed block keys of a profile: `blockKeys(p).map(hashKey)`, computed without the strings. */
export function blockHashes(p: RecordProfile): number[] {
  const out: number[] = [];
  for (const e of p.emails) pushUnique(out, finish(fnv(fnv(FNV_OFFSET, 'e:'), e)));
  for (const ph of p.phones) pushUnique(out, finish(fnv(fnv(FNV_OFFSET, 'p:'), ph)));
  if (p.website) pushUnique(out, finish(fnv(fnv(FNV_OFFSET, 'w:'), p.website)));
  if (p.name.length === 0) return out;
  let glued = fnv(FNV_OFFSET, 'g:');
  for (const t of p.name) glued = fnv(glued, t);
  pushUnique(out, finish(glued));
  const tokens = p.name.length > MAX_TOKENS_FOR_KEYS ? p.name.slice(0, MAX_TOKENS_FOR_KEYS) : p.name;
  for (let i = 0; i < tokens.length; i++) {
    const token = tokens[i] as string;
    // The anchor: the other tokens joined by spaces, then '|'.
    const anchorOf = (tag: string): number => {
      let h = fnv(FNV_OFFSET, tag);
      let first = true;
      for (let j = 0; j < tokens.length; j++) {
        if (j === i) continue;
        if (!first) h = fnv(h, ' ');
        h = fnv(h, tokens[j] as string);
        first = false;
      }
      return fnv(h, '|');
    };
    const n = token.length;
    if (n <= SHORT_TOKEN) {
      const d = anchorOf('d:');
      pushUnique(out, finish(fnv(d, token)));
      for (let k = 0; k < n; k++) pushUnique(out, finish(fnv(fnv(d, token, 0, k), token, k + 1, n)));
    }
    if (n >= SHORT_TOKEN) {
      pushUnique(out, finish(fnv(anchorOf('a:'), token, 0, 3)));
      pushUnique(out, finish(fnv(anchorOf('z:'), token, n - 3, n)));
      pushUnique(out, finish(fnv(fnv(anchorOf('m:'), token, 0, 2), token, n - 2, n)));
    }
  }
  return out;
}
