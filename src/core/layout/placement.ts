/**
 * Placing a new field on layouts (create_custom_field's `addToLayouts`): which layouts may take it,
 * reading the targets a caller gave, and the planned placement on one layout, validated. Pure: the
 * caller reads the layouts and saves the results.
 */
import { CoreError } from '../errors.js';
import { placeField, type PlaceFieldOptions } from './applyOps.js';
import { diffLayouts } from './diff.js';
import { LayoutValidationError } from './errors.js';
import type { LayoutContext, LayoutIssue } from './types.js';
import { validateLayout } from './validate.js';

/** The layouts a new field can be placed on when it is created. */
export const FIELD_LAYOUT_TARGETS = ['detail', 'detailSmall', 'list', 'filters', 'massUpdate'] as const;
export type PlacementLayout = (typeof FIELD_LAYOUT_TARGETS)[number];

export type PlacementTarget = PlacementLayout | ({ layout: PlacementLayout } & { [K in keyof PlaceFieldOptions]?: PlaceFieldOptions[K] | undefined });

export interface Placement {
  layout: PlacementLayout;
  opts: PlaceFieldOptions;
  before: unknown;
  after: unknown;
  changed: boolean;
  change: string;
  diff: string;
}

/** The targets as layout + options, each layout once (or a clear error). */
export function placementTargets(raw: readonly PlacementTarget[] | undefined): Array<{ layout: PlacementLayout; opts: PlaceFieldOptions }> {
  const out: Array<{ layout: PlacementLayout; opts: PlaceFieldOptions }> = [];
  for (const t of raw ?? []) {
    const { layout, ...opts } = typeof t === 'string' ? { layout: t } : t;
    if (out.some((o) => o.layout === layout)) {
      throw new CoreError(`addToLayouts names the ${layout} layout twice; give each layout once.`, 'invalid_request');
    }
    out.push({ layout, opts: Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined)) as PlaceFieldOptions });
  }
  return out;
}

/**
 * The errors `after` has that `before` did not: only what an edit introduces blocks a save, so a
 * layout that already named a deleted field (EspoCRM leaves them) can still be edited.
 */
export function introducedErrors(name: string, before: unknown, after: unknown, lctx: LayoutContext): LayoutIssue[] {
  const had = new Set(validateLayout(name, before, lctx).filter((i) => i.severity === 'error').map((i) => i.message));
  return validateLayout(name, after, lctx).filter((i) => i.severity === 'error' && !had.has(i.message));
}

/** The field placed on one layout as it is now, validated (throws LayoutValidationError when the result would not be valid). */
export function planPlacement(layout: PlacementLayout, opts: PlaceFieldOptions, before: unknown, field: string, lctx: LayoutContext): Placement {
  const placed = placeField(layout, before, field, opts, lctx);
  if (placed.changed) {
    const errors = introducedErrors(layout, before, placed.layout, lctx);
    if (errors.length > 0) throw new LayoutValidationError(layout, errors);
  }
  return { layout, opts, before, after: placed.layout, changed: placed.changed, change: placed.change, diff: diffLayouts(layout, before, placed.layout).text };
}
