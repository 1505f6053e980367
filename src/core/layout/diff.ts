/**
 * A readable before/after comparison of two versions of a layout: a summary (fields and panels
 * added, removed, moved, changed) and a line diff of the text renderings.
 */

import { canonicalJson } from './json.js';
import { isFieldCell, panelLabel, panelTitle } from './panels.js';
import { itemName, parseLayout, shapeIssues } from './parse.js';
import { describeCell, describeColumn, describePanel, renderLayout, renderLines } from './render.js';
import type { DetailCell, DetailPanel, ParsedLayout } from './types.js';

export interface LayoutDiff {
  /** One line per change, e.g. `added "cTier" to panel "Overview"`; empty when nothing changed. */
  summary: string[];
  /** The text renderings, line by line: `  ` unchanged, `- ` before only, `+ ` after only. */
  text: string;
}

/** Longest common subsequence of two lists, as index pairs. Layouts are small, so O(n·m) is fine. */
function lcsPairs<T>(a: readonly T[], b: readonly T[], same: (x: T, y: T) => boolean): Array<[number, number]> {
  const n = a.length;
  const m = b.length;
  const table: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const row = table[i] as number[];
      row[j] = same(a[i] as T, b[j] as T) ? ((table[i + 1] as number[])[j + 1] as number) + 1 : Math.max((table[i + 1] as number[])[j] as number, row[j + 1] as number);
    }
  }
  const pairs: Array<[number, number]> = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (same(a[i] as T, b[j] as T)) {
      pairs.push([i, j]);
      i++;
      j++;
    } else if (((table[i + 1] as number[])[j] as number) >= ((table[i] as number[])[j + 1] as number)) i++;
    else j++;
  }
  return pairs;
}

export function lineDiff(before: readonly string[], after: readonly string[]): string[] {
  const pairs = lcsPairs(before, after, (x, y) => x === y);
  const out: string[] = [];
  let i = 0;
  let j = 0;
  for (const [pi, pj] of [...pairs, [before.length, after.length] as [number, number]]) {
    while (i < pi) out.push(`- ${before[i++]}`);
    while (j < pj) out.push(`+ ${after[j++]}`);
    if (pi < before.length) out.push(`  ${before[pi]}`);
    i = pi + 1;
    j = pj + 1;
  }
  return out;
}

/** Names that are in both lists but whose relative order changed (not on the longest common run). */
function reordered(before: readonly string[], after: readonly string[]): Set<string> {
  const common = new Set(before.filter((n) => after.includes(n)));
  const a = before.filter((n) => common.has(n));
  const b = after.filter((n) => common.has(n));
  const kept = new Set(lcsPairs(a, b, (x, y) => x === y).map(([i]) => a[i] as string));
  return new Set([...common].filter((n) => !kept.has(n)));
}

function names(layout: ParsedLayout): string[] {
  switch (layout.kind) {
    case 'columns':
      return layout.columns.map((c) => c.name);
    case 'fieldList':
      return layout.fields;
    case 'cells':
      return layout.cells.map(itemName);
    case 'linkList':
      return layout.links.map(itemName);
    default:
      return [];
  }
}

function listSummary(before: ParsedLayout, after: ParsedLayout, out: string[]): void {
  const a = names(before);
  const b = names(after);
  const noun = before.kind === 'columns' ? 'column' : before.kind === 'linkList' ? 'link' : 'field';
  for (const n of b) if (!a.includes(n)) out.push(`added ${noun} "${n}"${b.indexOf(n) > 0 ? ` after "${b[b.indexOf(n) - 1]}"` : ' at the start'}`);
  for (const n of a) if (!b.includes(n)) out.push(`removed ${noun} "${n}"`);
  for (const n of reordered(a, b)) out.push(`moved ${noun} "${n}" to position ${b.indexOf(n) + 1}`);
  if (before.kind === 'columns' && after.kind === 'columns') {
    for (const col of after.columns) {
      const old = before.columns.find((c) => c.name === col.name);
      if (old && canonicalJson(old) !== canonicalJson(col)) out.push(`changed column "${col.name}": ${describeColumn(old)} → ${describeColumn(col)}`);
    }
  }
}

interface PlacedField {
  panelId: number;
  cell: DetailCell;
}

function panelFields(panels: readonly DetailPanel[], ids: readonly number[]): { at: Map<string, PlacedField> } {
  const at = new Map<string, PlacedField>();
  panels.forEach((panel, p) => {
    for (const row of panel.rows) {
      for (const cell of row) {
        if (!isFieldCell(cell)) continue;
        if (!at.has(cell.name)) at.set(cell.name, { panelId: ids[p] as number, cell });
      }
    }
  });
  return { at };
}

/**
 * Pairs the panels of two versions: same label first, then (for renamed or unlabelled panels) by
 * shared fields, then the single leftover on each side. Returns an id per panel; equal ids are the
 * same panel.
 */
function pairPanels(before: readonly DetailPanel[], after: readonly DetailPanel[]): { beforeIds: number[]; afterIds: number[] } {
  const beforeIds = before.map((_, i) => i);
  const afterIds: number[] = after.map(() => -1);
  const taken = new Set<number>();
  after.forEach((panel, j) => {
    const label = panelLabel(panel).trim().toLowerCase();
    if (!label) return;
    const i = before.findIndex((p, k) => !taken.has(k) && panelLabel(p).trim().toLowerCase() === label);
    if (i >= 0) {
      afterIds[j] = i;
      taken.add(i);
    }
  });
  const fieldsOf = (p: DetailPanel): string[] => p.rows.flatMap((r) => r.filter(isFieldCell).map((c) => c.name));
  // Attributes other than the label and rows: a renamed panel keeps them, so they weigh most.
  const head = (p: DetailPanel): string => {
    const { rows: _rows, label: _label, customLabel: _custom, ...rest } = p;
    return canonicalJson(rest);
  };
  after.forEach((panel, j) => {
    if ((afterIds[j] as number) >= 0) return;
    const mine = fieldsOf(panel);
    let best = -1;
    let bestScore = 0;
    before.forEach((p, i) => {
      if (taken.has(i)) return;
      const shared = fieldsOf(p).filter((f) => mine.includes(f)).length;
      const score = shared > 0 ? shared + (head(p) === head(panel) ? 1000 : 0) : 0;
      if (score > bestScore) {
        best = i;
        bestScore = score;
      }
    });
    if (best >= 0) {
      afterIds[j] = best;
      taken.add(best);
    }
  });
  const leftBefore = before.map((_, i) => i).filter((i) => !taken.has(i));
  const leftAfter = afterIds.map((id, j) => (id < 0 ? j : -1)).filter((j) => j >= 0);
  if (leftBefore.length === 1 && leftAfter.length === 1) afterIds[leftAfter[0] as number] = leftBefore[0] as number;
  let next = before.length;
  return { beforeIds, afterIds: afterIds.map((id) => (id >= 0 ? id : next++)) };
}

function panelsSummary(before: DetailPanel[], after: DetailPanel[], out: string[]): void {
  const { beforeIds, afterIds } = pairPanels(before, after);
  const titleOf = (id: number): string => {
    const j = afterIds.indexOf(id);
    if (j >= 0) return panelTitle(after[j] as DetailPanel, j);
    return panelTitle(before[id] as DetailPanel, id);
  };

  before.forEach((panel, i) => {
    if (!afterIds.includes(i)) out.push(`removed panel ${panelTitle(panel, i)}`);
  });
  after.forEach((panel, j) => {
    const id = afterIds[j] as number;
    if (id >= before.length) {
      out.push(`added panel ${panelTitle(panel, j)} at position ${j}`);
      return;
    }
    const old = before[id] as DetailPanel;
    if (panelLabel(old) !== panelLabel(panel)) out.push(`renamed panel ${panelTitle(old, id)} to ${panelTitle(panel, j)}`);
    const { rows: _a, ...oldHead } = old;
    const { rows: _b, ...newHead } = panel;
    if (canonicalJson({ ...oldHead, label: null, customLabel: null }) !== canonicalJson({ ...newHead, label: null, customLabel: null })) {
      out.push(`changed panel ${panelTitle(panel, j)}: ${describePanel(old, id)} → ${describePanel(panel, j)}`);
    }
  });
  const kept = afterIds.filter((id) => id < before.length);
  const movedPanels = reordered(beforeIds.filter((id) => kept.includes(id)).map(String), kept.map(String));
  for (const id of movedPanels) out.push(`moved panel ${titleOf(Number(id))} to position ${afterIds.indexOf(Number(id))}`);

  const a = panelFields(before, beforeIds);
  const b = panelFields(after, afterIds);
  for (const [name, placed] of b.at) {
    if (!a.at.has(name)) out.push(`added "${name}" to panel ${titleOf(placed.panelId)}`);
  }
  for (const [name, placed] of a.at) {
    if (!b.at.has(name)) out.push(`removed "${name}" from panel ${titleOf(placed.panelId)}`);
  }
  // Order within a panel: compare each paired panel's own field order, so moving whole panels
  // does not make their fields look moved.
  const moved = new Set<string>();
  after.forEach((panel, j) => {
    const id = afterIds[j] as number;
    if (id >= before.length) return;
    const mine = (p: DetailPanel): string[] => p.rows.flatMap((r) => r.filter(isFieldCell).map((c) => c.name));
    for (const name of reordered(mine(before[id] as DetailPanel), mine(panel))) moved.add(name);
  });
  for (const [name, placed] of b.at) {
    const old = a.at.get(name);
    if (!old) continue;
    if (old.panelId !== placed.panelId) out.push(`moved "${name}" from panel ${titleOf(old.panelId)} to panel ${titleOf(placed.panelId)}`);
    else if (moved.has(name)) out.push(`moved "${name}" within panel ${titleOf(placed.panelId)}`);
    if (canonicalJson(old.cell) !== canonicalJson(placed.cell)) out.push(`changed "${name}": ${describeCell(old.cell)} → ${describeCell(placed.cell)}`);
  }
}

function panelMapSummary(before: ParsedLayout & { kind: 'panelMap' }, after: ParsedLayout & { kind: 'panelMap' }, out: string[]): void {
  for (const key of Object.keys(after.panels)) if (!(key in before.panels)) out.push(`added panel entry "${key}"`);
  for (const key of Object.keys(before.panels)) if (!(key in after.panels)) out.push(`removed panel entry "${key}"`);
  for (const [key, entry] of Object.entries(after.panels)) {
    if (key in before.panels && canonicalJson(before.panels[key]) !== canonicalJson(entry)) out.push(`changed panel entry "${key}"`);
  }
}

function panelLines(panel: DetailPanel): string[] {
  return renderLines({ kind: 'panels', name: '', panels: [panel] }).slice(1);
}

/**
 * The text diff of two panel layouts, panel by panel (paired as in the summary), so a field that
 * moves to another panel shows as removed there and added here.
 */
function panelsText(before: DetailPanel[], after: DetailPanel[]): string[] {
  const { afterIds } = pairPanels(before, after);
  const out: string[] = [];
  const removed = before.map((_, i) => i).filter((i) => !afterIds.includes(i));
  const flushRemoved = (upTo: number): void => {
    while (removed.length > 0 && (removed[0] as number) < upTo) {
      const i = removed.shift() as number;
      const panel = before[i] as DetailPanel;
      out.push(`- ${describePanel(panel, i)}`, ...panelLines(panel).map((l) => `- ${l}`));
    }
  };
  after.forEach((panel, j) => {
    const id = afterIds[j] as number;
    const old = id < before.length ? (before[id] as DetailPanel) : undefined;
    if (old) flushRemoved(id);
    const header = describePanel(panel, j);
    if (!old) {
      out.push(`+ ${header}`, ...panelLines(panel).map((l) => `+ ${l}`));
      return;
    }
    const oldHeader = describePanel(old, id);
    out.push(...(oldHeader === header ? [`  ${header}`] : [`- ${oldHeader}`, `+ ${header}`]));
    out.push(...lineDiff(panelLines(old), panelLines(panel)));
  });
  flushRemoved(Number.POSITIVE_INFINITY);
  return out;
}

/** Compares two versions of layout `name` (JSON as EspoCRM serves it). */
export function diffLayouts(name: string, before: unknown, after: unknown): LayoutDiff {
  const bothParse = shapeIssues(name, before).length === 0 && shapeIssues(name, after).length === 0;
  const a = bothParse ? parseLayout(name, before) : null;
  const b = bothParse ? parseLayout(name, after) : null;
  const text =
    a?.kind === 'panels' && b?.kind === 'panels'
      ? panelsText(a.panels, b.panels)
      : lineDiff(renderLayout(name, before).split('\n'), renderLayout(name, after).split('\n'));
  const changed = canonicalJson(before) !== canonicalJson(after);
  const summary: string[] = [];
  if (changed) {
    if (a && b) {
      if (a.kind === 'panels' && b.kind === 'panels') panelsSummary(a.panels, b.panels, summary);
      else if (a.kind === 'panelMap' && b.kind === 'panelMap') panelMapSummary(a, b, summary);
      else listSummary(a, b, summary);
    }
    if (summary.length === 0) summary.push(`the ${name} layout changed`);
  }
  return { summary, text: changed ? text.join('\n') : '(no change)' };
}
