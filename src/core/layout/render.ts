/** A readable text rendering of a layout: panels and rows, or columns, or a list of names. */

import { isPlainObject, isTruthy } from './json.js';
import { panelTitle, isFieldCell } from './panels.js';
import { itemName, layoutJson, parseLayout, shapeIssues } from './parse.js';
import { formatIssues } from './errors.js';
import type { DetailCell, DetailPanel, ListColumn, NamedItem, PanelMapEntry, ParsedLayout } from './types.js';

const EMPTY_CELL = '(empty)';

function quoted(value: unknown): string {
  return JSON.stringify(value);
}

export function describePanel(panel: DetailPanel, index: number): string {
  const notes: string[] = [typeof panel.style === 'string' ? panel.style : 'default'];
  if (isTruthy(panel.tabBreak)) notes.push(typeof panel.tabLabel === 'string' && panel.tabLabel ? `tab break ${quoted(panel.tabLabel)}` : 'tab break');
  if (isTruthy(panel.hidden)) notes.push('hidden');
  if (panel.dynamicLogicVisible !== undefined && panel.dynamicLogicVisible !== null) notes.push('conditional');
  if (typeof panel.noteText === 'string' && panel.noteText) notes.push('note');
  return `Panel ${index} ${panelTitle(panel, index)} (${notes.join(', ')})`;
}

export function describeCell(cell: DetailCell): string {
  const notes: string[] = [];
  if (isTruthy(cell.fullWidth)) notes.push('full width');
  if (typeof cell.customLabel === 'string') notes.push(`label ${quoted(cell.customLabel)}`);
  if (isTruthy(cell.noLabel)) notes.push('no label');
  if (typeof cell.view === 'string') notes.push(`view ${cell.view}`);
  return notes.length ? `${cell.name} (${notes.join(', ')})` : cell.name;
}

export function describeColumn(col: ListColumn): string {
  const parts = [col.name];
  if (col.width !== undefined && col.width !== null) parts.push(`${String(col.width)}%`);
  if (col.widthPx !== undefined && col.widthPx !== null) parts.push(`${String(col.widthPx)}px`);
  const notes: string[] = [];
  if (isTruthy(col.link)) notes.push('link');
  if (isTruthy(col.notSortable)) notes.push('not sortable');
  if (typeof col.align === 'string') notes.push(`align ${col.align}`);
  if (isTruthy(col.hidden)) notes.push('hidden');
  if (isTruthy(col.noLabel)) notes.push('no label');
  if (typeof col.customLabel === 'string') notes.push(`label ${quoted(col.customLabel)}`);
  if (isTruthy(col.isLarge)) notes.push('large');
  if (isTruthy(col.isMuted)) notes.push('muted');
  if (typeof col.view === 'string') notes.push(`view ${col.view}`);
  return notes.length ? `${parts.join(' ')} (${notes.join(', ')})` : parts.join(' ');
}

function describeEntry(key: string, entry: PanelMapEntry): string {
  const notes: string[] = [];
  if (entry.index !== undefined) notes.push(`index ${String(entry.index)}`);
  if (isTruthy(entry.disabled)) notes.push('disabled');
  if (isTruthy(entry.sticked)) notes.push('sticked');
  if (isTruthy(entry.hidden)) notes.push('hidden');
  if (isTruthy(entry.tabBreak)) notes.push(typeof entry.tabLabel === 'string' && entry.tabLabel ? `tab break ${quoted(entry.tabLabel)}` : 'tab break');
  if (typeof entry.style === 'string') notes.push(`style ${entry.style}`);
  return notes.length ? `${key}: ${notes.join(', ')}` : key;
}

function describeNamed(item: NamedItem): string {
  const name = itemName(item);
  if (isPlainObject(item) && typeof item.customLabel === 'string') return `${name} (label ${quoted(item.customLabel)})`;
  return name;
}

function listTitle(name: string): string {
  switch (name) {
    case 'filters':
      return 'Filter fields';
    case 'massUpdate':
      return 'Mass update fields';
    default:
      return 'Fields';
  }
}

/** The lines of a parsed layout's rendering. */
export function renderLines(layout: ParsedLayout): string[] {
  switch (layout.kind) {
    case 'panels': {
      if (layout.panels.length === 0) return ['(no panels)'];
      return layout.panels.flatMap((panel, p) => [
        describePanel(panel, p),
        ...(panel.rows.length === 0 ? ['  (no rows)'] : panel.rows.map((row) => `  | ${row.map((c) => (isFieldCell(c) ? describeCell(c) : EMPTY_CELL)).join(' | ')} |`)),
      ]);
    }
    case 'columns':
      return [`Columns (${layout.columns.length}):`, ...layout.columns.map((c) => `  ${describeColumn(c)}`)];
    case 'fieldList':
      return [`${listTitle(layout.name)} (${layout.fields.length}):`, ...layout.fields.map((f) => `  ${f}`)];
    case 'cells':
      return [`Side panel fields (${layout.cells.length}):`, ...layout.cells.map((c) => `  ${describeNamed(c)}`)];
    case 'linkList':
      return [`Relationship panels (${layout.links.length}):`, ...layout.links.map((l) => `  ${describeNamed(l)}`)];
    case 'panelMap': {
      const entries = Object.entries(layout.panels);
      if (entries.length === 0) return ['Panels: none customised (EspoCRM\'s defaults apply)'];
      return [`Panels (${entries.length}):`, ...entries.map(([k, e]) => `  ${describeEntry(k, e)}`)];
    }
    case 'opaque':
      return [`Layout "${layout.name}" (not a layout name EspoCRM uses):`, JSON.stringify(layoutJson(layout)) ?? 'undefined'];
  }
}

/** A readable rendering of layout JSON for layout `name`; malformed JSON is shown with its problems. */
export function renderLayout(name: string, layout: unknown): string {
  const issues = shapeIssues(name, layout);
  if (issues.length > 0) {
    return `Layout "${name}" is malformed: ${formatIssues(issues)}\n${JSON.stringify(layout) ?? 'undefined'}`;
  }
  return renderLines(parseLayout(name, layout)).join('\n');
}
