import { untrustedList } from '../fence.js';
import { distance } from 'fastest-levenshtein';

/** The known word closest to a typo (case-insensitive), when close enough to be worth suggesting. */
export function closestMatch(word: string, known: readonly string[]): string | undefined {
  const w = word.toLowerCase();
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const d = distance(w, k.toLowerCase());
    if (d < bestDistance) {
      best = k;
      bestDistance = d;
    }
  }
  // Short words tolerate one edit, longer ones two: beyond that the guess is noise.
  const limit = w.length <= 4 ? 1 : w.length <= 12 ? 2 : 3;
  return best !== undefined && bestDistance <= limit ? best : undefined;
}

/** ` Did you mean "x"?` or the empty string. */
export function didYouMean(word: string, known: readonly string[]): string {
  const m = closestMatch(word, known);
  return m !== undefined && m !== word ? ` Did you mean "${m}"?` : '';
}

/** `"a", "b", "c"`; long lists are cut with a count of the rest. */
export function quoteList(items: readonly string[], max = 30): string {
  // Option values, labels and field names here may come from the CRM: marked, so a model reads them fenced.
  return untrustedList(items, max);
}

/** A value for a message: short JSON. */
export function show(value: unknown): string {
  if (value === undefined) return 'nothing';
  const s = JSON.stringify(value) ?? String(value);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}

export { isRecord } from '../values.js';
