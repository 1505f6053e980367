/**
 * Unicode folding shared by the name normalisers: compatibility decomposition, diacritics removed,
 * letters NFKD leaves whole (ß, æ, ø, ł...) spelled out, lower case.
 */

const SPELLED_OUT: Record<string, string> = {
  ß: 'ss',
  ẞ: 'ss',
  æ: 'ae',
  Æ: 'ae',
  œ: 'oe',
  Œ: 'oe',
  ø: 'o',
  Ø: 'o',
  đ: 'd',
  Đ: 'd',
  ð: 'd',
  Ð: 'd',
  ł: 'l',
  Ł: 'l',
  ı: 'i',
  þ: 'th',
  Þ: 'th',
  ħ: 'h',
  Ħ: 'h',
};
const SPELLED_OUT_RE = /[ßẞæÆœŒøØđĐðÐłŁıþÞħĦ]/g;
const ASCII_RE = /^[ -~]*$/;
const COMBINING_MARKS_RE = /\p{M}+/gu;

/** NFKD, strip combining marks, spell out ß and friends, lower-case. Punctuation is left alone. */
export function foldText(raw: string): string {
  // Most names are plain ASCII: skip the (comparatively slow) Unicode decomposition for them.
  if (ASCII_RE.test(raw)) return raw.toLowerCase();
  return raw
    .normalize('NFKD')
    .replace(COMBINING_MARKS_RE, '')
    .replace(SPELLED_OUT_RE, (ch) => SPELLED_OUT[ch] ?? ch)
    .toLowerCase();
}

// Apostrophes join (O'Brien = OBrien, d'Artagnan = dartagnan); any other non-alphanumeric separates.
const APOSTROPHES_RE = /['’‘`´ʼ]/g;
const SEPARATORS_RE = /[^\p{L}\p{N}]+/gu;
// Already clean: lower-case ASCII letters and digits separated by single spaces.
const ASCII_WORD_RE = /^[a-z0-9]+( [a-z0-9]+)*$/;

/** Folded text split into tokens: hyphens, dots, commas and other punctuation become spaces. */
export function foldTokens(raw: string): string[] {
  const lower = foldText(raw);
  const folded = (ASCII_WORD_RE.test(lower) ? lower : lower.replace(APOSTROPHES_RE, '').replace(SEPARATORS_RE, ' ')).trim();
  return folded === '' ? [] : folded.split(' ');
}

/** Bound of the normalisation memos: cleared when full, so memory stays flat on any volume. */
export const MEMO_LIMIT = 50_000;
const tokenMemo = new Map<string, readonly string[]>();

/**
 * `foldTokens`, memoised: first and last names recur across records (thousands of Maries), and
 * folding accented text is the costly part of normalising a name. The result is shared: do not mutate.
 */
export function foldTokensCached(raw: string): readonly string[] {
  let hit = tokenMemo.get(raw);
  if (hit === undefined) {
    hit = foldTokens(raw);
    if (tokenMemo.size >= MEMO_LIMIT) tokenMemo.clear();
    tokenMemo.set(raw, hit);
  }
  return hit;
}
