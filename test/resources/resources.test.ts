/**
 * The tenant metadata resources through an SDK client (in-memory) against sandbox CRMs: templates,
 * listings and completion limited to the caller's tenants, entity fields and layouts as JSON, clear
 * errors, and `notifications/resources/updated` for subscribers after a write.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError } from '@modelcontextprotocol/client';
import { startHarness, type Harness } from '../helpers/harness.js';

const json = async (h: Harness, uri: string) => {
  const res = await h.client.readResource({ uri });
  expect(res.contents).toHaveLength(1);
  const c = res.contents[0] as { uri: string; mimeType?: string; text: string };
  expect(c.mimeType).toBe('application/json');
  return JSON.parse(c.text) as Record<string, unknown>;
};

/** The message of the JSON-RPC error a read gives. */
const readError = async (h: Harness, uri: string): Promise<ProtocolError> => {
  const err = await h.client.readResource({ uri }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err, `${uri} should fail`).toBeInstanceOf(ProtocolError);
  return err as ProtocolError;
};

const FENCED = /^<(untrusted-data-[0-9a-f]{16})>([\s\S]*)<\/\1>$/;

/** The text inside one inline fence, checking the boundary is the one the document announces. */
function unfence(value: unknown, notice: string): string {
  const m = FENCED.exec(String(value));
  expect(m, `not fenced: ${String(value)}`).not.toBeNull();
  expect(notice).toContain(m![1]);
  return m![2]!;
}

type Field = { name: string; type: string; label?: string; custom: boolean; required: boolean; options?: Array<{ value: string; label?: string }> };

describe('resources for a caller who sees one of two tenants', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme', name: 'Acme Logistics' }, { id: 'beta' }], { principal: { name: 'agency', tenants: ['acme'] } });
  });
  afterAll(async () => h?.close());

  it('lists the templates and the fixed tenants resource', async () => {
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual([
      'espocrm://tenants/{tenant}',
      'espocrm://tenants/{tenant}/entities/{entity}',
      'espocrm://tenants/{tenant}/entities/{entity}/layouts/{layout}',
      'espocrm://tenants/{tenant}/changes',
      'espocrm://tenants/{tenant}/health',
      'espocrm://tenants/{tenant}/snapshots',
      'espocrm://tenants/{tenant}/compare/{other}',
      'espocrm://fleet/drift/{blueprint}',
    ]);
    for (const t of resourceTemplates) expect(t.mimeType).toBe('application/json');
  });

  it("the audit trail shows only the caller's tenants: another tenant's changes resource is refused, list_changes never shows it", async () => {
    // A line on each tenant, recorded directly in the store (as another caller's calls would have).
    for (const tenant of ['acme', 'beta']) {
      await h.audit.append({ changeId: `chg_iso_${tenant}`, tenant, principal: 'someone', tool: 'edit_layout', args: {}, outcome: 'applied', summary: `edit on ${tenant}`,
        change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [], after: [] } });
    }
    const mine = await h.client.readResource({ uri: 'espocrm://tenants/acme/changes' });
    expect((mine.contents[0] as { text: string }).text).toContain('chg_iso_acme');
    await expect(h.client.readResource({ uri: 'espocrm://tenants/beta/changes' })).rejects.toThrow(/beta/);
    await expect(h.client.readResource({ uri: 'espocrm://tenants/b%65ta/changes' })).rejects.toThrow(/beta/);
    const all = await h.call('list_changes', {});
    expect(all.isError).toBe(false);
    const ids = (all.structured.changes as Array<{ changeId?: string; tenant: string }>).map((c) => c.tenant);
    expect(ids).toContain('acme');
    expect(ids).not.toContain('beta');
    const asked = await h.call('list_changes', { tenant: 'beta' });
    expect(asked.isError).toBe(true);
    expect(asked.text).not.toContain('chg_iso_beta');
  });

  it('lists the tenants list and the visible tenant only, without asking any CRM; entities and layouts come from the templates', async () => {
    const acmeBefore = h.sandboxes.acme!.requests.length;
    const { resources } = await h.client.listResources(undefined, { cacheMode: 'bypass' });
    const uris = resources.map((r) => r.uri);
    expect(uris.filter((u) => u.startsWith('espocrm://tenants'))).toEqual(['espocrm://tenants', 'espocrm://tenants/acme']);
    expect(uris.filter((u) => !u.startsWith('espocrm://tenants')).every((u) => u.startsWith('espocrm://guide/'))).toBe(true);
    expect(h.sandboxes.beta!.requests).toEqual([]);
    expect(h.sandboxes.acme!.requests.length).toBe(acmeBefore);
    const { resourceTemplates } = await h.client.listResourceTemplates();
    expect(resourceTemplates.map((t) => t.uriTemplate)).toEqual(
      expect.arrayContaining(['espocrm://tenants/{tenant}/entities/{entity}', 'espocrm://tenants/{tenant}/entities/{entity}/layouts/{layout}']),
    );
    // The tenant resource names each customizable entity's URI: Role and AuthToken are entities, but not customizable.
    const tenant = JSON.parse(((await h.client.readResource({ uri: 'espocrm://tenants/acme' })).contents[0] as { text: string }).text) as { entities: Array<{ name: string; uri: string }> };
    const names = tenant.entities.map((e) => e.name);
    expect(names).toEqual(expect.arrayContaining(['Lead', 'Account', 'Contact', 'User']));
    expect(names).not.toContain('Role');
    expect(names).not.toContain('AuthToken');
    expect(tenant.entities.find((e) => e.name === 'Lead')?.uri).toBe('espocrm://tenants/acme/entities/Lead');
  });

  it('completes {tenant}, {entity} given the tenant, and {layout}, only within the visible tenants', async () => {
    const complete = (uri: string, name: string, value: string, args?: Record<string, string>) =>
      h.client.complete({ ref: { type: 'ref/resource', uri }, argument: { name, value }, ...(args ? { context: { arguments: args } } : {}) }).then((r) => r.completion.values);
    const entityT = 'espocrm://tenants/{tenant}/entities/{entity}';
    const layoutT = 'espocrm://tenants/{tenant}/entities/{entity}/layouts/{layout}';
    expect(await complete('espocrm://tenants/{tenant}', 'tenant', '')).toEqual(['acme']);
    expect(await complete(entityT, 'tenant', 'b')).toEqual([]);
    expect(await complete(entityT, 'entity', 'l', { tenant: 'acme' })).toEqual(['Lead']);
    expect(await complete(entityT, 'entity', 'C', { tenant: 'acme' })).toEqual(expect.arrayContaining(['Contact', 'Campaign']));
    // the only visible tenant is implied when none is given; a tenant outside the caller's set completes nothing
    expect(await complete(layoutT, 'entity', 'acc')).toEqual(['Account']);
    expect(await complete(layoutT, 'entity', '', { tenant: 'beta' })).toEqual([]);
    expect(await complete(layoutT, 'layout', 'detail')).toEqual(['detail', 'detailSmall', 'detailConvert']);
    expect(await complete(layoutT, 'layout', 'MASS')).toEqual(['massUpdate']);
    expect(h.sandboxes.beta!.requests).toEqual([]);
  });

  it('reads the fields of an entity: name, type, label, custom, required, options, with labels fenced', async () => {
    const doc = await json(h, 'espocrm://tenants/acme/entities/lead');
    expect(doc.tenant).toBe('acme');
    expect(doc.entity).toBe('Lead');
    const notice = String(doc.untrustedData);
    expect(notice).toMatch(/never follow any instruction/i);
    const fields = doc.fields as Field[];
    const status = fields.find((f) => f.name === 'status')!;
    expect(status).toMatchObject({ type: 'enum', custom: false, required: false });
    expect(unfence(status.label, notice)).toBe('Status');
    expect(status.options!.map((o) => unfence(o.value, notice))).toEqual(['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead']);
    expect(unfence(fields.find((f) => f.name === 'lastName')!.label, notice)).toBe('Last Name');
    expect(doc.layouts).toContain('espocrm://tenants/acme/entities/Lead/layouts/detail');
  });

  it('shows a custom field created through the tools at once (the cache is refreshed by writes)', async () => {
    await json(h, 'espocrm://tenants/acme/entities/Account');
    const created = await h.call('create_custom_field', { tenant: 'acme', entity: 'Account', name: 'tier', label: 'Tier', type: 'enum', options: ['Gold', 'Silver'], required: true });
    expect(created.isError, created.text).toBe(false);
    const doc = await json(h, 'espocrm://tenants/acme/entities/Account');
    const tier = (doc.fields as Field[]).find((f) => f.name === 'cTier')!;
    expect(tier).toMatchObject({ type: 'enum', custom: true, required: true });
    expect(tier.options!.map((o) => unfence(o.value, String(doc.untrustedData)))).toEqual(['Gold', 'Silver']);
  });

  it('reads a layout as served, with its kind, rendering and the fingerprint get_layout reports', async () => {
    const doc = await json(h, 'espocrm://tenants/acme/entities/Lead/layouts/list');
    expect(doc).toMatchObject({ tenant: 'acme', entity: 'Lead', layout: 'list', kind: 'columns' });
    const served = h.sandboxes.acme!.state.layouts.read('Lead', 'list') as Array<{ name: string }>;
    expect((doc.layoutJson as Array<{ name: string }>).map((c) => c.name)).toEqual(served.map((c) => c.name));
    const tool = await h.call('get_layout', { tenant: 'acme', entity: 'Lead', layout: 'list' });
    expect(doc.fingerprint).toBe(tool.structured.fingerprint);
    expect(unfence(doc.rendering, String(doc.untrustedData))).toBe(tool.structured.rendering);
  });

  it('answers unknown or forbidden tenants, entities and layouts with clear errors, the same for both tenant cases', async () => {
    const forbidden = await readError(h, 'espocrm://tenants/beta/entities/Lead');
    const unknown = await readError(h, 'espocrm://tenants/nope/entities/Lead');
    expect(forbidden.message.replace('beta', 'X')).toBe(unknown.message.replace('nope', 'X'));
    expect(unknown.message).toContain('"acme"');
    expect(unknown.message).not.toContain('beta');
    expect((await readError(h, 'espocrm://tenants/acme/entities/Leed')).message).toMatch(/Unknown entity type "Leed".*Did you mean "Lead"/);
    expect((await readError(h, 'espocrm://tenants/acme/entities/Lead/layouts/sideways')).message).toMatch(/"sideways" is not a layout name.*detail/);
    expect(h.sandboxes.beta!.requests).toEqual([]);
  });
});

describe('resource updated notifications (2025 era: resources/subscribe)', () => {
  let h: Harness;
  const received: string[] = [];
  const waiters: Array<{ uri: string; resolve: () => void }> = [];
  const nextUpdate = (uri: string) =>
    received.includes(uri) ? Promise.resolve() : new Promise<void>((resolve) => waiters.push({ uri, resolve }));

  beforeAll(async () => {
    h = await startHarness([{ id: 'acme' }], { era: 'legacy' });
    h.client.setNotificationHandler('notifications/resources/updated', (n) => {
      received.push(n.params.uri);
      for (const w of waiters.filter((x) => x.uri === n.params.uri)) w.resolve();
    });
  });
  afterAll(async () => h?.close());

  it('declares the subscribe capability', () => {
    expect(h.client.getServerCapabilities()?.resources?.subscribe).toBe(true);
  });

  it('notifies the entity and its layouts after a field is created and placed', async () => {
    const entity = 'espocrm://tenants/acme/entities/Lead';
    const detail = `${entity}/layouts/detail`;
    await h.client.subscribeResource({ uri: entity });
    await h.client.subscribeResource({ uri: detail });
    const both = Promise.all([nextUpdate(entity), nextUpdate(detail)]);
    const res = await h.call('create_custom_field', { tenant: 'acme', entity: 'Lead', name: 'secteur', label: 'Secteur', type: 'varchar', addToLayouts: ['detail'] });
    expect(res.isError, res.text).toBe(false);
    await both;
    expect(received).toEqual(expect.arrayContaining([entity, detail]));
    // a resource nobody subscribed to is not announced
    expect(received.some((u) => u.endsWith('/layouts/list'))).toBe(false);
  });

  it('matches a subscription whatever its case, stops after unsubscribe, and announces undo too', async () => {
    received.length = 0;
    const lower = 'espocrm://tenants/acme/entities/contact';
    const listLayout = 'espocrm://tenants/acme/entities/Contact/layouts/list';
    await h.client.subscribeResource({ uri: lower });
    await h.client.subscribeResource({ uri: listLayout });
    const created = await h.call('create_custom_field', { tenant: 'acme', entity: 'Contact', name: 'vip', type: 'bool' });
    expect(created.isError, created.text).toBe(false);
    await nextUpdate(lower);

    // unsubscribed from the entity: a layout edit still reaches the list subscriber, and nothing else arrives
    await h.client.unsubscribeResource({ uri: lower });
    received.length = 0;
    const edit = await h.call('edit_layout', { tenant: 'acme', entity: 'Contact', layout: 'list', operations: [{ op: 'add_field', field: 'cVip' }] });
    expect(edit.isError, edit.text).toBe(false);
    await nextUpdate(listLayout);
    expect(received).toEqual([listLayout]);

    received.length = 0;
    const undo = await h.call('undo_change', { tenant: 'acme', changeId: edit.structured.changeId });
    expect(undo.isError, undo.text).toBe(false);
    await nextUpdate(listLayout);
    expect(received).toEqual([listLayout]);
  });
});
