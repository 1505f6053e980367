import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

let h: Harness;
beforeAll(async () => {
  h = await startHarness([
    { id: 'ok' },
    { id: 'badpw', adminPassword: 'not-the-password' },
    { id: 'moved', extra: { siteUrl: 'https://crm.other-client.example.com' } },
  ]);
});
afterAll(async () => h?.close());

type Step = { status: string; message: string };

describe('check_tenant', () => {
  it('reports every step ok on a healthy tenant', async () => {
    const r = await h.call('check_tenant', { tenant: 'ok' });
    expect(r.structured.ok).toBe(true);
    expect(r.structured.problems).toEqual([]);
  });

  it('a refused admin password fails the admin step only: the siteUrl is still checked with the API key', async () => {
    const r = await h.call('check_tenant', { tenant: 'badpw' });
    expect(r.structured.ok).toBe(false);
    expect((r.structured.admin as Step).status).toBe('failed');
    expect((r.structured.admin as Step).message).toMatch(/password/i);
    expect((r.structured.apiKey as Step).status).toBe('ok');
    expect((r.structured.siteUrl as Step).status).toBe('ok');
  });

  it('a siteUrl mismatch is reported, and blocks writes', async () => {
    const r = await h.call('check_tenant', { tenant: 'moved' });
    expect(r.structured.ok).toBe(false);
    expect((r.structured.siteUrl as Step).status).toBe('failed');
    expect(r.text).toContain('writes are blocked');
    const before = h.sandboxes.moved!.requests.filter((q) => q.method !== 'GET').length;
    const w = await h.call('create_custom_field', { tenant: 'moved', entity: 'Lead', name: 'x1', type: 'varchar' });
    expect(w.isError).toBe(true);
    expect(w.text).toMatch(/siteUrl/);
    expect(h.sandboxes.moved!.requests.filter((q) => q.method !== 'GET').length).toBe(before);
  });
});
