/** The `edit_layout` operations on panel layouts (detail, detailSmall, ...). */

import { OpFailure } from './errors.js';
import { isTruthy } from './json.js';
import { checkAddable, notInLayout, type OpEnv } from './opEnv.js';
import type { LayoutOperation, PanelRef } from './opsSchema.js';
import {
  allFieldNames,
  appendToPanel,
  describePanels,
  findField,
  isFieldCell,
  isFullWidthRow,
  panelColumnCount,
  panelFieldNames,
  panelLabel,
  panelTitle,
  placeNextTo,
  resolvePanel,
  rowFor,
  rowsFromCells,
  takeCell,
  type CellPosition,
} from './panels.js';
import type { DetailCell, DetailPanel, DetailRow } from './types.js';

type Op<K extends LayoutOperation['op']> = Extract<LayoutOperation, { op: K }>;

const LIST_ONLY_KEYS = ['width', 'widthPx', 'link', 'notSortable', 'align'] as const;

function where(panels: readonly DetailPanel[], pos: CellPosition): string {
  return `panel ${panelTitle(panels[pos.panel] as DetailPanel, pos.panel)}, row ${pos.row + 1}`;
}

function requireField(panels: readonly DetailPanel[], field: string, role?: string): CellPosition {
  const pos = findField(panels, field);
  if (!pos) throw notInLayout('field', field, allFieldNames(panels), role);
  return pos;
}

function requireNotLast(panels: readonly DetailPanel[], field: string): void {
  if (allFieldNames(panels).length <= 1) {
    throw new OpFailure(`removing "${field}" would leave the layout without fields; EspoCRM refuses an empty layout — add another field first`);
  }
}

/** Puts a cell at the place an add/move operation asks for; returns where it went. */
function place(panels: DetailPanel[], cell: DetailCell, op: { panel?: PanelRef; after?: string; before?: string }): CellPosition {
  const anchorName = op.after ?? op.before;
  const target = op.panel !== undefined ? resolvePanel(panels, op.panel) : undefined;
  if (anchorName !== undefined) {
    if (anchorName === cell.name) throw new OpFailure(`"${cell.name}" cannot be placed next to itself`);
    const anchor = requireField(panels, anchorName, op.after !== undefined ? 'after' : 'before');
    if (target !== undefined && target !== anchor.panel) {
      throw new OpFailure(
        `"${anchorName}" is in panel ${panelTitle(panels[anchor.panel] as DetailPanel, anchor.panel)}, not in panel ${panelTitle(panels[target] as DetailPanel, target)}; give only "panel", or an "after"/"before" field of that panel`,
      );
    }
    return placeNextTo(panels, anchor, cell, op.after !== undefined ? 'after' : 'before');
  }
  if (panels.length === 0) throw new OpFailure('the layout has no panels; add one with add_panel first');
  const p = target ?? 0;
  const row = appendToPanel(panels[p] as DetailPanel, cell);
  return { panel: p, row, cell: 0 };
}

export function addFieldToPanels(panels: DetailPanel[], op: Op<'add_field'>, env: OpEnv): string {
  const listOnly = LIST_ONLY_KEYS.filter((k) => op[k] !== undefined);
  if (listOnly.length > 0) throw new OpFailure(`${listOnly.join(', ')} apply to list layouts; ${env.name} is a panel layout`);
  const existing = findField(panels, op.field);
  if (existing) throw new OpFailure(`field "${op.field}" is already in the layout (${where(panels, existing)}); use move_field to move it`);
  checkAddable(env, op.field);
  const cell: DetailCell = op.fullWidth ? { name: op.field, fullWidth: true } : { name: op.field };
  const pos = place(panels, cell, op);
  return `added "${op.field}"${op.fullWidth ? ' (full width)' : ''} to ${where(panels, pos)}`;
}

export function removeFieldFromPanels(panels: DetailPanel[], op: Op<'remove_field'>): string {
  const pos = requireField(panels, op.field);
  requireNotLast(panels, op.field);
  const from = panelTitle(panels[pos.panel] as DetailPanel, pos.panel);
  takeCell(panels, pos);
  return `removed "${op.field}" from panel ${from}`;
}

export function moveFieldInPanels(panels: DetailPanel[], op: Op<'move_field'>): string {
  const pos = requireField(panels, op.field);
  const target = op.panel ?? op.after ?? op.before;
  if (target === undefined) return setFullWidthInPlace(panels, pos, op.fullWidth === true);
  if (op.panel !== undefined) resolvePanel(panels, op.panel); // fail on a bad panel before changing anything
  const anchorName = op.after ?? op.before;
  if (anchorName !== undefined) requireField(panels, anchorName, op.after !== undefined ? 'after' : 'before');
  const from = where(panels, pos);
  const cell = takeCell(panels, pos);
  if (op.fullWidth === true) cell.fullWidth = true;
  if (op.fullWidth === false) delete cell.fullWidth;
  const to = place(panels, cell, op);
  return `moved "${op.field}" from ${from} to ${where(panels, to)}`;
}

/** move_field with only `fullWidth`: the field stays where it is, in a row of its own or not. */
function setFullWidthInPlace(panels: DetailPanel[], pos: CellPosition, fullWidth: boolean): string {
  const panel = panels[pos.panel] as DetailPanel;
  const row = panel.rows[pos.row] as DetailRow;
  const cell = row[pos.cell] as DetailCell;
  if (isTruthy(cell.fullWidth) === fullWidth) return `"${cell.name}" is already ${fullWidth ? '' : 'not '}full width; nothing changed`;
  if (fullWidth) {
    cell.fullWidth = true;
    if (row.filter(isFieldCell).length === 1) {
      panel.rows[pos.row] = [cell];
    } else {
      row[pos.cell] = false;
      panel.rows.splice(pos.row + 1, 0, [cell]);
    }
    return `made "${cell.name}" full width (${where(panels, findField(panels, cell.name) as CellPosition)})`;
  }
  delete cell.fullWidth;
  if (row.length === 1) panel.rows[pos.row] = rowFor(cell, panelColumnCount({ ...panel, rows: panel.rows.filter((r) => r !== row) }));
  return `made "${cell.name}" an ordinary (half-width) cell`;
}

function requireUniqueLabel(panels: readonly DetailPanel[], label: string, except?: number): void {
  const wanted = label.trim().toLowerCase();
  const clash = panels.findIndex((p, i) => i !== except && panelLabel(p).trim().toLowerCase() === wanted);
  if (clash >= 0) throw new OpFailure(`panel ${clash} is already called ${panelTitle(panels[clash] as DetailPanel, clash)}; choose another label`);
}

export function addPanel(panels: DetailPanel[], op: Op<'add_panel'>, env: OpEnv): string {
  requireUniqueLabel(panels, op.label);
  if (op.tabLabel !== undefined && op.tabBreak !== true) throw new OpFailure('tabLabel needs tabBreak: true');
  const fields = op.fields ?? [];
  const seen = new Set<string>();
  for (const field of fields) {
    if (seen.has(field)) throw new OpFailure(`field "${field}" is listed twice in "fields"`);
    seen.add(field);
    const existing = findField(panels, field);
    if (existing) {
      throw new OpFailure(`field "${field}" is already in the layout (${where(panels, existing)}); add the panel without it, then use move_field`);
    }
    checkAddable(env, field);
  }
  let at = panels.length;
  if (op.after !== undefined) at = resolvePanel(panels, op.after) + 1;
  if (op.before !== undefined) at = resolvePanel(panels, op.before);
  const cells = fields.map((name): DetailCell => ({ name }));
  const built: DetailPanel = {
    customLabel: op.label,
    style: op.style ?? 'default',
    ...(op.tabBreak !== undefined ? { tabBreak: op.tabBreak } : {}),
    ...(op.tabLabel !== undefined ? { tabLabel: op.tabLabel } : {}),
    // An empty panel gets one row of empty slots, as the layout manager creates it.
    rows: cells.length ? rowsFromCells(cells) : [[false, false]],
  };
  panels.splice(at, 0, built);
  const withFields = fields.length ? ` with ${fields.map((f) => `"${f}"`).join(', ')}` : ' (empty)';
  return `added panel "${op.label}" at position ${at}${withFields}`;
}

export function renamePanel(panels: DetailPanel[], op: Op<'rename_panel'>): string {
  const p = resolvePanel(panels, op.panel);
  requireUniqueLabel(panels, op.label, p);
  const panel = panels[p] as DetailPanel;
  const before = panelTitle(panel, p);
  // The layout manager writes a renamed panel's text as customLabel and drops the translatable label.
  delete panel.label;
  panel.customLabel = op.label;
  return `renamed panel ${before} to "${op.label}"`;
}

export function movePanel(panels: DetailPanel[], op: Op<'move_panel'>): string {
  const p = resolvePanel(panels, op.panel);
  const title = panelTitle(panels[p] as DetailPanel, p);
  const refIndex = (ref: PanelRef): number => {
    const r = resolvePanel(panels, ref);
    if (r === p) throw new OpFailure(`a panel cannot be moved relative to itself`);
    return r;
  };
  let to: number;
  if (op.index !== undefined) {
    if (op.index >= panels.length) throw new OpFailure(`index ${op.index} is out of range; there are ${panels.length} panels (0–${panels.length - 1})`);
    to = op.index;
  } else {
    const ref = op.after !== undefined ? refIndex(op.after) : refIndex(op.before as PanelRef);
    const refAfterRemoval = ref > p ? ref - 1 : ref;
    to = op.after !== undefined ? refAfterRemoval + 1 : refAfterRemoval;
  }
  const [panel] = panels.splice(p, 1);
  panels.splice(to, 0, panel as DetailPanel);
  return to === p ? `panel ${title} is already at position ${p}; nothing changed` : `moved panel ${title} from position ${p} to ${to}`;
}

export function removePanel(panels: DetailPanel[], op: Op<'remove_panel'>): string {
  const p = resolvePanel(panels, op.panel);
  const panel = panels[p] as DetailPanel;
  const title = panelTitle(panel, p);
  if (panels.length === 1) throw new OpFailure(`panel ${title} is the only panel; EspoCRM needs at least one panel with a field`);
  const fields = panelFieldNames(panel);
  if (fields.length === 0) {
    panels.splice(p, 1);
    return `removed panel ${title} (it had no fields)`;
  }
  const list = fields.map((f) => `"${f}"`).join(', ');
  if (op.moveFieldsTo === undefined) {
    throw new OpFailure(
      `panel ${title} holds ${list}; say where they go with moveFieldsTo: another panel (${describePanels(panels.filter((_, i) => i !== p))}) or "remove" to drop them`,
    );
  }
  if (op.moveFieldsTo === 'remove') {
    if (allFieldNames(panels).length === fields.length) {
      throw new OpFailure(`dropping ${list} would leave the layout without fields; EspoCRM refuses an empty layout`);
    }
    panels.splice(p, 1);
    return `removed panel ${title} and dropped its fields ${list}`;
  }
  const target = resolvePanel(panels, op.moveFieldsTo);
  if (target === p) throw new OpFailure(`moveFieldsTo names the panel being removed; name another panel, or "remove"`);
  const targetPanel = panels[target] as DetailPanel;
  // Keep the rows as they were arranged; only rows holding fields move.
  for (const row of panel.rows) if (row.some(isFieldCell)) targetPanel.rows.push(isFullWidthRow(row) ? row.filter(isFieldCell) : row);
  panels.splice(p, 1);
  return `removed panel ${title} and moved its fields ${list} to panel ${panelTitle(targetPanel, panels.indexOf(targetPanel))}`;
}
