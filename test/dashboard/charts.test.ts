/**
 * The dashboard's inline SVG charts (src/dashboard/charts.ts): text alternatives with the right
 * figures, status told by shape as well as colour, hatched "n/a" bars, data tables, and output that
 * does not change from one render to the next.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  chartTable,
  latencyChart,
  latencySummary,
  latencyTable,
  monthBars,
  monthSummary,
  monthTable,
  niceCeil,
  sparkline,
  statusLabel,
} from '../../src/dashboard/charts.js';
import { html } from '../../src/dashboard/html.js';
import type { LatencyPoint, MonthPoint } from '../../src/dashboard/model.js';

const T0 = Date.parse('2026-11-20T00:00:00.000Z');
const at = (hour: number) => new Date(T0 + hour * 3_600_000).toISOString();
const point = (hour: number, status: LatencyPoint['status'], latencyMs: number | null): LatencyPoint => ({ ts: at(hour), status, latencyMs });

const SERIES: LatencyPoint[] = [point(0, 'ok', 120), point(1, 'degraded', 900), point(2, 'unreachable', null), point(3, 'ok', 80), point(4, 'ok', 100)];

const count = (text: string, needle: string | RegExp) => (typeof needle === 'string' ? text.split(needle).length - 1 : (text.match(needle) ?? []).length);
const ariaLabel = (svg: string) => /aria-label="([^"]*)"/.exec(svg)?.[1];
const title = (svg: string) => /<title>([^<]*)<\/title>/.exec(svg)?.[1];

describe('sparkline', () => {
  it('sums the checks up in its aria-label and <title>: min, median, last, unreachable', () => {
    const svg = sparkline(SERIES).value;
    const label = 'Latency over the last 5 checks: min 80 ms, median 110 ms, last 100 ms; 1 unreachable';
    expect(latencySummary(SERIES)).toBe(label);
    expect(ariaLabel(svg)).toBe(label);
    expect(title(svg)).toBe(label);
    expect(svg).toMatch(/^<svg class="chart sparkline" role="img" /);
  });

  it('median of an odd count is the middle value; the last check without latency reads "not measured"', () => {
    const points = [point(0, 'ok', 300), point(1, 'ok', 100), point(2, 'ok', 200), point(3, 'unreachable', null)];
    expect(latencySummary(points)).toBe('Latency over the last 4 checks: min 100 ms, median 200 ms, last not measured; 1 unreachable');
    expect(latencySummary([point(0, 'unreachable', null)])).toBe('Latency over the last check: no latency measured; 1 unreachable');
    expect(latencySummary([point(0, 'ok', 1234.4), point(1, 'ok', 2000)])).toBe('Latency over the last 2 checks: min 1,234 ms, median 1,617 ms, last 2,000 ms; 0 unreachable');
  });

  it('marks each check by status with its own shape: circle, triangle, cross', () => {
    const svg = sparkline(SERIES).value;
    expect(count(svg, /<circle class="pt pt-ok"/g)).toBe(3);
    expect(count(svg, /<path class="pt pt-degraded" d="M[^"]*Z"/g)).toBe(1);
    expect(count(svg, /<path class="pt pt-unreachable"/g)).toBe(1);
    // The colours differ too (AA on white).
    expect(svg).toContain('fill="#1a7f37"');
    expect(svg).toContain('fill="#9a6700"');
    expect(svg).toContain('stroke="#cf222e"');
  });

  it('breaks its line where a check has no latency, and draws the unreachable cross along the top', () => {
    const svg = sparkline(SERIES, { width: 100, height: 30 }).value;
    const lines = [...svg.matchAll(/<polyline class="line" points="([^"]*)"/g)].map((m) => m[1]!.split(' ').length);
    expect(lines).toEqual([2, 2]);
    const cross = /<path class="pt pt-unreachable" d="M([\d.]+) ([\d.]+)L([\d.]+) ([\d.]+)/.exec(svg)!;
    expect((Number(cross[2]) + Number(cross[4])) / 2).toBeLessThan(5);
    expect(svg).toContain('width="100" height="30" viewBox="0 0 100 30"');
  });

  it('puts the highest latency highest and keeps every point inside the box (property)', () => {
    fc.assert(
      fc.property(
        fc.array(fc.record({ status: fc.constantFrom('ok', 'degraded', 'unreachable') as fc.Arbitrary<LatencyPoint['status']>, latencyMs: fc.option(fc.integer({ min: 0, max: 100_000 }), { nil: null }) }), { minLength: 1, maxLength: 30 }),
        (items) => {
          const points = items.map((p, i) => ({ ...p, ts: at(i) }));
          const svg = sparkline(points).value;
          for (const m of svg.matchAll(/(?:cx|cy|x|y)="(-?[\d.]+)"/g)) {
            expect(Number(m[1])).toBeGreaterThanOrEqual(0);
            expect(Number(m[1])).toBeLessThanOrEqual(120);
          }
          const ys = [...svg.matchAll(/points="([^"]*)"/g)].flatMap((m) => m[1]!.split(' ').map((xy) => Number(xy.split(',')[1])));
          for (const y of ys) expect(y).toBeGreaterThanOrEqual(0);
          expect(sparkline(points).value).toBe(svg);
        },
      ),
      { seed: 42, numRuns: 200 },
    );
  });

  it('says so in words when there is no check, and has no id to collide', () => {
    expect(sparkline([]).value).toBe('<span class="spark-empty">no checks yet</span>');
    expect(sparkline(SERIES).value).not.toMatch(/\sid="/);
  });
});

describe('latencyChart', () => {
  it('has y-axis labels up to a round top, the time range, a legend and the summary as its label', () => {
    const svg = latencyChart(SERIES).value;
    expect(svg).toContain('>0 ms</text>');
    expect(svg).toContain('>500 ms</text>');
    expect(svg).toContain('>1,000 ms</text>');
    expect(svg).toContain('>2026-11-20 00:00 UTC</text>');
    expect(svg).toContain('>2026-11-20 04:00 UTC</text>');
    expect(svg).toContain('Checks from 2026-11-20 00:00 UTC to 2026-11-20 04:00 UTC (5)');
    for (const word of ['ok', 'degraded', 'unreachable']) expect(svg).toContain(`>${word}</text>`);
    const label = `${latencySummary(SERIES)}; from 2026-11-20 00:00 UTC to 2026-11-20 04:00 UTC`;
    expect(ariaLabel(svg)).toBe(label);
    expect(title(svg)).toBe(label);
    expect(svg).toContain('role="img"');
  });

  it('places checks by time: an hour-long gap is wider than a minute-long one', () => {
    const points = [point(0, 'ok', 10), { ts: new Date(T0 + 60_000).toISOString(), status: 'ok' as const, latencyMs: 10 }, point(1, 'ok', 10)];
    const xs = [...latencyChart(points).value.matchAll(/<circle class="pt pt-ok" cx="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(xs[1]! - xs[0]!).toBeLessThan(xs[2]! - xs[1]!);
  });

  it('one check, and no check', () => {
    expect(latencyChart([point(0, 'ok', 50)]).value).toContain('Checks at 2026-11-20 00:00 UTC (1)');
    expect(latencyChart([]).value).toBe('<p class="chart-empty">No health check recorded yet.</p>');
  });

  it('renders the same twice', () => {
    expect(latencyChart(SERIES).value).toBe(latencyChart(SERIES).value);
  });
});

describe('monthBars', () => {
  const MONTHS: MonthPoint[] = [
    { month: '2026-08', count: 40 },
    { month: '2026-09', count: null },
    { month: '2026-10', count: 1234 },
    { month: '2026-11', count: null },
  ];

  it('labels each bar with its count and month; a failed count is a hatched "n/a" bar', () => {
    const svg = monthBars(MONTHS, { idPrefix: 'leads' }).value;
    expect(count(svg, /<rect class="bar" /g)).toBe(2);
    expect(count(svg, /<rect class="bar-na" [^>]*fill="url\(#leads-hatch\)"/g)).toBe(2);
    expect(count(svg, '>n/a</text>')).toBe(2);
    expect(svg).toContain('>1,234</text>');
    expect(svg).toContain('>40</text>');
    for (const m of MONTHS) expect(svg).toContain(`>${m.month}</text>`);
    expect(svg).toContain('<pattern id="leads-hatch"');
  });

  it('sums the months up in its label', () => {
    const label = 'Leads created per month from 2026-08 to 2026-11: latest n/a in 2026-11, highest 1,234 in 2026-10, total 1,274; 2 months not readable';
    expect(monthSummary(MONTHS)).toBe(label);
    const svg = monthBars(MONTHS, { idPrefix: 'leads' }).value;
    expect(ariaLabel(svg)).toBe(label);
    expect(title(svg)).toBe(label);
    expect(monthSummary([{ month: '2026-11', count: 3 }])).toBe('Leads created in 2026-11: latest 3 in 2026-11, highest 3 in 2026-11, total 3; 0 months not readable');
    expect(monthSummary([{ month: '2026-11', count: null }])).toBe('Leads created in 2026-11: latest n/a in 2026-11; 1 month not readable');
  });

  it('scales bars to the highest count', () => {
    const svg = monthBars([{ month: 'a', count: 50 }, { month: 'b', count: 100 }], { idPrefix: 'x' }).value;
    const heights = [...svg.matchAll(/<rect class="bar" [^>]*height="([\d.]+)"/g)].map((m) => Number(m[1]));
    expect(heights[1]).toBeCloseTo(heights[0]! * 2, 0);
  });

  it('takes its ids from the caller: deterministic, distinct per prefix, made id-safe', () => {
    expect(monthBars(MONTHS, { idPrefix: 'leads' }).value).toBe(monthBars(MONTHS, { idPrefix: 'leads' }).value);
    expect(monthBars(MONTHS, { idPrefix: 'other' }).value).toContain('id="other-hatch"');
    expect(monthBars(MONTHS).value).toContain('id="month-bars-hatch"');
    const odd = monthBars(MONTHS, { idPrefix: '"><script>' }).value;
    expect(odd).toContain('id="c-script-hatch"');
    expect(odd).not.toContain('<script');
  });

  it('says so in words when there is no month', () => {
    expect(monthBars([], { idPrefix: 'x' }).value).toBe('<p class="chart-empty">No monthly lead count yet.</p>');
  });
});

describe('data tables', () => {
  it('latencyTable: newest first, a row header per check, status in words', () => {
    const table = latencyTable(SERIES, { caption: 'Checks of <b>', className: 'visually-hidden' }).value;
    expect(table).toMatch(/^<table class="chart-data visually-hidden"><caption>Checks of &lt;b&gt;<\/caption>/);
    expect(table).toContain('<th scope="col">When (UTC)</th><th scope="col">Status</th><th scope="col">Latency</th>');
    const rows = [...table.matchAll(/<tr><th scope="row">([^<]*)<\/th>/g)].map((m) => m[1]);
    expect(rows).toEqual(['2026-11-20 04:00:00 UTC', '2026-11-20 03:00:00 UTC', '2026-11-20 02:00:00 UTC', '2026-11-20 01:00:00 UTC', '2026-11-20 00:00:00 UTC']);
    expect(table).toContain('<span aria-hidden="true">✕</span> unreachable</span></td><td>not measured</td>');
    expect(table).toContain('<td>900 ms</td>');
  });

  it('monthTable: oldest first, "n/a (count failed)"', () => {
    const table = monthTable([{ month: '2026-10', count: 1500 }, { month: '2026-11', count: null }], { caption: 'Leads' }).value;
    expect(table).toContain('<tr><th scope="row">2026-10</th><td>1,500</td></tr><tr><th scope="row">2026-11</th><td>n/a <span class="muted">(count failed)</span></td></tr>');
  });

  it('chartTable escapes text cells and keeps markup cells', () => {
    const table = chartTable({ caption: 'c', columns: ['A', '<B>'], rows: [['<x>', html`<i>y</i>`], [1, 2]] }).value;
    expect(table).toBe(
      '<table class="chart-data"><caption>c</caption><thead><tr><th scope="col">A</th><th scope="col">&lt;B&gt;</th></tr></thead><tbody><tr><th scope="row">&lt;x&gt;</th><td><i>y</i></td></tr><tr><th scope="row">1</th><td>2</td></tr></tbody></table>',
    );
  });

  it('statusLabel: symbol and word', () => {
    expect(statusLabel('degraded').value).toBe('<span class="status status-degraded"><span aria-hidden="true">▲</span> degraded</span>');
  });
});

describe('niceCeil', () => {
  it('rounds an axis top up to 1, 2, 2.5 or 5 times a power of ten', () => {
    expect([0, 1, 7, 10, 11, 192, 201, 260, 900, 1001, 0.3].map(niceCeil)).toEqual([1, 1, 10, 10, 20, 200, 250, 500, 1000, 2000, 0.5]);
  });
});
