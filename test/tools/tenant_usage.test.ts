/**
 * tenant_usage through the MCP harness against sandboxes: every number is compared with what the
 * sandbox itself holds (its users, its seeded and created records, bucketed by their createdAt month
 * here, not through the CRM's where filter).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import { monthWindows } from '../../src/reads/usage.js';
import type { Sandbox } from '../../src/sandbox/index.js';

let h: Harness;

type Count = { count: number | null; error?: string };
type Month = Count & { month: string; from: string; to: string };

/** Every live record of an entity in the sandbox (admin view), paged. */
function rowsOf(sb: Sandbox, entity: string): Array<Record<string, unknown>> {
  const out: Array<Record<string, unknown>> = [];
  for (let offset = 0; ; offset += 200) {
    const page = sb.state.records.list(entity, new URLSearchParams(`maxSize=200&offset=${offset}&select=createdAt`), { noTotal: false, isAdmin: true }).list;
    out.push(...page);
    if (page.length < 200) return out;
  }
}

function leadsByMonth(sb: Sandbox): Map<string, number> {
  const by = new Map<string, number>();
  for (const r of rowsOf(sb, 'Lead')) {
    const month = String(r.createdAt).slice(0, 7);
    by.set(month, (by.get(month) ?? 0) + 1);
  }
  return by;
}

beforeAll(async () => {
  h = await startHarness([
    { id: 'acme', sandbox: { leads: 120, contacts: 15, accounts: 7, seed: 11 } },
    { id: 'apionly', adminPassword: null, sandbox: { leads: 30, seed: 2 } },
    { id: 'flaky', sandbox: { leads: 10, contacts: 4, accounts: 2, seed: 5 } },
    { id: 'gone', sandbox: { leads: 1, contacts: 0, accounts: 0 } },
  ]);
  const acme = h.sandboxes.acme!;
  const users = acme.state.users;
  users.addUser({ userName: 'rita', type: 'regular', password: 'x-pass-1' });
  users.addUser({ userName: 'rob', type: 'regular', password: 'x-pass-2' });
  const gone = users.addUser({ userName: 'old-timer', type: 'regular', password: 'x-pass-3' });
  gone.isActive = false;
  users.addUser({ userName: 'second-admin', type: 'admin', password: 'x-pass-4' });
  users.addUser({ userName: 'portal-1', type: 'portal', password: 'x-pass-5' });
  const oldApi = users.addUser({ userName: 'old-api', type: 'api', authMethod: 'ApiKey' });
  oldApi.isActive = false;
  // one lead created now, so the current month is never empty whatever the date
  acme.state.records.create('Lead', { lastName: 'Fresh', firstName: 'Lead' }, { skipDuplicateCheck: true });
});
afterAll(async () => h?.close());

describe('tenant_usage', () => {
  it('counts active users by type, records per main entity and leads per UTC month, as the sandbox holds them', async () => {
    const sb = h.sandboxes.acme!;
    const r = await h.call('tenant_usage', { tenant: 'acme', months: 12 });
    expect(r.isError).toBe(false);
    const s = r.structured as { activeUsers: Record<string, Count>; records: Record<string, Count>; leadsPerMonth: Month[]; missing: number; timezone: string; notes: string[] };

    const active = (type: string) => sb.state.users.allUsers().filter((u) => u.isActive && u.type === type).length;
    expect(s.activeUsers).toEqual({ regular: { count: active('regular') }, admin: { count: active('admin') }, api: { count: active('api') }, portal: { count: active('portal') } });
    expect(s.activeUsers.regular!.count).toBe(2); // rita, rob; old-timer is inactive
    expect(s.activeUsers.admin!.count).toBe(2);
    expect(s.activeUsers.api!.count).toBe(2); // sandbox-api, sandbox-api-hmac; old-api is inactive
    expect(s.activeUsers.portal!.count).toBe(1);

    expect(s.records.Lead).toEqual({ count: 121 });
    expect(s.records.Contact).toEqual({ count: rowsOf(sb, 'Contact').length });
    expect(s.records.Account).toEqual({ count: rowsOf(sb, 'Account').length });
    expect(s.records.Opportunity).toEqual({ count: 0 });
    expect(s.records).not.toHaveProperty('Case');
    expect(s.notes.join('\n')).toContain('Case');

    const byMonth = leadsByMonth(sb);
    const now = new Date();
    const windows = monthWindows(now, 12);
    expect(s.leadsPerMonth.map((m) => m.month)).toEqual(windows.map((w) => w.month));
    expect(s.leadsPerMonth.at(-1)!.month).toBe(now.toISOString().slice(0, 7));
    for (const m of s.leadsPerMonth) expect([m.month, m.count]).toEqual([m.month, byMonth.get(m.month) ?? 0]);
    expect(s.leadsPerMonth.at(-1)!.count).toBeGreaterThanOrEqual(1);
    expect(s.leadsPerMonth.filter((m) => (m.count ?? 0) > 0).length).toBeGreaterThanOrEqual(2);
    expect(s.missing).toBe(0);
    expect(s).toMatchObject({ failed: 0 });
    expect(s.timezone).toBe('UTC');
    expect(r.text).toContain('Leads created per month');
    expect(r.text).toContain('UTC');
  });

  it('reads only totals: every list call has maxSize=0, leads are bounded with between on createdAt', async () => {
    const sb = h.sandboxes.acme!;
    const before = sb.requests.length;
    await h.call('tenant_usage', { tenant: 'acme', months: 3 });
    const lists = sb.requests.slice(before).filter((q) => q.method === 'GET' && /^(User|Lead|Contact|Account|Opportunity|Case)$/.test(q.path));
    expect(lists.length).toBe(4 + 4 + 3);
    for (const q of lists) expect(q.query).toMatch(/(^|&)maxSize=0(&|$)/);
    const monthly = lists.filter((q) => q.path === 'Lead' && q.query.includes('between'));
    expect(monthly).toHaveLength(3);
    expect(decodeURIComponent(monthly[0]!.query)).toMatch(/where\[0\]\[attribute\]=createdAt/);
  });

  it('defaults to 6 months; months outside 1..24 are refused with what is allowed', async () => {
    const r = await h.call('tenant_usage', { tenant: 'acme' });
    expect((r.structured.leadsPerMonth as Month[]).length).toBe(6);
    for (const months of [0, 25, 2.5]) {
      const bad = await h.call('tenant_usage', { tenant: 'acme', months });
      expect(bad.isError).toBe(true);
      expect(bad.text).toMatch(/months/);
    }
  });

  it('without an admin login: no user counts, a note saying why, the record counts still there', async () => {
    const sb = h.sandboxes.apionly!;
    const r = await h.call('tenant_usage', { tenant: 'apionly', months: 2 });
    expect(r.isError).toBe(false);
    expect(r.structured.activeUsers).toBeNull();
    expect((r.structured.notes as string[]).join('\n')).toMatch(/admin login/);
    expect((r.structured.records as Record<string, Count>).Lead).toEqual({ count: 30 });
    // the API user's role reads Lead, Contact and Account only: Opportunity is a note, not a failure
    expect((r.structured.records as Record<string, Count>).Opportunity).toEqual({ count: null, note: expect.stringMatching(/API user may not read Opportunity/) });
    expect(r.structured).toMatchObject({ failed: 0, missing: 1 });
    const byMonth = leadsByMonth(sb);
    for (const m of r.structured.leadsPerMonth as Month[]) expect(m.count).toBe(byMonth.get(m.month) ?? 0);
    expect(sb.requests.some((q) => q.path === 'User')).toBe(false);
  });

  it('a failing count is reported on its item; the others are still counted; no secret in the answer', async () => {
    const sb = h.sandboxes.flaky!;
    sb.faults.add({ method: 'GET', path: 'Contact', kind: 'status', status: 500 });
    try {
      const r = await h.call('tenant_usage', { tenant: 'flaky', months: 2 });
      expect(r.isError).toBe(false);
      const recs = r.structured.records as Record<string, Count>;
      expect(recs.Contact!.count).toBeNull();
      expect(recs.Contact!.error).toMatch(/500/);
      expect(recs.Lead).toEqual({ count: 10 });
      expect(recs.Account).toEqual({ count: 2 });
      expect(r.structured.missing).toBe(1);
      expect(r.structured.failed).toBe(1);
      expect(r.text).toMatch(/Contact not counted/);
      for (const secret of [sb.credentials.admin.password, sb.credentials.apiKey]) {
        expect(r.text).not.toContain(secret);
        expect(JSON.stringify(r.structured)).not.toContain(secret);
      }
    } finally {
      sb.faults.clear();
    }
  });

  it('a CRM that cannot be reached at all is one clear error, not fifteen failed counts', async () => {
    await h.sandboxes.gone!.close();
    const r = await h.call('tenant_usage', { tenant: 'gone', months: 2 });
    expect(r.isError).toBe(true);
    expect(r.text).toMatch(/gone/);
    expect(r.text).toMatch(/connect|refused|reach/i);
  });
});
