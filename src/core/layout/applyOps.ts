/**
 * `applyLayoutOps`: the operations of `edit_layout`, applied in order and atomically to a copy of
 * the layout (the input is never changed). The first failing operation throws `LayoutOpError`,
 * naming it by index, and nothing is returned. The result carries `validateLayout`'s verdict on the
 * new layout; the caller must not save it when that holds an error (`assertValidLayout`).
 */

import { LayoutEditError, LayoutOpError, LayoutParseError, OpFailure, formatIssues } from './errors.js';
import type { JsonValue } from './json.js';
import { kindDescription } from './kinds.js';
import { columnList, fieldNameList, namedItemList, addToList, moveInList, removeFromList, setColumns, setWidth, type NamedList } from './listOps.js';
import type { OpEnv } from './opEnv.js';
import { LayoutOperationSchema, type LayoutOperation, type PanelRef } from './opsSchema.js';
import {
  addFieldToPanels,
  addPanel,
  moveFieldInPanels,
  movePanel,
  removeFieldFromPanels,
  removePanel,
  renamePanel,
} from './panelOps.js';
import { findField, panelTitle } from './panels.js';
import { layoutJson, parseLayout, shapeIssues } from './parse.js';
import type { DetailPanel, LayoutContext, LayoutIssue, ParsedLayout } from './types.js';
import { hasErrors, validateLayout } from './validate.js';

export interface LayoutEditResult {
  /** The new layout JSON, ready to be validated and saved. */
  layout: JsonValue;
  /** One readable line per operation: what it did. */
  changes: string[];
  /** `validateLayout` of the new layout: save only when it holds no error. */
  issues: LayoutIssue[];
}

/** Which operations each layout kind takes (the rest are refused, naming these). */
export const OPS_BY_KIND: Readonly<Record<ParsedLayout['kind'], readonly LayoutOperation['op'][]>> = {
  panels: ['add_field', 'remove_field', 'move_field', 'add_panel', 'rename_panel', 'move_panel', 'remove_panel', 'replace'],
  columns: ['add_field', 'remove_field', 'move_field', 'set_columns', 'set_width', 'replace'],
  fieldList: ['add_field', 'remove_field', 'move_field', 'replace'],
  cells: ['add_field', 'remove_field', 'move_field', 'replace'],
  linkList: ['add_field', 'remove_field', 'move_field', 'replace'],
  panelMap: ['replace'],
  opaque: ['replace'],
};

function listOf(layout: ParsedLayout): NamedList<unknown> | null {
  switch (layout.kind) {
    case 'columns':
      return columnList(layout.columns) as NamedList<unknown>;
    case 'fieldList':
      return fieldNameList(layout.fields) as NamedList<unknown>;
    case 'cells':
      return namedItemList(layout.cells, 'field') as NamedList<unknown>;
    case 'linkList':
      return namedItemList(layout.links, 'link') as NamedList<unknown>;
    default:
      return null;
  }
}

/** Applies one (non-replace) operation to `layout` in place; returns what it did. */
function applyOne(layout: ParsedLayout, op: Exclude<LayoutOperation, { op: 'replace' }>, env: OpEnv): string {
  const allowed = OPS_BY_KIND[layout.kind];
  if (!allowed.includes(op.op)) {
    throw new OpFailure(`${op.op} does not apply to ${env.name}, ${kindDescription(layout.kind)}; operations for it: ${allowed.join(', ')}`);
  }
  if (layout.kind === 'panels') {
    const panels = layout.panels;
    switch (op.op) {
      case 'add_field':
        return addFieldToPanels(panels, op, env);
      case 'remove_field':
        return removeFieldFromPanels(panels, op);
      case 'move_field':
        return moveFieldInPanels(panels, op);
      case 'add_panel':
        return addPanel(panels, op, env);
      case 'rename_panel':
        return renamePanel(panels, op);
      case 'move_panel':
        return movePanel(panels, op);
      case 'remove_panel':
        return removePanel(panels, op);
    }
  }
  if (layout.kind === 'columns' && op.op === 'set_columns') return setColumns(layout.columns, op, env);
  if (layout.kind === 'columns' && op.op === 'set_width') return setWidth(layout.columns, op, env);
  const list = listOf(layout);
  if (list) {
    switch (op.op) {
      case 'add_field':
        return addToList(list, op, env);
      case 'remove_field':
        return removeFromList(list, op, env);
      case 'move_field':
        return moveInList(list, op, env);
    }
  }
  throw new Error(`applyOne: ${op.op} on ${layout.kind} has no implementation`);
}

function opNameOf(raw: unknown): string {
  if (typeof raw === 'object' && raw !== null && 'op' in raw && typeof raw.op === 'string') return raw.op;
  return 'unknown';
}

function zodReason(error: { issues: readonly { path: readonly PropertyKey[]; message: string }[] }): string {
  return error.issues
    .map((i) => (i.path.length ? `${i.path.map(String).join('.')}: ${i.message}` : i.message))
    .join('; ');
}

/**
 * Applies `ops` in order to a copy of `layout` (the JSON EspoCRM served for layout `name`). Throws
 * `LayoutOpError` for the first operation that cannot be applied; the input is never changed.
 * When the current layout is malformed, only a leading `replace` can fix it.
 */
export function applyLayoutOps(name: string, layout: unknown, ops: readonly unknown[], ctx: LayoutContext): LayoutEditResult {
  const env: OpEnv = { name, ctx };
  const baseIssues = shapeIssues(name, layout);
  let state: ParsedLayout | null = baseIssues.length === 0 ? parseLayout(name, layout) : null;
  const changes: string[] = [];

  ops.forEach((raw, index) => {
    const parsed = LayoutOperationSchema.safeParse(raw);
    if (!parsed.success) throw new LayoutOpError(index, opNameOf(raw), `invalid operation: ${zodReason(parsed.error)}`);
    const op = parsed.data;
    if (op.op === 'replace') {
      const issues = validateLayout(name, op.layout, ctx);
      if (hasErrors(issues)) {
        throw new LayoutOpError(index, op.op, `the new layout is not valid: ${formatIssues(issues.filter((i) => i.severity === 'error'))}`);
      }
      state = parseLayout(name, op.layout);
      changes.push(`replaced the whole ${name} layout`);
      return;
    }
    if (!state) {
      throw new LayoutOpError(
        index,
        op.op,
        `the current ${name} layout is malformed (${formatIssues(baseIssues, 3)}); replace it first (op "replace") or reset it with reset_layout`,
      );
    }
    try {
      changes.push(applyOne(state, op, env));
    } catch (err) {
      if (err instanceof OpFailure) throw new LayoutOpError(index, op.op, err.message);
      throw err;
    }
  });

  if (!state) throw new LayoutParseError(name, baseIssues);
  const json = layoutJson(state);
  return { layout: json, changes, issues: validateLayout(name, json, ctx) };
}

export interface PlaceFieldOptions {
  /** Detail layouts: the panel (label, custom label, name or index); default: the first panel. */
  panel?: PanelRef;
  after?: string;
  before?: string;
  fullWidth?: boolean;
  /** List layouts: column width in percent. */
  width?: number;
}

export interface PlaceFieldResult {
  layout: JsonValue;
  /** False when the field was already in the layout: then `layout` equals the input. */
  changed: boolean;
  change: string;
}

/**
 * Adds `field` to layout `name` unless it is already there: the idempotent placement
 * `create_custom_field`'s `addToLayouts` needs (a retry must not fail or duplicate). Without `ctx`
 * the field is not checked against the entity (a field just created may not be in cached metadata).
 * Throws `LayoutEditError` when the field cannot be placed as asked, `LayoutParseError` when the
 * current layout is malformed.
 */
export function placeField(name: string, layout: unknown, field: string, opts: PlaceFieldOptions = {}, ctx?: LayoutContext): PlaceFieldResult {
  const state = parseLayout(name, layout);
  const present = where(state, field);
  if (present !== null) {
    return { layout: layoutJson(state), changed: false, change: `"${field}" is already in ${name}${present}; left as it was` };
  }
  const op = LayoutOperationSchema.safeParse({ op: 'add_field', field, ...opts });
  if (!op.success) throw new LayoutEditError(`cannot place "${field}" in ${name}: ${zodReason(op.error)}`, zodReason(op.error));
  try {
    const change = applyOne(state, op.data as Exclude<LayoutOperation, { op: 'replace' }>, { name, ctx });
    return { layout: layoutJson(state), changed: true, change };
  } catch (err) {
    if (err instanceof OpFailure) throw new LayoutEditError(`cannot place "${field}" in ${name}: ${err.message}`, err.message);
    throw err;
  }
}

/** Where `field` is, for a message (` (panel "Overview")`, or '' in a list), or null when absent. */
function where(layout: ParsedLayout, field: string): string | null {
  if (layout.kind === 'panels') {
    const pos = findField(layout.panels, field);
    return pos ? ` (panel ${panelTitle(layout.panels[pos.panel] as DetailPanel, pos.panel)})` : null;
  }
  const list = listOf(layout);
  if (list) return list.items.some((i) => list.nameOf(i) === field) ? '' : null;
  return null;
}
