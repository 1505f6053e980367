/**
 * Which fields may go in which layout, following EspoCRM's layout manager (the `isFieldEnabled`
 * rules of `client/src/views/admin/layouts/*.js`): existence, `disabled`, `utility`, the per-layout
 * `layout*Disabled` flags, `layoutAvailabilityList` and `layoutIgnoreList`, and for massUpdate the
 * fields that cannot be mass-updated at all.
 */

import { closest, distance } from 'fastest-levenshtein';
import { availabilityNames, layoutKind, SIDE_PANEL_SYSTEM_FIELDS } from './kinds.js';
import type { LayoutContext, LayoutFieldDef, LayoutLinkDef } from './types.js';

const MAX_LISTED = 25;

/** A list of names for a message, capped: `a, b, c, … (40 in all)`. */
export function listNames(names: readonly string[], max = MAX_LISTED): string {
  if (names.length === 0) return '(none)';
  if (names.length <= max) return names.join(', ');
  return `${names.slice(0, max).join(', ')}, … (${names.length} in all)`;
}

/** ` (did you mean "cTier"?)` when a known name is close, else ''. */
export function didYouMean(word: string, known: readonly string[]): string {
  if (known.length === 0) return '';
  const lower = word.toLowerCase();
  const sameCase = known.find((k) => k.toLowerCase() === lower);
  if (sameCase) return ` (did you mean "${sameCase}"?)`;
  const best = closest(word, known as string[]);
  const limit = Math.max(2, Math.floor(word.length / 3));
  return distance(word, best) <= limit ? ` (did you mean "${best}"?)` : '';
}

export function entityLabel(ctx: LayoutContext | undefined): string {
  return ctx?.entityType ?? 'the entity';
}

/** The field behind a layout name: `:assignedUser` in defaultSidePanel means the field `assignedUser`. */
export function fieldOfItem(layoutName: string, item: string): string {
  return layoutKind(layoutName) === 'cells' && item.startsWith(':') ? item.slice(1) : item;
}

export interface FieldProblem {
  message: string;
  /** `hard`: wrong in any case (missing, disabled, cannot be mass-updated); else the layout manager would not offer it. */
  hard: boolean;
  /** The name is not a field (or link) of the entity at all. */
  missing?: boolean;
}

function hasFlag(def: LayoutFieldDef, key: keyof LayoutFieldDef): boolean {
  return Boolean(def[key]);
}

function stringList(value: unknown): string[] | undefined {
  return Array.isArray(value) ? value.filter((v): v is string => typeof v === 'string') : undefined;
}

/**
 * Why `field` does not belong in layout `layoutName`, or null when it does. `field` is the real
 * field name (without the `:` of special side-panel items).
 */
export function fieldProblem(layoutName: string, field: string, ctx: LayoutContext): FieldProblem | null {
  const entity = entityLabel(ctx);
  const def = Object.hasOwn(ctx.fields, field) ? ctx.fields[field] : undefined;
  if (!def) {
    return {
      hard: true,
      missing: true,
      message: `"${field}" is not a field of ${entity}${didYouMean(field, Object.keys(ctx.fields))}; remove it, or create the field first`,
    };
  }
  if (hasFlag(def, 'disabled')) return { hard: true, message: `field "${field}" is disabled on ${entity}; remove it from the layout` };

  const kind = layoutKind(layoutName);
  if (layoutName === 'massUpdate') {
    const blocker = hasFlag(def, 'readOnly')
      ? 'is read-only'
      : hasFlag(def, 'readOnlyAfterCreate')
        ? 'is read-only after creation'
        : hasFlag(def, 'massUpdateDisabled') || hasFlag(def, 'layoutMassUpdateDisabled')
          ? 'is marked as not mass-updatable'
          : def.type === 'duration' || def.type === 'foreign'
            ? `has type ${def.type}, which cannot be mass-updated`
            : null;
    if (blocker) return { hard: true, message: `field "${field}" ${blocker}; remove it from massUpdate` };
  }

  const names = availabilityNames(layoutName);
  const availableIn = stringList(def.layoutAvailabilityList);
  if (availableIn && !names.some((n) => availableIn.includes(n))) {
    const where = availableIn.length ? `only in: ${availableIn.join(', ')}` : 'in no layout';
    return { hard: false, message: `field "${field}" is available ${where} (layoutAvailabilityList); the layout manager does not offer it here` };
  }
  const ignoredIn = stringList(def.layoutIgnoreList) ?? [];
  if (names.some((n) => ignoredIn.includes(n))) {
    return { hard: false, message: `field "${field}" is excluded from ${layoutName} (layoutIgnoreList)` };
  }
  if (hasFlag(def, 'utility')) return { hard: false, message: `field "${field}" is a utility field, not meant for layouts` };

  const flag: keyof LayoutFieldDef | null =
    kind === 'panels'
      ? 'layoutDetailDisabled'
      : kind === 'columns'
        ? 'layoutListDisabled'
        : layoutName === 'filters'
          ? 'layoutFiltersDisabled'
          : kind === 'cells'
            ? 'layoutDefaultSidePanelDisabled'
            : null;
  if (flag && hasFlag(def, flag)) {
    return { hard: false, message: `field "${field}" has ${String(flag)}, so the layout manager does not offer it in ${layoutName}` };
  }
  if (kind === 'cells' && hasFlag(def, 'layoutDetailDisabled')) {
    return { hard: false, message: `field "${field}" has layoutDetailDisabled, so it is not offered in the side panel` };
  }
  if (kind === 'cells' && SIDE_PANEL_SYSTEM_FIELDS.includes(field)) {
    return { hard: false, message: `field "${field}" is always shown in the side panel; listing it again shows it twice` };
  }
  if (layoutName === 'filters' && ctx.fieldTypes && def.type) {
    const typeDef = ctx.fieldTypes[def.type];
    const filterable = typeof typeDef === 'object' && typeDef !== null && Boolean((typeDef as Record<string, unknown>).filter);
    if (!filterable) return { hard: false, message: `field "${field}" has type ${def.type}, which EspoCRM cannot filter by` };
  }
  return null;
}

/** Why `link` cannot be a relationship panel, or null. Unknown when `ctx.links` is absent. */
export function linkProblem(link: string, ctx: LayoutContext | undefined): FieldProblem | null {
  if (link.startsWith('_') || !ctx?.links) return null;
  const entity = entityLabel(ctx);
  const def: LayoutLinkDef | undefined = Object.hasOwn(ctx.links, link) ? ctx.links[link] : undefined;
  if (!def) {
    return { hard: true, missing: true, message: `"${link}" is not a link of ${entity}${didYouMean(link, Object.keys(ctx.links))}` };
  }
  if (def.disabled) return { hard: true, message: `link "${link}" is disabled on ${entity}` };
  if (def.type !== 'hasMany' && def.type !== 'hasChildren') {
    return { hard: false, message: `link "${link}" is ${def.type ?? 'untyped'}; relationship panels show hasMany and hasChildren links` };
  }
  if (def.utility || def.layoutRelationshipsDisabled) {
    return { hard: false, message: `link "${link}" is marked as not shown in relationship panels` };
  }
  return null;
}
