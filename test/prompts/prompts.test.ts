/**
 * The prompts through an SDK client: listing with arguments, completion of the tenant argument limited
 * to the caller's tenants, rendering that names the tools in order and the tenant's policy, and errors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '@modelcontextprotocol/client';
import { startHarness, type Harness } from '../helpers/harness.js';

const textOf = (res: { messages: Array<{ role: string; content: { type: string; text?: string } }> }) => {
  expect(res.messages).toHaveLength(1);
  expect(res.messages[0]!.role).toBe('user');
  return res.messages[0]!.content.text ?? '';
};

describe('prompts, for a caller who sees two of three tenants', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme', name: 'Acme Logistics' }, { id: 'archive', name: 'Old CRM' }, { id: 'beta' }], {
      principal: { name: 'agency', tenants: ['acme', 'archive'] },
      tenantOverrides: { archive: { readOnly: true } },
    });
  });
  afterAll(async () => h?.close());

  it('lists setup_sector_fields and crm_health_review with their arguments', async () => {
    const { prompts } = await h.client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['setup_sector_fields', 'crm_health_review']);
    const setup = prompts[0]!;
    expect(setup.title).toBeTruthy();
    expect(setup.arguments).toEqual([
      { name: 'tenant', description: expect.stringMatching(/Tenant id/), required: false },
      { name: 'sector', description: expect.stringMatching(/business sector/), required: true },
    ]);
    expect(prompts[1]!.arguments).toEqual([{ name: 'tenant', description: expect.stringMatching(/Tenant id/), required: false }]);
  });

  it('completes the tenant argument from the visible tenants only', async () => {
    const complete = (name: string, value: string) =>
      h.client.complete({ ref: { type: 'ref/prompt', name }, argument: { name: 'tenant', value } }).then((r) => r.completion.values);
    expect(await complete('setup_sector_fields', 'a')).toEqual(['acme', 'archive']);
    expect(await complete('crm_health_review', 'AC')).toEqual(['acme']);
    expect(await complete('crm_health_review', 'b')).toEqual([]);
  });

  it('setup_sector_fields: look, propose, stop for agreement, then apply with dry runs and report changeIds', async () => {
    const res = await h.client.getPrompt({ name: 'setup_sector_fields', arguments: { tenant: 'acme', sector: 'transport et\u202E logistique' } });
    const text = textOf(res);
    expect(text).toContain('tenant "acme" (Acme Logistics)');
    expect(text).toContain('"transport et logistique"');
    expect(text).not.toMatch(/\u202E/);
    const order = ['describe_entity {"tenant":"acme"', 'get_layout {"tenant":"acme"', 'ask the user to approve', 'create_custom_field with "dryRun": true', 'changeId'];
    const at = order.map((s) => text.indexOf(s));
    expect(at.every((i) => i >= 0), `missing one of ${order.join(' | ')} in:\n${text}`).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toMatch(/write nothing to the CRM before the user has agreed/);
  });

  it('setup_sector_fields on a read-only tenant stops at the proposal', async () => {
    const text = textOf(await h.client.getPrompt({ name: 'setup_sector_fields', arguments: { tenant: 'archive', sector: 'coaching' } }));
    expect(text).toMatch(/read-only for you: do not try to apply anything/);
    expect(text).not.toContain('create_custom_field');
  });

  it('crm_health_review: check_tenant, find_unused_fields, find_duplicates, then a summary; read only', async () => {
    const res = await h.client.getPrompt({ name: 'crm_health_review', arguments: { tenant: 'acme' } });
    const text = textOf(res);
    const at = ['check_tenant {"tenant":"acme"}', 'find_unused_fields', 'find_duplicates', 'Summary'].map((s) => text.indexOf(s));
    expect(at.every((i) => i >= 0)).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(text).toMatch(/only read, change nothing/);
  });

  it('refuses a tenant outside the caller\'s set like an unknown one, a missing tenant when several are visible, and an empty sector', async () => {
    const fail = (name: string, args: Record<string, string>) =>
      h.client.getPrompt({ name, arguments: args }).then(
        () => undefined,
        (e: unknown) => e as ProtocolError,
      );
    const forbidden = await fail('crm_health_review', { tenant: 'beta' });
    const unknown = await fail('crm_health_review', { tenant: 'nope' });
    expect(forbidden).toBeInstanceOf(ProtocolError);
    expect(forbidden!.message.replace('beta', 'X')).toBe(unknown!.message.replace('nope', 'X'));
    expect(unknown!.message).toContain('"acme", "archive"');
    expect((await fail('crm_health_review', {}))!.message).toMatch(/needs a tenant/);
    expect((await fail('setup_sector_fields', { tenant: 'acme', sector: ' \u200B ' }))!.message).toMatch(/"sector" is required/);
    for (const sb of Object.values(h.sandboxes)) expect(sb.requests).toEqual([]);
  });
});

describe('prompts with a single visible tenant', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'solo' }]);
  });
  afterAll(async () => h?.close());

  it('take the only tenant when none is named', async () => {
    const text = textOf(await h.client.getPrompt({ name: 'crm_health_review', arguments: {} }));
    expect(text).toContain('check_tenant {"tenant":"solo"}');
  });
});
