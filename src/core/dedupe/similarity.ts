import { distance as levenshtein } from 'fastest-levenshtein';

/**
 * String and name similarity. Jaro-Winkler suits short name tokens (typos and transpositions near
 * the end cost little, a shared prefix counts); names are compared token by token so that order
 * (first/last swapped) and split or joined tokens (Jean-Pierre, Jeanpierre) do not matter.
 */

// Reused match marks (a position is matched when it holds the current call's generation): this runs
// millions of times at 100k records, and allocating or clearing flags would dominate.
let marksA = new Int32Array(64);
let marksB = new Int32Array(64);
let generation = 0;

/** Jaro-Winkler similarity in [0, 1] (prefix scale 0.1, prefix up to 4, boost above 0.7). */
export function jaroWinkler(a: string, b: string): number {
  if (a === b) return 1;
  const la = a.length;
  const lb = b.length;
  if (la === 0 || lb === 0) return 0;
  const window = Math.max(0, Math.floor(Math.max(la, lb) / 2) - 1);
  if (la > marksA.length || lb > marksB.length) {
    marksA = new Int32Array(Math.max(la, lb, marksA.length * 2));
    marksB = new Int32Array(marksA.length);
  }
  if (++generation === 0x7fffffff) {
    generation = 1;
    marksA.fill(0);
    marksB.fill(0);
  }
  const g = generation;
  const aMatched = marksA;
  const bMatched = marksB;
  let matches = 0;
  for (let i = 0; i < la; i++) {
    const from = Math.max(0, i - window);
    const to = Math.min(lb - 1, i + window);
    for (let j = from; j <= to; j++) {
      if (bMatched[j] !== g && a.charCodeAt(i) === b.charCodeAt(j)) {
        aMatched[i] = g;
        bMatched[j] = g;
        matches++;
        break;
      }
    }
  }
  if (matches === 0) return 0;
  let halfTranspositions = 0;
  let k = 0;
  for (let i = 0; i < la; i++) {
    if (aMatched[i] !== g) continue;
    while (bMatched[k] !== g) k++;
    if (a.charCodeAt(i) !== b.charCodeAt(k)) halfTranspositions++;
    k++;
  }
  const m = matches;
  const jaro = (m / la + m / lb + (m - halfTranspositions / 2) / m) / 3;
  if (jaro <= 0.7) return jaro;
  let prefix = 0;
  const maxPrefix = Math.min(4, la, lb);
  while (prefix < maxPrefix && a.charCodeAt(prefix) === b.charCodeAt(prefix)) prefix++;
  return jaro + prefix * 0.1 * (1 - jaro);
}

/** Similarity of two name tokens; an initial ("j") against a token it begins ("jean") scores 0.8. */
export function tokenSimilarity(a: string, b: string): number {
  if (a === b) return 1;
  if (a.length === 1 || b.length === 1) return a[0] === b[0] ? 0.8 : 0;
  return jaroWinkler(a, b);
}

export interface NameSimilarity {
  /** 0..1 */
  score: number;
  /** The same tokens, in any order. */
  sameTokens: boolean;
  /** The lowest similarity among paired tokens (1 when every paired token is equal). */
  minToken: number;
  /** Tokens of the longer name left without a counterpart (a middle name, a second surname). */
  extraTokens: number;
  /**
   * Every paired token is equal or one typo away (edit distance 1, or 2 from 10 letters; an adjacent
   * swap counts as one edit), and no token is left over. Jaro-Winkler alone cannot tell a typo from a
   * different name (Ward/Howard 0.89); the edit count can.
   */
  typoLevel: boolean;
}

/** Edits allowed between two tokens for them to count as the same word mistyped. */
function allowedEdits(a: string, b: string): number {
  const len = Math.max(a.length, b.length);
  return len < 4 ? 0 : len < 10 ? 1 : 2;
}

/** Levenshtein distance (fastest-levenshtein), where one adjacent transposition counts as one edit. */
export function typoDistance(a: string, b: string): number {
  const d = levenshtein(a, b);
  if (d !== 2 || a.length !== b.length) return d;
  let i = 0;
  while (i < a.length && a[i] === b[i]) i++;
  const swapped = a[i] === b[i + 1] && a[i + 1] === b[i] && a.slice(i + 2) === b.slice(i + 2);
  return swapped ? 1 : d;
}

/** Whether two tokens are the same word, allowing one typo (two in long words). */
export function isTypoVariant(a: string, b: string): boolean {
  return a === b || typoDistance(a, b) <= allowedEdits(a, b);
}

// Scratch for the token similarity matrix (names are short; longer ones are cut to MAX_ALIGNED tokens).
const MAX_ALIGNED = 8;
const simScratch = new Float64Array(MAX_ALIGNED * MAX_ALIGNED);

/** Whether the tokens, glued together, spell the same string ("jean pierre" and "jeanpierre"). */
function gluedEqual(a: readonly string[], b: readonly string[]): boolean {
  let ia = 0;
  let ib = 0;
  let ca = 0;
  let cb = 0;
  for (;;) {
    while (ia < a.length && ca >= (a[ia] as string).length) {
      ia++;
      ca = 0;
    }
    while (ib < b.length && cb >= (b[ib] as string).length) {
      ib++;
      cb = 0;
    }
    if (ia === a.length || ib === b.length) return ia === a.length && ib === b.length;
    if ((a[ia] as string).charCodeAt(ca++) !== (b[ib] as string).charCodeAt(cb++)) return false;
  }
}

/**
 * Token-aligned similarity of two sorted token lists: tokens paired greedily by best similarity,
 * averaged weighted by length. Tokens of the longer name left unpaired lower the score, except that
 * a name of two or more tokens fully found in a longer one (a middle name added) still scores 0.95×.
 * Tokens glued together are compared too, so "jean pierre" and "jeanpierre" agree (0.97).
 * Pass `out` to reuse a result object (the hot path compares millions of pairs).
 */
export function nameSimilarity(
  a: readonly string[],
  b: readonly string[],
  out: NameSimilarity = { score: 0, sameTokens: false, minToken: 0, extraTokens: 0, typoLevel: false },
): NameSimilarity {
  out.score = 0;
  out.sameTokens = false;
  out.minToken = 0;
  out.extraTokens = 0;
  out.typoLevel = false;
  if (a.length === 0 || b.length === 0) return out;
  if (a.length === b.length) {
    let same = true;
    for (let i = 0; i < a.length && same; i++) same = a[i] === b[i];
    if (same) {
      out.score = 1;
      out.sameTokens = true;
      out.minToken = 1;
      out.typoLevel = true;
      return out;
    }
  }
  let small = a;
  let large = b;
  if (a.length > b.length) {
    small = b;
    large = a;
  }
  const ns = Math.min(small.length, MAX_ALIGNED);
  const nl = Math.min(large.length, MAX_ALIGNED);
  let usedSmall = 0;
  let usedLarge = 0;
  let weighted = 0;
  let weights = 0;
  let minToken = 1;
  let typoLevel = large.length === ns;
  // Equal tokens pair off first (what the greedy pass would do), sparing most similarity computations.
  let paired = 0;
  for (let i = 0; i < ns; i++) {
    for (let j = 0; j < nl; j++) {
      if (!(usedLarge & (1 << j)) && small[i] === large[j]) {
        usedSmall |= 1 << i;
        usedLarge |= 1 << j;
        const w = (small[i] as string).length;
        weighted += w;
        weights += w;
        paired++;
        break;
      }
    }
  }
  if (paired < ns) {
    for (let i = 0; i < ns; i++) {
      if (usedSmall & (1 << i)) continue;
      for (let j = 0; j < nl; j++) {
        if (!(usedLarge & (1 << j))) simScratch[i * nl + j] = tokenSimilarity(small[i] as string, large[j] as string);
      }
    }
  }
  // Then greedy best-pair matching: names have a handful of tokens, so this is cheap and near optimal.
  for (let round = paired; round < ns; round++) {
    let best = -1;
    let bi = 0;
    let bj = 0;
    for (let i = 0; i < ns; i++) {
      if (usedSmall & (1 << i)) continue;
      for (let j = 0; j < nl; j++) {
        if (usedLarge & (1 << j)) continue;
        const sim = simScratch[i * nl + j] as number;
        if (sim > best) {
          best = sim;
          bi = i;
          bj = j;
        }
      }
    }
    usedSmall |= 1 << bi;
    usedLarge |= 1 << bj;
    const w = Math.max((small[bi] as string).length, (large[bj] as string).length);
    weighted += best * w;
    weights += w;
    if (best < minToken) minToken = best;
    // Edit distances only where they can matter (close pairs): the costly part is skipped for the rest.
    if (typoLevel && (best < 0.8 || !isTypoVariant(small[bi] as string, large[bj] as string))) typoLevel = false;
  }
  let unmatched = 0;
  for (let j = 0; j < large.length; j++) if (j >= nl || !(usedLarge & (1 << j))) unmatched += (large[j] as string).length;
  const aligned = weighted / weights;
  let score = aligned;
  let extraTokens = large.length - ns;
  if (unmatched > 0) score = ns >= 2 && minToken >= 0.85 ? aligned * 0.95 : weighted / (weights + unmatched);
  if (score < 0.97 && a.length !== b.length && gluedEqual(a, b)) {
    score = 0.97;
    minToken = 1;
    extraTokens = 0;
    typoLevel = true;
  }
  out.score = score;
  out.minToken = minToken;
  out.extraTokens = extraTokens;
  out.typoLevel = typoLevel;
  return out;
}
