/**
 * From layout JSON to a typed `ParsedLayout` and back. Parsing checks only the shape the kind needs
 * (arrays, objects, `name` strings); every other key is kept in place, so
 * `JSON.stringify(layoutJson(parseLayout(name, x))) === JSON.stringify(x)` for anything that parses.
 */

import { LayoutParseError } from './errors.js';
import { cloneJson, isPlainObject, type JsonValue } from './json.js';
import { kindDescription, layoutKind, type LayoutKind } from './kinds.js';
import type { DetailPanel, LayoutIssue, ListColumn, NamedItem, PanelMapEntry, ParsedLayout } from './types.js';

/** The root name used in issue paths, per kind: `panels[0]`, `columns[2]`, `fields[1]`, ... */
export function rootPathName(kind: LayoutKind): string {
  switch (kind) {
    case 'panels':
    case 'panelMap':
      return 'panels';
    case 'columns':
      return 'columns';
    case 'fieldList':
      return 'fields';
    case 'cells':
      return 'cells';
    case 'linkList':
      return 'links';
    case 'opaque':
      return 'layout';
  }
}

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  if (typeof value === 'string') return `the string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 37)}...` : value)}`;
  return `${typeof value} ${String(value)}`;
}

function isName(value: unknown): value is string {
  return typeof value === 'string' && value.trim() !== '';
}

/** Structural problems that stop a layout from being read as its kind (all errors). */
export function shapeIssues(name: string, json: unknown): LayoutIssue[] {
  const kind = layoutKind(name);
  const root = rootPathName(kind);
  const issues: LayoutIssue[] = [];
  const error = (path: string, message: string): void => {
    issues.push({ path, message, severity: 'error' });
  };
  const expectArray = (value: unknown): value is unknown[] => {
    if (Array.isArray(value)) return true;
    error(root, `expected an array for ${kindDescription(kind)}, found ${describe(value)}; replace the layout or reset it`);
    return false;
  };

  switch (kind) {
    case 'panels': {
      if (!expectArray(json)) break;
      json.forEach((panel, p) => {
        const at = `panels[${p}]`;
        if (!isPlainObject(panel)) return error(at, `a panel must be an object with "rows", found ${describe(panel)}`);
        if (!Array.isArray(panel.rows)) {
          return error(`${at}.rows`, `a panel needs "rows", an array of rows, found ${describe(panel.rows)}`);
        }
        panel.rows.forEach((row, r) => {
          if (!Array.isArray(row)) return error(`${at}.rows[${r}]`, `a row must be an array of cells, found ${describe(row)}`);
          row.forEach((cell, c) => {
            if (cell === false || cell === null) return;
            if (!isPlainObject(cell) || !isName(cell.name)) {
              error(`${at}.rows[${r}][${c}]`, `a cell must be false (empty) or an object with a field "name", found ${describe(cell)}`);
            }
          });
        });
      });
      break;
    }
    case 'columns': {
      if (!expectArray(json)) break;
      json.forEach((col, i) => {
        if (!isPlainObject(col) || !isName(col.name)) {
          error(`columns[${i}]`, `a column must be an object with a field "name", found ${describe(col)}`);
        }
      });
      break;
    }
    case 'fieldList': {
      if (!expectArray(json)) break;
      json.forEach((item, i) => {
        if (!isName(item)) error(`fields[${i}]`, `expected a field name, found ${describe(item)}`);
      });
      break;
    }
    case 'cells':
    case 'linkList': {
      if (!expectArray(json)) break;
      json.forEach((item, i) => {
        if (isName(item)) return;
        if (!isPlainObject(item) || !isName(item.name)) {
          error(`${root}[${i}]`, `expected a name or an object with "name", found ${describe(item)}`);
        }
      });
      break;
    }
    case 'panelMap': {
      if (!isPlainObject(json)) {
        error(root, `expected an object keyed by panel name for ${kindDescription(kind)}, found ${describe(json)}`);
        break;
      }
      for (const [key, entry] of Object.entries(json)) {
        if (!isPlainObject(entry)) error(`panels.${key}`, `a panel entry must be an object (e.g. {"index": 2}), found ${describe(entry)}`);
      }
      break;
    }
    case 'opaque':
      break;
  }
  return issues;
}

/**
 * Reads layout JSON as the kind its name implies. The result is a deep copy (the input is never
 * aliased). Throws `LayoutParseError` when the shape is wrong.
 */
export function parseLayout(name: string, json: unknown): ParsedLayout {
  const issues = shapeIssues(name, json);
  if (issues.length > 0) throw new LayoutParseError(name, issues);
  const copy = cloneJson<unknown>(json);
  const kind = layoutKind(name);
  switch (kind) {
    case 'panels':
      return { kind, name, panels: copy as DetailPanel[] };
    case 'columns':
      return { kind, name, columns: copy as ListColumn[] };
    case 'fieldList':
      return { kind, name, fields: copy as string[] };
    case 'cells':
      return { kind, name, cells: copy as NamedItem[] };
    case 'panelMap':
      return { kind, name, panels: copy as Record<string, PanelMapEntry> };
    case 'linkList':
      return { kind, name, links: copy as NamedItem[] };
    case 'opaque':
      return { kind, name, value: copy as JsonValue };
  }
}

/** Parses, or returns the shape issues instead of throwing. */
export function tryParseLayout(name: string, json: unknown): { layout: ParsedLayout } | { issues: LayoutIssue[] } {
  const issues = shapeIssues(name, json);
  return issues.length > 0 ? { issues } : { layout: parseLayout(name, json) };
}

/** The JSON to send to EspoCRM for a parsed layout (a deep copy). */
export function layoutJson(layout: ParsedLayout): JsonValue {
  switch (layout.kind) {
    case 'panels':
      return cloneJson(layout.panels);
    case 'columns':
      return cloneJson(layout.columns);
    case 'fieldList':
      return cloneJson(layout.fields);
    case 'cells':
      return cloneJson(layout.cells);
    case 'panelMap':
      return cloneJson(layout.panels);
    case 'linkList':
      return cloneJson(layout.links);
    case 'opaque':
      return cloneJson(layout.value);
  }
}

/** The name of a defaultSidePanel or relationships item. */
export function itemName(item: NamedItem): string {
  return typeof item === 'string' ? item : item.name;
}
