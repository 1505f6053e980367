/**
 * String comparison the way EspoCRM's MySQL/MariaDB tables compare (utf8mb4_unicode_ci): case and
 * accents are ignored, trailing spaces do not count in `=`. `LIKE` uses `%` and `_` with `\` as escape.
 */

const LIGATURES: Record<string, string> = { ß: 'ss', æ: 'ae', œ: 'oe', ø: 'o', đ: 'd', ł: 'l', ı: 'i' };
const MEMO_LIMIT = 200_000;
const memo = new Map<string, string>();
// eslint-disable-next-line no-control-regex -- the ASCII range is the point
const ASCII = /^[\x00-\x7f]*$/;

/** Case- and accent-folded form of a string, memoised (sorting 100k rows folds the same names often). */
export function fold(value: string): string {
  // Plain ASCII only needs lower-casing; skipping NFD and the memo keeps 100k-row sorts fast.
  if (ASCII.test(value)) return value.toLowerCase();
  const hit = memo.get(value);
  if (hit !== undefined) return hit;
  const folded = value
    .normalize('NFD')
    .replace(/\p{M}/gu, '')
    .toLowerCase()
    .replace(/[ßæœøđłı]/g, (c) => LIGATURES[c] ?? c);
  if (memo.size >= MEMO_LIMIT) memo.clear();
  memo.set(value, folded);
  return folded;
}

/** The form two strings are compared in: folded, trailing spaces dropped (PAD SPACE). */
export function collationKey(value: string): string {
  return fold(value).trimEnd();
}

/** `a = b` under the collation. */
export function collatedEquals(a: string, b: string): boolean {
  return collationKey(a) === collationKey(b);
}

export function collatedCompare(a: string, b: string): number {
  const fa = collationKey(a);
  const fb = collationKey(b);
  return fa < fb ? -1 : fa > fb ? 1 : 0;
}

/** Compiles a SQL LIKE pattern to a matcher over folded strings. */
export function likeMatcher(pattern: string): (value: string) => boolean {
  let source = '';
  const folded = fold(pattern);
  for (let i = 0; i < folded.length; i++) {
    const c = folded[i]!;
    if (c === '\\' && i + 1 < folded.length) {
      source += escapeRegExp(folded[++i]!);
    } else if (c === '%') {
      source += '[\\s\\S]*';
    } else if (c === '_') {
      source += '[\\s\\S]';
    } else {
      source += escapeRegExp(c);
    }
  }
  const re = new RegExp(`^${source}$`, 'u');
  return (value: string) => re.test(fold(value));
}

function escapeRegExp(value: string): string {
  return value.replace(/[.*+?^${}()|[\]\\/-]/g, '\\$&');
}
