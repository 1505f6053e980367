import { FieldSpecError } from './errors.js';
import { closestMatch } from './suggest.js';
import type { NameResolution } from './types.js';

/**
 * Field names (docs/espocrm.md, "Field names"): EspoCRM stores `"c" + ucfirst(name)` for custom
 * fields on standard entity types since 8.2 (unless `customPrefixDisabled`), adds the prefix even
 * to a name that already has it, limits the snake_case form of the stored name to 50 characters
 * and refuses a few reserved names. It validates little else, so these rules run here, before any
 * write.
 */

export const MAX_FIELD_NAME_SNAKE_LENGTH = 50;

/** EspoCRM's reserved field names (FieldManager), compared case-insensitively. */
export const RESERVED_FIELD_NAMES: readonly string[] = [
  'id',
  'deleted',
  'deleteId',
  'skipDuplicateCheck',
  'null',
  'false',
  'true',
  'versionNumber',
  'isStarred',
  'isFollowed',
  'followers',
  'teams',
  'assignedUser',
  'assignedUsers',
  'collaborators',
  'streamUpdatedAt',
  'createdBy',
  'createdAt',
  'modifiedBy',
  'modifiedAt',
  'emailAddressList',
  'userEmailAddressList',
  'excludeFromReplyEmailAddressList',
];
const RESERVED_LOWER = new Set(RESERVED_FIELD_NAMES.map((n) => n.toLowerCase()));

/** Attributes EspoCRM derives from a link `x`: a field named `x` + one of these clashes with it. */
const LINK_ATTRIBUTE_SUFFIXES = ['Id', 'Name', 'Ids', 'Names', 'Type'];

export interface NameContext {
  /** `scopes.{Entity}.isCustom`: custom entity types get no prefix. */
  entityIsCustom: boolean;
  /** Prefix behaviour of the tenant: false before 8.2 or with `customPrefixDisabled`. */
  prefixEnabled: boolean;
  /** Names of the entity's fields (`entityDefs.{Entity}.fields`). */
  existingFields: readonly string[];
  /** Names of the entity's links (`entityDefs.{Entity}.links`). */
  existingLinks?: readonly string[];
}

/** EspoCRM's snake_case form (Util::toUnderScore): `cMyField` -> `c_my_field`. */
export function toSnakeCase(name: string): string {
  if (name === '') return name;
  return (name[0]!.toLowerCase() + name.slice(1)).replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

const lcfirst = (s: string): string => (s === '' ? s : s[0]!.toLowerCase() + s.slice(1));
const ucfirst = (s: string): string => (s === '' ? s : s[0]!.toUpperCase() + s.slice(1));
const isAcronym = (w: string): boolean => w.length > 1 && /^[A-Z0-9]+$/.test(w) && /[A-Z]/.test(w);

/** Words -> camelCase: `["Secteur", "transport"]` -> `secteurTransport`; acronyms lower-cased (`VAT` -> `vat`/`Vat`). */
function camelJoin(words: string[]): string {
  return words
    .map((w, i) => {
      const word = isAcronym(w) ? w.toLowerCase() : w;
      return i === 0 ? lcfirst(word) : ucfirst(word);
    })
    .join('');
}

const LATIN_EXTRA: Readonly<Record<string, string>> = {
  ß: 'ss',
  æ: 'ae',
  Æ: 'Ae',
  œ: 'oe',
  Œ: 'Oe',
  ø: 'o',
  Ø: 'O',
  ł: 'l',
  Ł: 'L',
  đ: 'd',
  Đ: 'D',
  þ: 'th',
  Þ: 'Th',
};

/** Anything but printable ASCII (tab and newlines aside), matched by whole code point. */
const NON_ASCII_ALL = /[^\t\n\r\x20-\x7e]/gu;

/** Accents removed (`activité` -> `activite`); characters without an ASCII form are dropped. */
function transliterate(s: string): string {
  return s
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(NON_ASCII_ALL, (c) => LATIN_EXTRA[c] ?? ' ');
}

/** Best-effort camelCase ASCII name for a suggestion, or undefined when nothing usable is left. */
function suggestName(raw: string): string | undefined {
  const words = transliterate(raw)
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean);
  let s = camelJoin(words);
  const lead = /^\d+/.exec(s)?.[0] ?? '';
  if (lead) s = lcfirst(s.slice(lead.length)) + lead;
  return /^[a-z][a-zA-Z0-9]*$/.test(s) ? s : undefined;
}

/** A readable label from a camelCase name: `secteurTransport` -> `Secteur Transport`. */
export function labelFromName(base: string): string {
  const words = base.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([a-zA-Z])(\d)/g, '$1 $2');
  return ucfirst(words);
}

type Checked = { ok: true; name: NameResolution } | { ok: false; errors: FieldSpecError[] };

/** Turns natural input into a camelCase candidate, or explains why it cannot. */
function normalizeName(raw: string): { candidate: string; notes: string[] } | { error: FieldSpecError } {
  const input = raw.trim();
  if (input === '') {
    return { error: new FieldSpecError('invalid_name', 'The field name is empty. Give a name made of ASCII letters and digits, e.g. "secteurTransport".', 'name') };
  }
  const nonAscii = [...new Set(input.match(NON_ASCII_ALL) ?? [])];
  if (nonAscii.length > 0) {
    const suggestion = suggestName(input);
    return {
      error: new FieldSpecError(
        'name_not_ascii',
        `Field name "${input}" contains ${nonAscii.map((c) => `"${c}"`).join(', ')}: EspoCRM field names become database columns and allow only ASCII letters and digits. ` +
          `${suggestion ? `Use the name "${suggestion}"` : 'Use an ASCII name (e.g. an English word)'} and put the wording with accents in "label", which may be any text (e.g. "${input}").`,
        'name',
      ),
    };
  }
  const bad = [...new Set(input.match(/[^A-Za-z0-9 _-]/g) ?? [])];
  if (bad.length > 0) {
    const suggestion = suggestName(input);
    return {
      error: new FieldSpecError(
        'invalid_name',
        `Field name "${input}" contains ${bad.map((c) => `"${c}"`).join(', ')}: only ASCII letters and digits are allowed (spaces, "_" and "-" are turned into camelCase).` +
          (suggestion ? ` Use "${suggestion}".` : ''),
        'name',
      ),
    };
  }
  const words = input.split(/[ _-]+/).filter(Boolean);
  if (words.length === 0) {
    return { error: new FieldSpecError('invalid_name', `Field name "${input}" has no letters. Give a name like "secteurTransport".`, 'name') };
  }
  const candidate = camelJoin(words);
  if (/^\d/.test(candidate)) {
    const suggestion = suggestName(input);
    return {
      error: new FieldSpecError(
        'name_starts_with_digit',
        `Field name "${input}" starts with a digit; it must start with a letter (a-z).` +
          (suggestion ? ` Move the number to the end, e.g. "${suggestion}".` : ' Put a word first, e.g. "field1".'),
        'name',
      ),
    };
  }
  const notes = candidate !== input ? [`name "${input}" is written "${candidate}" (field names are camelCase ASCII letters and digits).`] : [];
  return { candidate, notes };
}

/**
 * Resolves a requested field name into the name to send and the name EspoCRM stores, and checks
 * it against EspoCRM's rules and the entity's fields and links. A name equal to an existing field
 * (`cFoo`, or a legacy unprefixed `foo`) refers to that field (`exists: true`), never to a new one.
 */
export function checkFieldName(input: string, ctx: NameContext): Checked {
  const fields = new Set(ctx.existingFields);
  const links = new Set(ctx.existingLinks ?? []);
  const prefixOn = ctx.prefixEnabled && !ctx.entityIsCustom;
  const requested = input;
  const trimmed = input.trim();
  const looksPrefixed = (n: string): boolean => prefixOn && /^c[A-Z]/.test(n);

  let candidate: string;
  const notes: string[] = [];
  if (fields.has(trimmed)) {
    candidate = trimmed;
  } else {
    const normalized = normalizeName(input);
    if ('error' in normalized) return { ok: false, errors: [normalized.error] };
    candidate = normalized.candidate;
    notes.push(...normalized.notes);
  }

  let base: string;
  let stored: string;
  if (fields.has(candidate)) {
    stored = candidate;
    base = looksPrefixed(candidate) ? lcfirst(candidate.slice(1)) : candidate;
    notes.push(trimmed === stored ? `"${stored}" is an existing field.` : `"${trimmed}" is the existing field "${stored}".`);
  } else if (prefixOn && /^cC[A-Z]/.test(candidate)) {
    // "cCFoo" is what EspoCRM makes of "cFoo" sent as is: almost always a mistake to repeat.
    const single = `c${candidate.slice(2)}`;
    return {
      ok: false,
      errors: [
        new FieldSpecError(
          'invalid_name',
          `Field name "${candidate}" carries the "c" prefix twice. Give "${single}" (or "${lcfirst(candidate.slice(2))}"): EspoCRM adds one "c" itself.`,
          'name',
        ),
      ],
    };
  } else if (looksPrefixed(candidate)) {
    base = lcfirst(candidate.slice(1));
    stored = candidate;
    notes.push(`"${candidate}" already carries EspoCRM's "c" prefix: "${base}" is sent and EspoCRM stores "${stored}" (sending "${candidate}" would create "c${candidate[0]!.toUpperCase()}${candidate.slice(1)}").`);
  } else if (prefixOn) {
    base = candidate;
    stored = `c${ucfirst(candidate)}`;
    if (fields.has(stored)) notes.push(`"${candidate}" is the existing field "${stored}".`);
    else notes.push(`stored as "${stored}": EspoCRM adds the "c" prefix to custom fields of standard entity types (since 8.2).`);
  } else {
    base = candidate;
    stored = candidate;
  }
  const exists = fields.has(stored);

  const errors: FieldSpecError[] = [];
  if (!exists) {
    const snake = toSnakeCase(stored);
    if (snake.length > MAX_FIELD_NAME_SNAKE_LENGTH) {
      errors.push(
        new FieldSpecError(
          'name_too_long',
          `Field name "${stored}" is too long: EspoCRM limits its database form "${snake}" to ${MAX_FIELD_NAME_SNAKE_LENGTH} characters (it has ${snake.length}). Use a shorter name; each capital letter counts twice.`,
          'name',
        ),
      );
    }
    const reserved = [base, stored].find((n) => RESERVED_LOWER.has(n.toLowerCase()));
    if (reserved !== undefined) {
      errors.push(
        new FieldSpecError(
          'name_reserved',
          `Field name "${reserved}" is reserved by EspoCRM (system attributes: ${RESERVED_FIELD_NAMES.join(', ')}). Choose a more specific name that says what the field holds.`,
          'name',
        ),
      );
    }
    if (links.has(stored)) {
      errors.push(
        new FieldSpecError('name_conflict', `The entity already has a relationship (link) named "${stored}". Choose another field name.`, 'name'),
      );
    }
    for (const suffix of LINK_ATTRIBUTE_SUFFIXES) {
      const owner = stored.endsWith(suffix) ? stored.slice(0, -suffix.length) : '';
      if (owner !== '' && links.has(owner)) {
        errors.push(
          new FieldSpecError(
            'name_conflict',
            `Field name "${stored}" clashes with the attribute "${stored}" of the relationship "${owner}" (EspoCRM derives ${owner}Id, ${owner}Name... from it). Choose another name.`,
            'name',
          ),
        );
        break;
      }
    }
  }
  if (errors.length > 0) return { ok: false, errors };
  return { ok: true, name: { requested, base, stored, exists, notes } };
}

/** As `checkFieldName`, throwing the first `FieldSpecError`. */
export function resolveFieldName(input: string, ctx: NameContext): NameResolution {
  const r = checkFieldName(input, ctx);
  if (!r.ok) throw r.errors[0]!;
  return r.name;
}

/**
 * Finds the existing field a name refers to (for update and delete): the name itself, its
 * camelCase form, or that form with the `c` prefix. Never invents a name.
 */
export function findExistingField(
  input: string,
  ctx: NameContext & { entity?: string },
): { ok: true; stored: string; notes: string[] } | { ok: false; error: FieldSpecError } {
  const fields = ctx.existingFields;
  const trimmed = input.trim();
  if (fields.includes(trimmed)) return { ok: true, stored: trimmed, notes: [] };
  const normalized = normalizeName(input);
  const tried = [trimmed];
  if (!('error' in normalized)) {
    const c = normalized.candidate;
    const forms = [c, `c${ucfirst(c)}`];
    for (const f of forms) {
      if (!tried.includes(f)) tried.push(f);
      if (fields.includes(f)) return { ok: true, stored: f, notes: [`"${trimmed}" refers to the existing field "${f}".`] };
    }
  }
  const guess = tried.map((t) => closestMatch(t, fields)).find((g) => g !== undefined);
  const where = ctx.entity ? `${ctx.entity} has` : 'The entity has';
  return {
    ok: false,
    error: new FieldSpecError(
      'field_not_found',
      `${where} no field "${trimmed}" (looked for ${tried.map((t) => `"${t}"`).join(', ')}).${guess ? ` Did you mean "${guess}"?` : ''} Use describe_entity to list its fields.`,
      'name',
    ),
  };
}
