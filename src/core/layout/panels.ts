/** Reading and changing the panel/row/cell grid of detail layouts. */

import { untrusted } from '../fence.js';
import { OpFailure } from './errors.js';
import { isTruthy } from './json.js';
import { DEFAULT_CELLS_PER_ROW, MAX_CELLS_PER_ROW } from './kinds.js';
import type { DetailCell, DetailPanel, DetailRow, DetailRowItem } from './types.js';

export interface CellPosition {
  panel: number;
  row: number;
  cell: number;
}

export function isFieldCell(item: DetailRowItem | undefined): item is DetailCell {
  return typeof item === 'object' && item !== null;
}

export function isEmptySlot(item: DetailRowItem | undefined): boolean {
  return item === false || item === null;
}

/** The text a panel is known by: `customLabel`, else `label`, else `name`; '' when it has none. */
export function panelLabel(panel: DetailPanel): string {
  for (const key of ['customLabel', 'label', 'name']) {
    const value = panel[key];
    if (typeof value === 'string' && value.trim() !== '') return value;
  }
  return '';
}

/** `"Overview"`, or `#0 (no label)` for a panel without a label. */
export function panelTitle(panel: DetailPanel, index: number): string {
  const label = panelLabel(panel);
  // A label is CRM data: marked, so a model reads it fenced (src/core/fence.ts).
  return label ? `"${untrusted(label)}"` : `#${index} (no label)`;
}

export function describePanels(panels: readonly DetailPanel[]): string {
  return panels.map((p, i) => `${i}: ${panelTitle(p, i)}`).join(', ');
}

/**
 * A panel by index or by `customLabel`, `label` or `name` (case-insensitive, trimmed). An unknown
 * or ambiguous reference fails with the list of panels.
 */
export function resolvePanel(panels: readonly DetailPanel[], ref: string | number): number {
  if (typeof ref === 'number') {
    if (Number.isInteger(ref) && ref >= 0 && ref < panels.length) return ref;
    throw new OpFailure(`there is no panel ${ref}; panels: ${describePanels(panels)}`);
  }
  const wanted = ref.trim().toLowerCase();
  const matches: number[] = [];
  panels.forEach((panel, i) => {
    const keys = ['customLabel', 'label', 'name'].map((k) => panel[k]);
    if (keys.some((v) => typeof v === 'string' && v.trim().toLowerCase() === wanted)) matches.push(i);
  });
  if (matches.length === 1) return matches[0] as number;
  if (matches.length === 0) throw new OpFailure(`no panel is called "${ref}"; panels: ${describePanels(panels)}`);
  throw new OpFailure(`"${ref}" matches ${matches.length} panels (${matches.join(', ')}); refer to the panel by its index. Panels: ${describePanels(panels)}`);
}

export function findField(panels: readonly DetailPanel[], field: string): CellPosition | null {
  for (let p = 0; p < panels.length; p++) {
    const rows = (panels[p] as DetailPanel).rows;
    for (let r = 0; r < rows.length; r++) {
      const row = rows[r] as DetailRow;
      for (let c = 0; c < row.length; c++) {
        const item = row[c];
        if (isFieldCell(item) && item.name === field) return { panel: p, row: r, cell: c };
      }
    }
  }
  return null;
}

export function panelFieldNames(panel: DetailPanel): string[] {
  return panel.rows.flatMap((row) => row.filter(isFieldCell).map((c) => c.name));
}

export function allFieldNames(panels: readonly DetailPanel[]): string[] {
  return panels.flatMap(panelFieldNames);
}

export function isFullWidthRow(row: DetailRow): boolean {
  return row.some((item) => isFieldCell(item) && isTruthy(item.fullWidth));
}

/** How many cells a new row of this panel gets: as wide as its widest ordinary row, 2 by default. */
export function panelColumnCount(panel: DetailPanel): number {
  let widest = 0;
  for (const row of panel.rows) if (!isFullWidthRow(row)) widest = Math.max(widest, row.length);
  return Math.min(MAX_CELLS_PER_ROW, widest || DEFAULT_CELLS_PER_ROW);
}

/** A new row holding one cell: alone when full width, else padded with empty slots. */
export function rowFor(cell: DetailCell, columns: number): DetailRow {
  if (isTruthy(cell.fullWidth)) return [cell];
  const row: DetailRow = [cell];
  while (row.length < columns) row.push(false);
  return row;
}

/** Removes the cell at `pos` (leaving an empty slot), and drops its row if nothing is left in it. */
export function takeCell(panels: DetailPanel[], pos: CellPosition): DetailCell {
  const rows = (panels[pos.panel] as DetailPanel).rows;
  const row = rows[pos.row] as DetailRow;
  const cell = row[pos.cell];
  if (!isFieldCell(cell)) throw new Error('takeCell: no field at this position');
  row[pos.cell] = false;
  if (!row.some(isFieldCell)) rows.splice(pos.row, 1);
  return cell;
}

/**
 * Puts `cell` at the end of a panel: into the first empty slot of its last row when that row is an
 * ordinary one, else into a new row. Returns the 0-based row it went into.
 */
export function appendToPanel(panel: DetailPanel, cell: DetailCell): number {
  const last = panel.rows[panel.rows.length - 1];
  if (!isTruthy(cell.fullWidth) && last && !isFullWidthRow(last)) {
    const slot = last.findIndex(isEmptySlot);
    if (slot >= 0) {
      last[slot] = cell;
      return panel.rows.length - 1;
    }
  }
  panel.rows.push(rowFor(cell, panelColumnCount(panel)));
  return panel.rows.length - 1;
}

/**
 * Puts `cell` right after (or before) the field at `anchor`. Within the anchor's row when that row
 * has an empty slot (the adjacent one if free, else the row's cells shift by one and an empty slot
 * is used up), else in a new row right after (or before) the anchor's row. Full-width cells always
 * get a row of their own. Returns where the cell went.
 */
export function placeNextTo(panels: DetailPanel[], anchor: CellPosition, cell: DetailCell, side: 'after' | 'before'): CellPosition {
  const panel = panels[anchor.panel] as DetailPanel;
  const row = panel.rows[anchor.row] as DetailRow;
  if (!isTruthy(cell.fullWidth) && !isFullWidthRow(row)) {
    const adjacent = side === 'after' ? anchor.cell + 1 : anchor.cell - 1;
    if (adjacent >= 0 && adjacent < row.length && isEmptySlot(row[adjacent])) {
      row[adjacent] = cell;
      return { panel: anchor.panel, row: anchor.row, cell: adjacent };
    }
    const empty = row.findIndex(isEmptySlot);
    if (empty >= 0) {
      row.splice(empty, 1);
      const anchorCell = empty < anchor.cell ? anchor.cell - 1 : anchor.cell;
      const at = side === 'after' ? anchorCell + 1 : anchorCell;
      row.splice(at, 0, cell);
      return { panel: anchor.panel, row: anchor.row, cell: at };
    }
  }
  const at = side === 'after' ? anchor.row + 1 : anchor.row;
  panel.rows.splice(at, 0, rowFor(cell, panelColumnCount(panel)));
  return { panel: anchor.panel, row: at, cell: 0 };
}

/** Builds rows of `columns` cells from a list of cells; full-width cells get a row of their own. */
export function rowsFromCells(cells: readonly DetailCell[], columns = DEFAULT_CELLS_PER_ROW): DetailRow[] {
  const rows: DetailRow[] = [];
  let current: DetailRow | null = null;
  for (const cell of cells) {
    if (isTruthy(cell.fullWidth)) {
      current = null;
      rows.push([cell]);
      continue;
    }
    if (!current || current.length >= columns) {
      current = [];
      rows.push(current);
    }
    current.push(cell);
  }
  for (const row of rows) if (!isFullWidthRow(row)) while (row.length < columns) row.push(false);
  return rows;
}
