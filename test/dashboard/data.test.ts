/**
 * The dashboard's data cores: the fleet query read from a URL (anything unknown falls back), sorting
 * (rows without a value last in both directions, ties by name), filtering, the usage summary kept
 * (every failed count said), and the CRM URL shown without credentials.
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { filterRows, parseFleetQuery, shownUrl, sortRows, usageSummaryOf, SORT_KEYS } from '../../src/dashboard/data.js';
import type { FleetQuery, FleetRow, HealthState } from '../../src/dashboard/model.js';
import type { TenantUsage } from '../../src/reads/usage.js';

function row(tenant: string, extra: Partial<FleetRow> = {}): FleetRow {
  return { tenant, name: tenant, health: 'ok', problems: [], latency: [], apiKey: { status: 'ok' }, admin: { status: 'ok' }, readOnly: false, ...extra };
}

const QUERY: FleetQuery = { q: '', health: '', drift: '', sort: 'name', dir: 'asc', blueprint: 'transport', page: 1 };

describe('parseFleetQuery', () => {
  it('reads the known values and falls back on anything else', () => {
    const q = parseFleetQuery(new URLSearchParams('q=acme&health=degraded&drift=drifted&sort=latency&dir=desc&blueprint=other&page=3'), ['transport', 'other'], 'transport');
    expect(q).toEqual({ q: 'acme', health: 'degraded', drift: 'drifted', sort: 'latency', dir: 'desc', blueprint: 'other', page: 3 });
    const odd = parseFleetQuery(new URLSearchParams('health=maybe&drift=x&sort=<script>&dir=up&blueprint=../etc&page=-1'), ['transport'], 'transport');
    expect(odd).toEqual(QUERY);
    for (const page of ['0', '1.5', 'x', '99999999', '']) expect(parseFleetQuery(new URLSearchParams({ page }), [], '').page, page).toBe(1);
  });

  it('bounds the filter text', () => {
    expect(parseFleetQuery(new URLSearchParams(`q=${'x'.repeat(5000)}`), [], '').q).toHaveLength(200);
  });
});

describe('sortRows', () => {
  const rows = [
    row('b', { name: 'Bravo', latency: [{ ts: '2026-12-01T00:00:00Z', status: 'ok', latencyMs: 30 }], version: '9.1.7' }),
    row('a', { name: 'alpha', latency: [{ ts: '2026-12-01T00:00:00Z', status: 'ok', latencyMs: 80 }], version: '10.0.0' }),
    row('c', { name: 'Charlie', health: 'unreachable' }),
    row('d', { name: 'delta', health: 'degraded', version: '8.4.2' }),
  ];

  it('sorts by name, case-insensitively, both ways', () => {
    expect(sortRows(rows, 'name', 'asc').map((r) => r.tenant)).toEqual(['a', 'b', 'c', 'd']);
    expect(sortRows(rows, 'name', 'desc').map((r) => r.tenant)).toEqual(['d', 'c', 'b', 'a']);
  });

  it('keeps rows without a value last in both directions', () => {
    expect(sortRows(rows, 'latency', 'asc').map((r) => r.tenant)).toEqual(['b', 'a', 'c', 'd']);
    expect(sortRows(rows, 'latency', 'desc').map((r) => r.tenant)).toEqual(['a', 'b', 'c', 'd']);
  });

  it('compares versions by number, not as text', () => {
    expect(sortRows(rows, 'version', 'asc').map((r) => r.tenant)).toEqual(['d', 'b', 'a', 'c']);
  });

  it('orders health from ok to unreachable', () => {
    expect(sortRows(rows, 'health', 'asc').map((r) => r.health)).toEqual(['ok', 'ok', 'degraded', 'unreachable']);
  });

  it('is a permutation, stable under repetition, for every key and direction', () => {
    const states: HealthState[] = ['ok', 'degraded', 'unreachable', 'unknown'];
    const arb = fc.array(
      fc.record({
        tenant: fc.stringMatching(/^[a-z][a-z0-9-]{0,8}$/),
        name: fc.string({ maxLength: 8 }),
        health: fc.constantFrom(...states),
        latency: fc.option(fc.nat(5000), { nil: undefined }),
        users: fc.option(fc.nat(50), { nil: undefined }),
      }),
      { maxLength: 20 },
    );
    fc.assert(
      fc.property(arb, fc.constantFrom(...SORT_KEYS), fc.constantFrom('asc' as const, 'desc' as const), (items, key, dir) => {
        const input = items.map((i) =>
          row(i.tenant, {
            name: i.name,
            health: i.health,
            latency: i.latency === undefined ? [] : [{ ts: '2026-12-01T00:00:00Z', status: 'ok', latencyMs: i.latency }],
            ...(i.users !== undefined ? { usage: { at: '', activeUsers: i.users, usersByType: {}, leadsThisMonth: null, records: {}, leadsPerMonth: [], problems: [] } } : {}),
          }),
        );
        const out = sortRows(input, key, dir);
        expect(out).toHaveLength(input.length);
        expect(new Set(out)).toEqual(new Set(input));
        expect(sortRows(out, key, dir)).toEqual(out);
      }),
      { seed: 20261205, numRuns: 200 },
    );
  });
});

describe('filterRows', () => {
  const rows = [
    row('acme', { name: 'ACME Freight', drift: { blueprint: 't', at: '', status: 'drifted', differences: [{ kind: 'field_missing', summary: 'x' }] } }),
    row('bolt', { name: 'Bolt', health: 'unreachable', drift: { blueprint: 't', at: '', status: 'in_sync', differences: [] } }),
    row('cargo', { name: 'Cargo' }),
  ];

  it('matches the text against id and name, any case', () => {
    expect(filterRows(rows, { ...QUERY, q: 'FREIGHT' }).map((r) => r.tenant)).toEqual(['acme']);
    expect(filterRows(rows, { ...QUERY, q: 'olt' }).map((r) => r.tenant)).toEqual(['bolt']);
  });

  it('filters by health and by drift', () => {
    expect(filterRows(rows, { ...QUERY, health: 'unreachable' }).map((r) => r.tenant)).toEqual(['bolt']);
    expect(filterRows(rows, { ...QUERY, drift: 'drifted' }).map((r) => r.tenant)).toEqual(['acme']);
    expect(filterRows(rows, { ...QUERY, drift: 'in_sync' }).map((r) => r.tenant)).toEqual(['bolt']);
    expect(filterRows(rows, { ...QUERY, drift: 'unknown' }).map((r) => r.tenant)).toEqual(['cargo']);
  });
});

describe('usageSummaryOf', () => {
  it('counts humans (regular + admin), this month\'s leads, and says every failed count', () => {
    const usage: TenantUsage = {
      tenant: 't',
      at: '2026-12-04T10:00:00.000Z',
      timezone: 'UTC',
      activeUsers: { regular: { count: 7 }, admin: { count: 2 }, api: { count: 1 }, portal: { count: null, error: 'HTTP 403' } },
      records: { Lead: { count: 120 }, Account: { count: null, error: 'timed out' } },
      leadsPerMonth: [
        { month: '2026-11', from: '', to: '', count: 30 },
        { month: '2026-12', from: '', to: '', count: 4 },
      ],
      missing: 2,
      failed: 2,
      notes: ['a note'],
    };
    const s = usageSummaryOf(usage);
    expect(s.activeUsers).toBe(9);
    expect(s.leadsThisMonth).toBe(4);
    expect(s.usersByType).toEqual({ regular: 7, admin: 2, api: 1 });
    expect(s.records).toEqual({ Lead: 120, Account: null });
    expect(s.problems).toEqual(['active portal users: HTTP 403', 'Account records: timed out', 'a note']);
  });

  it('has no user count without an admin login', () => {
    const s = usageSummaryOf({ tenant: 't', at: '', timezone: 'UTC', activeUsers: null, records: {}, leadsPerMonth: [], missing: 0, failed: 0, notes: [] });
    expect(s.activeUsers).toBeNull();
    expect(s.leadsThisMonth).toBeNull();
  });
});

describe('shownUrl', () => {
  it('drops user info from a URL', () => {
    expect(shownUrl('https://admin:s3cret@crm.example.com/api/v1')).toBe('https://crm.example.com/api/v1');
    expect(shownUrl('https://crm.example.com')).toBe('https://crm.example.com/');
  });
});
