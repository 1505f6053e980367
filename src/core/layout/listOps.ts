/**
 * The `edit_layout` operations on layouts that are one ordered list: list columns, filters and
 * massUpdate field names, defaultSidePanel cells and relationship panels.
 */

import { OpFailure } from './errors.js';
import { isPlainObject } from './json.js';
import { layoutKind } from './kinds.js';
import { checkAddable, notInLayout, type OpEnv } from './opEnv.js';
import type { ColumnSpec, LayoutOperation } from './opsSchema.js';
import { itemName } from './parse.js';
import type { ListColumn, NamedItem } from './types.js';

type Op<K extends LayoutOperation['op']> = Extract<LayoutOperation, { op: K }>;

/** One list, whatever its items look like. */
export interface NamedList<T> {
  items: T[];
  nameOf(item: T): string;
  /** A new item for a name (a column object, a bare field name, a `{name}` cell, ...). */
  make(name: string): T;
  /** "column", "field", "link": for messages. */
  noun: string;
  /** Whether the list may be left empty (EspoCRM refuses empty list layouts). */
  mayBeEmpty: boolean;
}

export function columnList(columns: ListColumn[]): NamedList<ListColumn> {
  return { items: columns, nameOf: (c) => c.name, make: (name) => ({ name }), noun: 'column', mayBeEmpty: false };
}

export function fieldNameList(fields: string[]): NamedList<string> {
  return { items: fields, nameOf: (f) => f, make: (name) => name, noun: 'field', mayBeEmpty: true };
}

/** defaultSidePanel and relationships items: new ones take the form the existing ones have. */
export function namedItemList(items: NamedItem[], noun: 'field' | 'link'): NamedList<NamedItem> {
  const bare = items.length > 0 && items.every((i) => typeof i === 'string');
  return { items, nameOf: itemName, make: (name) => (bare ? name : { name }), noun, mayBeEmpty: true };
}

function indexOf<T>(list: NamedList<T>, name: string): number {
  return list.items.findIndex((i) => list.nameOf(i) === name);
}

function names<T>(list: NamedList<T>): string[] {
  return list.items.map((i) => list.nameOf(i));
}

function requireIndex<T>(list: NamedList<T>, name: string, role?: string): number {
  const i = indexOf(list, name);
  if (i < 0) throw notInLayout(list.noun, name, names(list), role);
  return i;
}

function rejectPanelOptions(op: { panel?: unknown; fullWidth?: unknown }, env: OpEnv): void {
  if (op.panel !== undefined) throw new OpFailure(`"panel" applies to detail layouts; ${env.name} has no panels — use "after" or "before"`);
  if (op.fullWidth !== undefined) throw new OpFailure(`"fullWidth" applies to detail layouts, not to ${env.name}`);
}

/** Inserts at the position asked for (after/before a name, else at the end); returns the text for it. */
function insert<T>(list: NamedList<T>, item: T, op: { after?: string; before?: string }): string {
  const name = list.nameOf(item);
  if (op.after !== undefined || op.before !== undefined) {
    const anchor = (op.after ?? op.before) as string;
    if (anchor === name) throw new OpFailure(`"${name}" cannot be placed next to itself`);
    const i = requireIndex(list, anchor, op.after !== undefined ? 'after' : 'before');
    list.items.splice(op.after !== undefined ? i + 1 : i, 0, item);
    return `${op.after !== undefined ? 'after' : 'before'} "${anchor}"`;
  }
  list.items.push(item);
  return 'at the end';
}

export function addToList<T>(list: NamedList<T>, op: Op<'add_field'>, env: OpEnv): string {
  rejectPanelOptions(op, env);
  const isColumns = layoutKind(env.name) === 'columns';
  const columnKeys = (['width', 'widthPx', 'link', 'notSortable', 'align'] as const).filter((k) => op[k] !== undefined);
  if (!isColumns && columnKeys.length > 0) throw new OpFailure(`${columnKeys.join(', ')} apply to list columns, not to ${env.name}`);
  const existing = indexOf(list, op.field);
  if (existing >= 0) {
    throw new OpFailure(`${list.noun} "${op.field}" is already in ${env.name} (position ${existing + 1}); use move_field to move it`);
  }
  checkAddable(env, op.field);
  const item = list.make(op.field);
  if (isColumns && isPlainObject(item)) {
    const column: Record<string, unknown> = item;
    for (const key of columnKeys) column[key] = op[key];
  }
  const at = insert(list, item, op);
  return `added ${list.noun} "${op.field}" to ${env.name} ${at}`;
}

export function removeFromList<T>(list: NamedList<T>, op: Op<'remove_field'>, env: OpEnv): string {
  const i = requireIndex(list, op.field);
  if (!list.mayBeEmpty && list.items.length === 1) {
    throw new OpFailure(`"${op.field}" is the only ${list.noun}; EspoCRM refuses an empty ${env.name} layout — add another first`);
  }
  list.items.splice(i, 1);
  return `removed ${list.noun} "${op.field}" from ${env.name}`;
}

export function moveInList<T>(list: NamedList<T>, op: Op<'move_field'>, env: OpEnv): string {
  rejectPanelOptions(op, env);
  if (op.after === undefined && op.before === undefined) throw new OpFailure(`say where to move "${op.field}" with "after" or "before"`);
  const anchor = (op.after ?? op.before) as string;
  const i = requireIndex(list, op.field);
  requireIndex(list, anchor, op.after !== undefined ? 'after' : 'before');
  const [item] = list.items.splice(i, 1);
  const at = insert(list, item as T, op);
  return `moved ${list.noun} "${op.field}" ${at}`;
}

const COLUMN_SPEC_KEYS = ['width', 'widthPx', 'link', 'notSortable', 'noLabel', 'align', 'hidden', 'customLabel', 'isLarge', 'isMuted'] as const;

/** Applies a column spec to a column: given keys are set, `null` removes a key, others stay. */
function applySpec(column: ListColumn, spec: ColumnSpec): void {
  for (const key of COLUMN_SPEC_KEYS) {
    const value = spec[key];
    if (value === undefined) continue;
    if (value === null) delete column[key];
    else column[key] = value;
  }
  // width and widthPx exclude each other: setting one drops the other.
  if (typeof spec.width === 'number' && spec.widthPx === undefined) delete column.widthPx;
  if (typeof spec.widthPx === 'number' && spec.width === undefined) delete column.width;
}

export function setColumns(columns: ListColumn[], op: Op<'set_columns'>, env: OpEnv): string {
  const seen = new Set<string>();
  const next: ListColumn[] = [];
  for (const spec of op.columns) {
    if (seen.has(spec.name)) throw new OpFailure(`column "${spec.name}" is listed twice`);
    seen.add(spec.name);
    if (typeof spec.width === 'number' && typeof spec.widthPx === 'number') {
      throw new OpFailure(`column "${spec.name}": give width or widthPx, not both`);
    }
    const existing = columns.find((c) => c.name === spec.name);
    if (!existing) checkAddable(env, spec.name);
    const column: ListColumn = existing ?? { name: spec.name };
    applySpec(column, spec);
    next.push(column);
  }
  const dropped = columns.map((c) => c.name).filter((n) => !seen.has(n));
  const added = op.columns.map((c) => c.name).filter((n) => !columns.some((c) => c.name === n));
  columns.splice(0, columns.length, ...next);
  const parts = [`set the columns of ${env.name} to ${next.map((c) => c.name).join(', ')}`];
  if (added.length) parts.push(`added ${added.join(', ')}`);
  if (dropped.length) parts.push(`removed ${dropped.join(', ')}`);
  return parts.join('; ');
}

export function setWidth(columns: ListColumn[], op: Op<'set_width'>, env: OpEnv): string {
  const list = columnList(columns);
  const column = columns[requireIndex(list, op.field)] as ListColumn;
  if (typeof op.width === 'number') {
    applySpec(column, { name: op.field, width: op.width });
    return `set the width of "${op.field}" in ${env.name} to ${op.width}%`;
  }
  if (typeof op.widthPx === 'number') {
    applySpec(column, { name: op.field, widthPx: op.widthPx });
    return `set the width of "${op.field}" in ${env.name} to ${op.widthPx}px`;
  }
  delete column.width;
  delete column.widthPx;
  return `cleared the width of "${op.field}" in ${env.name} (it takes the space left)`;
}
