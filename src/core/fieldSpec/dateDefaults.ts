import { FieldSpecError } from './errors.js';

/**
 * Date and datetime defaults are expressions EspoCRM's UI offers from a fixed list (the `default`
 * parameter's `options` in `fields.date` / `fields.datetime`), e.g.
 * `javascript: return this.dateTime.getToday();`. Friendly forms ("today", "+3 days", "now",
 * "+2 hours") map onto that list; anything else is refused with the forms that exist.
 */

const UNITS: Readonly<Record<string, string>> = {
  day: 'day',
  days: 'day',
  week: 'week',
  weeks: 'week',
  month: 'month',
  months: 'month',
  year: 'year',
  years: 'year',
  hour: 'hour',
  hours: 'hour',
};

const TODAY = 'javascript: return this.dateTime.getToday();';
const NOW = 'javascript: return this.dateTime.getNow(1);';

/** The friendly form of an allowed expression, for messages and notes. */
export function friendlyDateDefault(expression: string): string {
  if (expression === TODAY) return 'today';
  const now = /getNow\((\d+)\)/.exec(expression);
  if (now) return now[1] === '1' ? 'now' : `now (rounded to ${now[1]} minutes)`;
  const shift = /(?:getDateShiftedFromToday|getDateTimeShiftedFromNow)\((\d+), '([a-z]+?)s?'/.exec(expression);
  if (shift) return `+${shift[1]} ${shift[2]}${shift[1] === '1' ? '' : 's'}`;
  return expression;
}

/** Friendly input -> (count, unit), or a fixed keyword. */
function parseFriendly(value: string): { n: number; unit: string } | 'today' | 'now' | undefined {
  const v = value.trim().toLowerCase();
  if (v === 'today') return 'today';
  if (v === 'now') return 'now';
  if (v === 'tomorrow') return { n: 1, unit: 'day' };
  const m = /^(?:\+|in\s+)?\s*(\d+)\s*([a-z]+)(?:\s+from\s+(?:now|today))?$/.exec(v);
  if (!m) return undefined;
  const unit = UNITS[m[2]!];
  return unit === undefined ? undefined : { n: Number(m[1]), unit };
}

export type DateDefaultResult = { value: string; note?: string } | { error: FieldSpecError };

/**
 * Maps a requested default for a date/datetime field to an allowed expression. `allowed` is the
 * tenant's list; when missing, the expression is built in EspoCRM's usual form.
 */
export function resolveDateDefault(type: 'date' | 'datetime', value: string, allowed: readonly string[] | undefined): DateDefaultResult {
  if (value.trim() === '') return { value: '' };
  const offered = (allowed ?? []).filter((a) => a !== '');
  const refuse = (why: string): DateDefaultResult => ({
    error: new FieldSpecError(
      'default_invalid',
      `${why} Defaults ${type} fields can have: ${offered.length ? [...new Set(offered.map(friendlyDateDefault))].map((d) => JSON.stringify(d)).join(', ') : type === 'date' ? '"today", "+N days"' : '"now", "+N hours"'}; or leave "default" out.`,
      'default',
    ),
  });
  if (value.startsWith('javascript:')) {
    if (allowed === undefined || allowed.includes(value)) return { value };
    return refuse(`Default ${JSON.stringify(value)} is not one of the expressions EspoCRM offers.`);
  }
  if (/^\d{4}-\d{2}-\d{2}/.test(value.trim())) {
    return refuse(`Default "${value}" is a fixed date: EspoCRM's ${type} defaults are relative to the day the record is created.`);
  }
  const parsed = parseFriendly(value);
  let pick: ((a: string) => boolean) | undefined;
  let built: string | undefined;
  if (parsed === 'today' && type === 'date') {
    pick = (a) => a === TODAY;
    built = TODAY;
  } else if (parsed === 'now' && type === 'datetime') {
    pick = (a) => a === NOW;
    built = NOW;
  } else if (parsed === 'today' || parsed === 'now') {
    return refuse(`Default "${value}" does not fit ${type} fields.`);
  } else if (parsed !== undefined) {
    const { n, unit } = parsed;
    if (type === 'date' && unit === 'hour') return refuse(`Default "${value}" uses hours, which a date field cannot hold.`);
    const fn = type === 'date' ? 'getDateShiftedFromToday' : 'getDateTimeShiftedFromNow';
    const re = new RegExp(`${fn}\\(${n}, '${unit}s?'`);
    pick = (a) => re.test(a);
    built =
      type === 'date'
        ? `javascript: return this.dateTime.getDateShiftedFromToday(${n}, '${unit}s');`
        : `javascript: return this.dateTime.getDateTimeShiftedFromNow(${n}, '${unit}s', 15);`;
  }
  if (pick === undefined || built === undefined) return refuse(`Default "${value}" is not a default EspoCRM understands.`);
  const found = allowed === undefined ? built : allowed.find(pick);
  if (found === undefined) return refuse(`Default "${value}" is not one EspoCRM offers for ${type} fields.`);
  return { value: found, note: `default "${value}" is stored as "${found}".` };
}
