/**
 * Server-side charts as inline SVG (no JavaScript): a latency sparkline for a table cell, a larger
 * latency chart, and leads per month as bars. Each chart is an image with a text alternative
 * (`role="img"`, an `aria-label` summing it up, a `<title>` for the tooltip); the views put the data
 * next to it as a table (`latencyTable`, `monthTable`, or `chartTable` for any other). Status is told
 * by shape and label as well as colour: ok ● (circle), degraded ▲ (triangle), unreachable ✕ (cross).
 * Colours reach WCAG AA against white (4.5:1 for text, 3:1 for marks) and are overridable from CSS
 * (classes `pt-ok`, `pt-degraded`, `pt-unreachable`, `line`, `bar`, `bar-na`, `axis`).
 *
 * Output is deterministic: no random ids; the one id a chart needs (monthBars' hatch pattern) comes
 * from the caller's `idPrefix`.
 */
import type { LatencyPoint, MonthPoint } from './model.js';
import { classToken, formatCount, formatUtc, html, join, raw, type SafeHtml } from './html.js';

/** Colours of the marks (GitHub Primer's, AA on white). */
export const CHART_COLOURS = {
  ok: '#1a7f37',
  degraded: '#9a6700',
  unreachable: '#cf222e',
  line: '#0969da',
  muted: '#57606a',
  bar: '#0969da',
} as const;

/** The symbol of each health status, as shown next to its label. */
export const STATUS_SYMBOL: Record<string, string> = { ok: '●', degraded: '▲', unreachable: '✕', unknown: '?' };

/** A number for an SVG attribute: one decimal at most. */
const n = (value: number) => String(Math.round(value * 10) / 10);

/** The id prefix as an id-safe token. */
const idToken = (prefix: string) => (/^[A-Za-z][A-Za-z0-9_-]*$/.test(prefix) ? prefix : `c-${classToken(prefix)}`);

/** The smallest "round" number (1, 2, 2.5 or 5 times a power of ten) at or above `value`, for an axis top. */
export function niceCeil(value: number): number {
  if (!(value > 0) || !Number.isFinite(value)) return 1;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

const ms = (value: number) => `${formatCount(Math.round(value))} ms`;

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

const measured = (points: readonly LatencyPoint[]) =>
  points.map((p) => p.latencyMs).filter((v): v is number => typeof v === 'number' && Number.isFinite(v) && v >= 0);

/**
 * The text alternative of a latency series: "Latency over the last N checks: min X ms, median Y ms,
 * last Z ms; K unreachable" ("last not measured" when the newest check has no latency, "no latency
 * measured" when none has one; "the last check" for one).
 */
export function latencySummary(points: readonly LatencyPoint[]): string {
  if (points.length === 0) return 'No latency check recorded';
  const values = measured(points);
  const unreachable = points.filter((p) => p.status === 'unreachable').length;
  const head = points.length === 1 ? 'Latency over the last check' : `Latency over the last ${formatCount(points.length)} checks`;
  const lastValue = points[points.length - 1]!.latencyMs;
  const figures =
    values.length === 0
      ? 'no latency measured'
      : `min ${ms(Math.min(...values))}, median ${ms(median(values))}, last ${typeof lastValue === 'number' && Number.isFinite(lastValue) ? ms(lastValue) : 'not measured'}`;
  return `${head}: ${figures}; ${formatCount(unreachable)} unreachable`;
}

/** A status mark centred on (x, y) of size r: circle (ok), triangle (degraded), cross (unreachable). */
function marker(status: string, x: number, y: number, r: number): SafeHtml {
  if (status === 'ok') return html`<circle class="pt pt-ok" cx="${n(x)}" cy="${n(y)}" r="${n(r)}" fill="${CHART_COLOURS.ok}"/>`;
  if (status === 'degraded') {
    const d = `M${n(x)} ${n(y - r * 1.2)}L${n(x + r * 1.1)} ${n(y + r * 0.8)}L${n(x - r * 1.1)} ${n(y + r * 0.8)}Z`;
    return html`<path class="pt pt-degraded" d="${d}" fill="${CHART_COLOURS.degraded}"/>`;
  }
  const d = `M${n(x - r)} ${n(y - r)}L${n(x + r)} ${n(y + r)}M${n(x + r)} ${n(y - r)}L${n(x - r)} ${n(y + r)}`;
  return html`<path class="pt pt-${status === 'unreachable' ? 'unreachable' : 'other'}" d="${d}" fill="none" stroke="${status === 'unreachable' ? CHART_COLOURS.unreachable : CHART_COLOURS.muted}" stroke-width="${n(Math.max(1.2, r / 1.8))}" stroke-linecap="round"/>`;
}

/** Polylines through consecutive measured points (a gap where a check has no latency). */
function lines(coords: Array<{ x: number; y: number } | undefined>, width: number): SafeHtml {
  const runs: string[][] = [[]];
  for (const c of coords) {
    if (c === undefined) runs.push([]);
    else runs[runs.length - 1]!.push(`${n(c.x)},${n(c.y)}`);
  }
  return join(
    runs
      .filter((run) => run.length > 1)
      .map((run) => html`<polyline class="line" points="${run.join(' ')}" fill="none" stroke="${CHART_COLOURS.line}" stroke-width="${n(width)}" stroke-linejoin="round" stroke-linecap="round"/>`),
  );
}

export interface SparklineOptions {
  /** Width and height in CSS pixels (default 120 × 32). */
  width?: number;
  height?: number;
}

/**
 * A small latency chart for a table cell: a line through the measured latencies (oldest left), a mark
 * per check by status; an unreachable check without latency is a cross along the top edge. The
 * `aria-label` and `<title>` carry `latencySummary(points)`. No check: a short text instead of a chart.
 */
export function sparkline(points: readonly LatencyPoint[], opts: SparklineOptions = {}): SafeHtml {
  if (points.length === 0) return html`<span class="spark-empty">no checks yet</span>`;
  const width = opts.width ?? 120;
  const height = opts.height ?? 32;
  const padX = 4;
  const padY = 4;
  const values = measured(points);
  const max = Math.max(1, ...values);
  const x = (i: number) => (points.length === 1 ? width / 2 : padX + (i * (width - 2 * padX)) / (points.length - 1));
  // A strip along the top for the unreachable checks without a latency, above the line's range.
  const strip = 7;
  const y = (v: number) => height - padY - (v / max) * (height - 2 * padY - strip);
  const coords = points.map((p, i) => (typeof p.latencyMs === 'number' && Number.isFinite(p.latencyMs) && p.latencyMs >= 0 ? { x: x(i), y: y(p.latencyMs) } : undefined));
  const marks = points.map((p, i) => {
    const c = coords[i];
    return marker(p.status, x(i), c ? c.y : p.status === 'unreachable' ? padY - 0.5 : height - padY, 2.2);
  });
  const label = latencySummary(points);
  return html`<svg class="chart sparkline" role="img" aria-label="${label}" width="${n(width)}" height="${n(height)}" viewBox="0 0 ${n(width)} ${n(height)}" focusable="false"><title>${label}</title>${lines(coords, 1.5)}${marks}</svg>`;
}

export interface LatencyChartOptions {
  /** Size of the drawing in user units (default 640 × 220); the SVG scales to its container. */
  width?: number;
  height?: number;
}

/** "from A to B" of a series, in UTC. */
function timeRange(points: readonly LatencyPoint[]): string {
  const first = points[0]!.ts;
  const last = points[points.length - 1]!.ts;
  return first === last ? `at ${formatUtc(first)}` : `from ${formatUtc(first)} to ${formatUtc(last)}`;
}

/**
 * The latency of a tenant's checks over time (x by time when the timestamps allow, else by order),
 * with y-axis labels in ms, the time range under the x axis, a mark per check by status and a legend.
 * The `aria-label` is `latencySummary` plus the time range. No check: a short paragraph instead.
 */
export function latencyChart(points: readonly LatencyPoint[], opts: LatencyChartOptions = {}): SafeHtml {
  if (points.length === 0) return html`<p class="chart-empty">No health check recorded yet.</p>`;
  const width = opts.width ?? 640;
  const height = opts.height ?? 220;
  const left = 64;
  const right = 16;
  const top = 32;
  const bottom = 44;
  const plotW = width - left - right;
  const plotH = height - top - bottom;
  const values = measured(points);
  const max = niceCeil(Math.max(1, ...values));
  const times = points.map((p) => Date.parse(p.ts));
  const t0 = Math.min(...times);
  const t1 = Math.max(...times);
  const byTime = times.every(Number.isFinite) && t1 > t0;
  const x = (i: number) =>
    byTime ? left + ((times[i]! - t0) / (t1 - t0)) * plotW : points.length === 1 ? left + plotW / 2 : left + (i * plotW) / (points.length - 1);
  // The top strip of the plot holds the unreachable checks without a latency, above the highest value.
  const strip = 14;
  const valueH = plotH - strip;
  const y = (v: number) => top + plotH - (v / max) * valueH;
  const coords = points.map((p, i) => (typeof p.latencyMs === 'number' && Number.isFinite(p.latencyMs) && p.latencyMs >= 0 ? { x: x(i), y: y(p.latencyMs) } : undefined));
  const marks = points.map((p, i) => marker(p.status, x(i), coords[i]?.y ?? (p.status === 'unreachable' ? top + 4 : top + plotH), 3.5));
  const grid = [0, 0.5, 1].map((f) => {
    const gy = top + plotH - f * valueH;
    return html`<line class="grid" x1="${n(left)}" y1="${n(gy)}" x2="${n(left + plotW)}" y2="${n(gy)}" stroke="#d0d7de" stroke-width="1"/><text class="axis" x="${n(left - 6)}" y="${n(gy + 4)}" text-anchor="end" font-size="11" fill="currentColor">${ms(f * max)}</text>`;
  });
  const range = timeRange(points);
  const label = `${latencySummary(points)}; ${range}`;
  const first = formatUtc(points[0]!.ts);
  const last = formatUtc(points[points.length - 1]!.ts);
  const legend = (['ok', 'degraded', 'unreachable'] as const).map((status, i) => {
    const lx = left + i * 110;
    return html`<g class="legend">${marker(status, lx + 4, 14, 4)}<text x="${n(lx + 14)}" y="${n(18)}" font-size="11" fill="currentColor">${status}</text></g>`;
  });
  return html`<svg class="chart latency-chart" role="img" aria-label="${label}" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" focusable="false"><title>${label}</title>${legend}${grid}<line class="axis-line" x1="${n(left)}" y1="${n(top)}" x2="${n(left)}" y2="${n(top + plotH)}" stroke="#57606a" stroke-width="1"/><line class="axis-line" x1="${n(left)}" y1="${n(top + plotH)}" x2="${n(left + plotW)}" y2="${n(top + plotH)}" stroke="#57606a" stroke-width="1"/>${lines(coords, 2)}${marks}<text class="axis" x="${n(left)}" y="${n(top + plotH + 16)}" font-size="11" fill="currentColor">${first}</text><text class="axis" x="${n(left + plotW)}" y="${n(top + plotH + 16)}" text-anchor="end" font-size="11" fill="currentColor">${last}</text><text class="axis" x="${n(left + plotW / 2)}" y="${n(top + plotH + 34)}" text-anchor="middle" font-size="11" fill="currentColor">Checks ${range} (${formatCount(points.length)})</text></svg>`;
}

/** The text alternative of leads per month: range, latest, highest, months not readable. */
export function monthSummary(points: readonly MonthPoint[]): string {
  if (points.length === 0) return 'No monthly lead count';
  const first = points[0]!.month;
  const last = points[points.length - 1]!;
  const known = points.filter((p): p is MonthPoint & { count: number } => typeof p.count === 'number' && Number.isFinite(p.count));
  const parts = [`latest ${formatCount(last.count)} in ${last.month}`];
  if (known.length > 0) {
    const top = known.reduce((best, p) => (p.count > best.count ? p : best));
    parts.push(`highest ${formatCount(top.count)} in ${top.month}`);
    parts.push(`total ${formatCount(known.reduce((sum, p) => sum + p.count, 0))}`);
  }
  const missing = points.length - known.length;
  const head = points.length === 1 ? `Leads created in ${first}` : `Leads created per month from ${first} to ${last.month}`;
  return `${head}: ${parts.join(', ')}; ${formatCount(missing)} ${missing === 1 ? 'month' : 'months'} not readable`;
}

export interface MonthBarsOptions {
  /**
   * Prefix of the ids the chart defines (its hatch pattern): give each chart of a page its own, e.g.
   * "leads" (default "month-bars").
   */
  idPrefix?: string;
  /** Height in user units (default 200); the width follows the number of months. */
  height?: number;
}

/**
 * Leads per month as bars (oldest left), each with its count above and its month below; a month whose
 * count failed is a short hatched bar labelled "n/a". The `aria-label` is `monthSummary(points)`.
 */
export function monthBars(points: readonly MonthPoint[], opts: MonthBarsOptions = {}): SafeHtml {
  if (points.length === 0) return html`<p class="chart-empty">No monthly lead count yet.</p>`;
  const slot = 56;
  const left = 8;
  const top = 20;
  const bottom = 28;
  const height = opts.height ?? 200;
  const width = Math.max(240, left * 2 + points.length * slot);
  const plotH = height - top - bottom;
  const barW = slot * 0.6;
  const max = Math.max(1, ...points.map((p) => (typeof p.count === 'number' && Number.isFinite(p.count) ? p.count : 0)));
  const hatch = `${idToken(opts.idPrefix ?? 'month-bars')}-hatch`;
  const bars = points.map((p, i) => {
    const cx = left + i * slot + slot / 2;
    const bx = cx - barW / 2;
    const base = top + plotH;
    const monthLabel = html`<text class="axis" x="${n(cx)}" y="${n(base + 16)}" text-anchor="middle" font-size="11" fill="currentColor">${p.month}</text>`;
    if (typeof p.count !== 'number' || !Number.isFinite(p.count)) {
      const h = plotH * 0.3;
      return html`<g class="month month-na"><rect class="bar-na" x="${n(bx)}" y="${n(base - h)}" width="${n(barW)}" height="${n(h)}" fill="url(#${hatch})" stroke="${CHART_COLOURS.muted}" stroke-width="1" stroke-dasharray="3 2"/><text class="value value-na" x="${n(cx)}" y="${n(base - h - 4)}" text-anchor="middle" font-size="11" fill="currentColor">n/a</text>${monthLabel}</g>`;
    }
    const h = (Math.max(0, p.count) / max) * plotH;
    return html`<g class="month"><rect class="bar" x="${n(bx)}" y="${n(base - h)}" width="${n(barW)}" height="${n(h)}" fill="${CHART_COLOURS.bar}"/><text class="value" x="${n(cx)}" y="${n(base - h - 4)}" text-anchor="middle" font-size="11" fill="currentColor">${formatCount(p.count)}</text>${monthLabel}</g>`;
  });
  const label = monthSummary(points);
  return html`<svg class="chart month-bars" role="img" aria-label="${label}" viewBox="0 0 ${n(width)} ${n(height)}" width="${n(width)}" height="${n(height)}" focusable="false"><title>${label}</title><defs><pattern id="${hatch}" width="6" height="6" patternUnits="userSpaceOnUse" patternTransform="rotate(45)"><line x1="0" y1="0" x2="0" y2="6" stroke="${CHART_COLOURS.muted}" stroke-width="2"/></pattern></defs><line class="axis-line" x1="${n(left)}" y1="${n(top + plotH)}" x2="${n(width - left)}" y2="${n(top + plotH)}" stroke="#57606a" stroke-width="1"/>${bars}</svg>`;
}

export interface ChartTableOptions {
  caption: string;
  /** Column headers (`<th scope="col">`). */
  columns: readonly string[];
  /** Cells: text is escaped, `SafeHtml` kept. The first cell of each row is its header (`<th scope="row">`). */
  rows: ReadonlyArray<ReadonlyArray<string | number | SafeHtml>>;
  /** Extra class, e.g. "visually-hidden" for a table that only screen readers meet. */
  className?: string;
}

/** The data of a chart as a table: caption, column headers, a row header per row. */
export function chartTable(opts: ChartTableOptions): SafeHtml {
  const head = opts.columns.map((c) => html`<th scope="col">${c}</th>`);
  const body = opts.rows.map((row) => html`<tr>${row.map((cell, i) => (i === 0 ? html`<th scope="row">${cell}</th>` : html`<td>${cell}</td>`))}</tr>`);
  const cls = opts.className ? `chart-data ${opts.className}` : 'chart-data';
  return html`<table class="${cls}"><caption>${opts.caption}</caption><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
}

/** A status as text with its symbol, e.g. "▲ degraded" (symbol hidden from screen readers). */
export function statusLabel(status: string): SafeHtml {
  const symbol = STATUS_SYMBOL[status] ?? '?';
  return html`<span class="status status-${classToken(status)}"><span aria-hidden="true">${symbol}</span> ${status}</span>`;
}

/** The checks of a latency chart as a table, newest first: When (UTC), Status, Latency. */
export function latencyTable(points: readonly LatencyPoint[], opts: { caption: string; className?: string }): SafeHtml {
  const rows = [...points].reverse().map((p) => [formatUtc(p.ts, true), statusLabel(p.status), typeof p.latencyMs === 'number' && Number.isFinite(p.latencyMs) ? ms(p.latencyMs) : 'not measured']);
  return chartTable({ caption: opts.caption, columns: ['When (UTC)', 'Status', 'Latency'], rows, className: opts.className });
}

/** Leads per month as a table, oldest first: Month, Leads created ("n/a (count failed)"). */
export function monthTable(points: readonly MonthPoint[], opts: { caption: string; className?: string }): SafeHtml {
  const rows = points.map((p) => [p.month, typeof p.count === 'number' && Number.isFinite(p.count) ? formatCount(p.count) : raw('n/a <span class="muted">(count failed)</span>')]);
  return chartTable({ caption: opts.caption, columns: ['Month', 'Leads created'], rows, className: opts.className });
}
