/**
 * Validation of layout JSON before it is saved. EspoCRM validates nothing (docs/espocrm.md,
 * "Layouts"), so this is the only gate. Errors block a save; warnings are shown but do not block.
 *
 * Severity choices:
 * - errors: wrong shape; a field that does not exist or is disabled; a field twice; more than 4
 *   cells in a row; a full-width cell sharing its row with another field; a layout with no field
 *   (panels, columns: EspoCRM's "cantBeEmpty"); `width` outside 0–100, `widthPx` outside 0–720, both
 *   on one column; `align` other than left/right; an unknown panel style; fields the layout manager
 *   calls incompatible; massUpdate fields that cannot be mass-updated; an unknown layout name.
 * - warnings: fields the layout manager would not offer here (`layout*Disabled`,
 *   `layoutAvailabilityList`, utility; core layouts sometimes hold such fields); column widths summing
 *   to more than 100% (the table still renders, squeezed, so this does not block); a numeric string
 *   width; no column linking to the record; empty rows and panels; duplicate panel labels.
 */

import { LayoutValidationError } from './errors.js';
import { fieldOfItem, fieldProblem, linkProblem, type FieldProblem } from './fieldRules.js';
import { isPlainObject, isTruthy } from './json.js';
import {
  KNOWN_LAYOUT_NAMES,
  MAX_CELLS_PER_ROW,
  MAX_WIDTH_PERCENT,
  MAX_WIDTH_PX,
  NOTE_STYLES,
  PANEL_STYLES,
  SIDE_PANEL_SYSTEM_FIELDS,
} from './kinds.js';
import { isFieldCell, panelLabel, panelTitle } from './panels.js';
import { itemName, parseLayout, shapeIssues } from './parse.js';
import type { DetailPanel, LayoutContext, LayoutIssue, ListColumn, NamedItem, PanelMapEntry } from './types.js';

class IssueList {
  readonly items: LayoutIssue[] = [];
  error(path: string, message: string): void {
    this.items.push({ path, message, severity: 'error' });
  }
  warn(path: string, message: string): void {
    this.items.push({ path, message, severity: 'warning' });
  }
  problem(path: string, p: FieldProblem): void {
    if (p.hard) this.error(path, p.message);
    else this.warn(path, p.message);
  }
}

/** Remembers where each name was first seen, to report the second occurrence. */
class SeenNames {
  private readonly first = new Map<string, string>();
  check(issues: IssueList, name: string, path: string, what = 'field'): void {
    const before = this.first.get(name);
    if (before !== undefined) issues.error(path, `${what} "${name}" appears twice (also at ${before}); remove one of them`);
    else this.first.set(name, path);
  }
}

/**
 * Every problem of `layout` (the JSON to be saved) for layout `name` of the entity described by
 * `ctx`. Never throws.
 */
export function validateLayout(name: string, layout: unknown, ctx: LayoutContext): LayoutIssue[] {
  const shape = shapeIssues(name, layout);
  if (shape.length > 0) return shape;
  const parsed = parseLayout(name, layout);
  const issues = new IssueList();
  switch (parsed.kind) {
    case 'panels':
      validatePanels(name, parsed.panels, ctx, issues);
      break;
    case 'columns':
      validateColumns(name, parsed.columns, ctx, issues);
      break;
    case 'fieldList':
      validateFieldList(name, parsed.fields, ctx, issues);
      break;
    case 'cells':
      validateNamedItems(name, 'cells', parsed.cells, ctx, issues);
      break;
    case 'linkList':
      validateNamedItems(name, 'links', parsed.links, ctx, issues);
      break;
    case 'panelMap':
      validatePanelMap(parsed.panels, issues);
      break;
    case 'opaque':
      issues.error(
        'layout',
        `"${name}" is not a layout name EspoCRM uses, so it cannot be checked or saved; layout names: ${KNOWN_LAYOUT_NAMES.join(', ')} (and names starting with list, detail, sidePanels or bottomPanels)`,
      );
      break;
  }
  return issues.items;
}

export function hasErrors(issues: readonly LayoutIssue[]): boolean {
  return issues.some((i) => i.severity === 'error');
}

/** Validates and throws `LayoutValidationError` on any error; returns the warnings. */
export function assertValidLayout(name: string, layout: unknown, ctx: LayoutContext): LayoutIssue[] {
  const issues = validateLayout(name, layout, ctx);
  if (hasErrors(issues)) throw new LayoutValidationError(name, issues);
  return issues;
}

/** A cell or column with its own view can render a name that is not a field: only warn then. */
function softenForView(problem: FieldProblem, view: unknown): FieldProblem {
  return problem.missing && typeof view === 'string' && view !== '' ? { ...problem, hard: false } : problem;
}

function checkOptionalString(issues: IssueList, path: string, value: unknown): void {
  if (value !== undefined && value !== null && typeof value !== 'string') issues.error(path, `expected text, found ${typeof value}`);
}

function checkOptionalBool(issues: IssueList, path: string, value: unknown): void {
  if (value !== undefined && value !== null && typeof value !== 'boolean') {
    issues.warn(path, `expected true or false, found ${JSON.stringify(value)}; EspoCRM reads it as ${isTruthy(value)}`);
  }
}

function checkStyle(issues: IssueList, path: string, value: unknown, allowed: readonly string[]): void {
  if (value === undefined || value === null) return;
  if (typeof value !== 'string' || !allowed.includes(value)) {
    issues.error(path, `style ${JSON.stringify(value)} is not one of ${allowed.join(', ')}`);
  }
}

function validatePanels(name: string, panels: DetailPanel[], ctx: LayoutContext, issues: IssueList): void {
  const seen = new SeenNames();
  const placed: string[] = [];
  const labels = new Map<string, number>();
  if (panels.length === 0) issues.error('panels', 'the layout has no panels; EspoCRM needs at least one panel with one field');

  panels.forEach((panel, p) => {
    const at = `panels[${p}]`;
    checkStyle(issues, `${at}.style`, panel.style, PANEL_STYLES);
    checkStyle(issues, `${at}.noteStyle`, panel.noteStyle, NOTE_STYLES);
    for (const key of ['label', 'customLabel', 'tabLabel', 'name', 'noteText']) checkOptionalString(issues, `${at}.${key}`, panel[key]);
    for (const key of ['tabBreak', 'hidden']) checkOptionalBool(issues, `${at}.${key}`, panel[key]);

    const label = panelLabel(panel).trim().toLowerCase();
    if (label) {
      const other = labels.get(label);
      if (other !== undefined) issues.warn(at, `panels ${other} and ${p} are both called ${panelTitle(panel, p)}; operations must refer to them by index`);
      else labels.set(label, p);
    }

    let fieldsInPanel = 0;
    panel.rows.forEach((row, r) => {
      const rowAt = `${at}.rows[${r}]`;
      if (row.length === 0) issues.warn(rowAt, 'the row has no cells; remove it');
      if (row.length > MAX_CELLS_PER_ROW) {
        issues.error(rowAt, `the row has ${row.length} cells; EspoCRM's layout manager allows at most ${MAX_CELLS_PER_ROW} per row — move some fields to another row`);
      }
      const fieldCells = row.filter(isFieldCell);
      row.forEach((cell, c) => {
        const cellAt = `${rowAt}[${c}]`;
        if (cell === null) {
          issues.warn(cellAt, 'an empty cell is null; EspoCRM writes false for empty cells');
          return;
        }
        if (!isFieldCell(cell)) return;
        fieldsInPanel++;
        placed.push(cell.name);
        seen.check(issues, cell.name, cellAt);
        const problem = fieldProblem(name, cell.name, ctx);
        if (problem) issues.problem(cellAt, softenForView(problem, cell.view));
        if (!problem && SIDE_PANEL_SYSTEM_FIELDS.includes(cell.name)) {
          issues.warn(cellAt, `"${cell.name}" is already shown in the record's side panel; here it appears a second time`);
        }
        if (isTruthy(cell.fullWidth)) {
          if (fieldCells.length > 1) {
            issues.error(cellAt, `"${cell.name}" is full width, so it must be alone in its row; move the other field(s) of this row, or drop fullWidth`);
          } else if (row.length > 1) {
            issues.warn(cellAt, `"${cell.name}" is full width but its row also has ${row.length - 1} empty slot(s); remove them`);
          }
        }
      });
    });
    if (fieldsInPanel === 0 && panels.length > 0) issues.warn(at, `panel ${panelTitle(panel, p)} has no fields; add fields or remove the panel`);
  });

  if (panels.length > 0 && placed.length === 0) {
    issues.error('panels', 'the layout has no field at all; EspoCRM refuses an empty layout (cantBeEmpty) — add at least one field');
  }
  checkIncompatible(placed, ctx, issues);
}

function checkIncompatible(placed: readonly string[], ctx: LayoutContext, issues: IssueList): void {
  for (const field of placed) {
    const def = Object.hasOwn(ctx.fields, field) ? ctx.fields[field] : undefined;
    const conflicts = (Array.isArray(def?.detailLayoutIncompatibleFieldList) ? def.detailLayoutIncompatibleFieldList : []).filter((f) =>
      placed.includes(f),
    );
    if (conflicts.length > 0) {
      issues.error('panels', `"${field}" cannot be in the same layout as ${conflicts.map((f) => `"${f}"`).join(', ')}; remove one of them`);
      return;
    }
  }
}

function numeric(value: unknown): number | null {
  if (typeof value === 'number' && Number.isFinite(value)) return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return null;
}

function validateColumns(name: string, columns: ListColumn[], ctx: LayoutContext, issues: IssueList): void {
  const seen = new SeenNames();
  if (columns.length === 0) issues.error('columns', 'the list has no columns; EspoCRM refuses an empty list layout (cantBeEmpty)');
  let widthSum = 0;
  let withoutWidth = 0;
  columns.forEach((col, i) => {
    const at = `columns[${i}]`;
    seen.check(issues, col.name, at, 'column');
    const problem = fieldProblem(name, col.name, ctx);
    if (problem) issues.problem(at, softenForView(problem, col.view));

    const hasWidth = col.width !== undefined && col.width !== null;
    const hasPx = col.widthPx !== undefined && col.widthPx !== null;
    if (hasWidth) {
      const w = numeric(col.width);
      if (w === null || w < 0 || w > MAX_WIDTH_PERCENT) {
        issues.error(`${at}.width`, `width ${JSON.stringify(col.width)} is not a percentage between 0 and ${MAX_WIDTH_PERCENT}`);
      } else {
        widthSum += w;
        if (typeof col.width === 'string') issues.warn(`${at}.width`, `width is the text ${JSON.stringify(col.width)}; write the number ${w}`);
      }
    }
    if (hasPx) {
      const px = col.widthPx;
      if (typeof px !== 'number' || !Number.isFinite(px) || px < 0 || px > MAX_WIDTH_PX) {
        issues.error(`${at}.widthPx`, `widthPx ${JSON.stringify(px)} is not a number of pixels between 0 and ${MAX_WIDTH_PX}`);
      }
    }
    if (hasWidth && hasPx) issues.error(at, `column "${col.name}" has both width and widthPx; keep one of them`);
    if (!hasWidth && !hasPx) withoutWidth++;
    if (col.align !== undefined && col.align !== null && col.align !== 'left' && col.align !== 'right') {
      issues.error(`${at}.align`, `align ${JSON.stringify(col.align)} must be "left" or "right"`);
    }
    for (const key of ['customLabel', 'label', 'view']) checkOptionalString(issues, `${at}.${key}`, col[key]);
  });
  if (widthSum > MAX_WIDTH_PERCENT) {
    issues.warn('columns', `column widths add up to ${round(widthSum)}%, more than 100%; the list will be squeezed — reduce some widths`);
  } else if (widthSum >= MAX_WIDTH_PERCENT && withoutWidth > 0) {
    issues.warn('columns', `column widths already add up to ${round(widthSum)}%, leaving no room for the ${withoutWidth} column(s) without a width`);
  }
  if (columns.length > 0 && !columns.some((c) => isTruthy(c.link))) {
    issues.warn('columns', 'no column links to the record (link: true); usually the name column does');
  }
}

function round(n: number): number {
  return Math.round(n * 100) / 100;
}

function validateFieldList(name: string, fields: string[], ctx: LayoutContext, issues: IssueList): void {
  const seen = new SeenNames();
  fields.forEach((field, i) => {
    const at = `fields[${i}]`;
    seen.check(issues, field, at);
    const problem = fieldProblem(name, field, ctx);
    if (problem) issues.problem(at, problem);
  });
}

function validateNamedItems(name: string, root: 'cells' | 'links', items: NamedItem[], ctx: LayoutContext, issues: IssueList): void {
  const seen = new SeenNames();
  items.forEach((item, i) => {
    const at = `${root}[${i}]`;
    const itemNameValue = itemName(item);
    seen.check(issues, itemNameValue, at, root === 'links' ? 'link' : 'field');
    const problem = root === 'links' ? linkProblem(itemNameValue, ctx) : fieldProblem(name, fieldOfItem(name, itemNameValue), ctx);
    if (problem) issues.problem(at, problem);
    if (isPlainObject(item)) for (const key of ['customLabel', 'view']) checkOptionalString(issues, `${at}.${key}`, item[key]);
  });
}

function validatePanelMap(panels: Record<string, PanelMapEntry>, issues: IssueList): void {
  for (const [key, entry] of Object.entries(panels)) {
    const at = `panels.${key}`;
    if (entry.index !== undefined && entry.index !== null && (typeof entry.index !== 'number' || !Number.isFinite(entry.index))) {
      issues.error(`${at}.index`, `index ${JSON.stringify(entry.index)} must be a number (the panel's position)`);
    }
    checkStyle(issues, `${at}.style`, entry.style, PANEL_STYLES);
    for (const flag of ['disabled', 'sticked', 'hidden', 'tabBreak']) checkOptionalBool(issues, `${at}.${flag}`, entry[flag]);
    checkOptionalString(issues, `${at}.tabLabel`, entry.tabLabel);
  }
}
