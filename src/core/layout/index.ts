/**
 * The layout core (pure, no I/O): kinds, parsing, validation, edit operations, rendering, diffs and
 * fingerprints for EspoCRM layouts. Tool handlers (`get_layout`, `edit_layout`, `reset_layout`,
 * `create_custom_field`'s `addToLayouts`) work with the JSON EspoCRM serves and call these.
 */

export { layoutKind, availabilityNames, kindDescription, KNOWN_LAYOUT_NAMES, PANEL_STYLES, MAX_CELLS_PER_ROW } from './kinds.js';
export type { LayoutKind, PanelStyle } from './kinds.js';
export type {
  DetailCell,
  DetailPanel,
  DetailRow,
  DetailRowItem,
  LayoutContext,
  LayoutFieldDef,
  LayoutIssue,
  LayoutIssueSeverity,
  LayoutLinkDef,
  ListColumn,
  NamedItem,
  PanelMapEntry,
  ParsedLayout,
} from './types.js';
export type { JsonValue } from './json.js';
export { parseLayout, tryParseLayout, layoutJson, shapeIssues } from './parse.js';
export { validateLayout, assertValidLayout, hasErrors } from './validate.js';
export { LayoutOperationSchema, ColumnSpecSchema, PanelRefSchema, LAYOUT_OPERATION_NAMES } from './opsSchema.js';
export type { LayoutOperation, ColumnSpec, PanelRef } from './opsSchema.js';
export { applyLayoutOps, placeField, OPS_BY_KIND } from './applyOps.js';
export type { LayoutEditResult, PlaceFieldOptions, PlaceFieldResult } from './applyOps.js';
export { renderLayout } from './render.js';
export { diffLayouts } from './diff.js';
export type { LayoutDiff } from './diff.js';
export { layoutFingerprint } from './fingerprint.js';
export { LayoutParseError, LayoutValidationError, LayoutEditError, LayoutOpError, formatIssues } from './errors.js';
export { FIELD_LAYOUT_TARGETS, placementTargets, introducedErrors, planPlacement } from './placement.js';
export type { Placement, PlacementLayout, PlacementTarget } from './placement.js';
