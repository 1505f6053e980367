/**
 * Layout names and the JSON shape ("kind") each one has. EspoCRM stores any JSON under any name
 * (docs/espocrm.md, "Layouts"), so the kind comes from the name: the names the layout manager
 * offers, the other core names, and the prefixes EspoCRM's additional layouts use
 * (`listForAccount`, `detailPortal`, ...).
 */

export type LayoutKind =
  /** detail, detailSmall, detailConvert, edit variants: an array of panels with rows of cells. */
  | 'panels'
  /** list, listSmall, listDashlet, kanban, listFor*: an array of column objects. */
  | 'columns'
  /** filters, massUpdate: an array of field names. */
  | 'fieldList'
  /** defaultSidePanel: an array of `{name}` cells (`":assignedUser"` is a special item). */
  | 'cells'
  /** sidePanels*, bottomPanels*: an object keyed by panel name. */
  | 'panelMap'
  /** relationships: an array of link names or `{name}` objects. */
  | 'linkList'
  /** A name EspoCRM does not use: kept as is, never edited or saved. */
  | 'opaque';

/**
 * The layout names EspoCRM ships defaults for, or offers in its layout manager (docs/espocrm.md,
 * "Layout names and shapes").
 */
export const KNOWN_LAYOUT_NAMES: readonly string[] = [
  'detail',
  'detailSmall',
  'detailConvert',
  'edit',
  'editSmall',
  'list',
  'listSmall',
  'listDashlet',
  'kanban',
  'filters',
  'massUpdate',
  'defaultSidePanel',
  'sidePanelsDetail',
  'sidePanelsEdit',
  'sidePanelsDetailSmall',
  'sidePanelsEditSmall',
  'bottomPanelsDetail',
  'bottomPanelsDetailSmall',
  'bottomPanelsEdit',
  'bottomPanelsEditSmall',
  'relationships',
];

export function layoutKind(name: string): LayoutKind {
  switch (name) {
    case 'filters':
    case 'massUpdate':
      return 'fieldList';
    case 'defaultSidePanel':
      return 'cells';
    case 'relationships':
      return 'linkList';
    case 'kanban':
      return 'columns';
  }
  if (name.startsWith('sidePanels') || name.startsWith('bottomPanels')) return 'panelMap';
  if (name.startsWith('detail') || name.startsWith('edit')) return 'panels';
  if (name.startsWith('list')) return 'columns';
  return 'opaque';
}

/**
 * The names a field's `layoutAvailabilityList` / `layoutIgnoreList` are matched against: the layout's
 * own name and its base type, as the layout manager does (`listSmall` counts as `list`).
 */
export function availabilityNames(name: string): string[] {
  const kind = layoutKind(name);
  const base = kind === 'columns' && name.startsWith('list') ? 'list' : kind === 'panels' && name.startsWith('detail') ? 'detail' : name;
  return base === name ? [name] : [name, base];
}

/** Panel styles the layout manager offers (detail panels, side and bottom panels). */
export const PANEL_STYLES = ['default', 'success', 'danger', 'warning', 'info', 'primary'] as const;
export type PanelStyle = (typeof PANEL_STYLES)[number];

/** Note styles for a detail panel's `noteText`. */
export const NOTE_STYLES = ['info', 'success', 'danger', 'warning', 'primary'] as const;

/** The layout manager shows at most 4 cells per row (2 by default). */
export const MAX_CELLS_PER_ROW = 4;
export const DEFAULT_CELLS_PER_ROW = 2;

/** List column widths: `width` is a percentage, `widthPx` pixels (the layout manager's bounds). */
export const MAX_WIDTH_PERCENT = 100;
export const MAX_WIDTH_PX = 720;

/** Fields the record view always shows in its default side panel, so the detail editor leaves them out. */
export const SIDE_PANEL_SYSTEM_FIELDS: readonly string[] = ['createdAt', 'modifiedAt', 'createdBy', 'modifiedBy'];

/** The human word for a kind, for messages. */
export function kindDescription(kind: LayoutKind): string {
  switch (kind) {
    case 'panels':
      return 'panels with rows of fields';
    case 'columns':
      return 'list columns';
    case 'fieldList':
      return 'a list of field names';
    case 'cells':
      return 'the fields of the default side panel';
    case 'panelMap':
      return 'side or bottom panels keyed by name';
    case 'linkList':
      return 'relationship panels (link names)';
    case 'opaque':
      return 'a layout name EspoCRM does not use';
  }
}
