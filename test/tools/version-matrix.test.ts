/**
 * Version matrix: every tenant tool and every resource, through an MCP client, against a sandbox
 * reporting each EspoCRM version the sandbox emulates. The sandbox behaves differently before 8.1 (no
 * App/about) and before 8.2 (`Metadata?key=` ignored, so the whole metadata comes back; custom fields
 * stored without the "c" prefix); 8.2 and 8.4 sit on the boundary and in the middle of the 8.2+ line.
 *
 * Each version runs the same steps, in order, on its own tenant: reads on Lead, then a custom field
 * created (dry run, then for real with layouts), updated, seen by the read tools and resources, a
 * layout edited (dry run with its baseFingerprint, then applied) and reset (plan, confirm), the field
 * update undone, the field deleted (plan, confirm), and a duplicate pair found and merged. Every step
 * checks the call succeeded and one value that matters on that version.
 *
 * Coverage is enforced: after its steps, each version lists the server's tools, resource templates
 * and fixed resources and fails on any the steps do not declare (a new tool or resource must be added
 * here), and on any that was not actually called on that version.
 *
 * Expected to be correct behaviour on every version: no case is skipped. Sandboxes and servers start
 * in parallel; the whole matrix takes a couple of seconds.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GUIDE_EXAMPLES_URI, GUIDE_FIELD_TYPES_URI, GUIDE_LAYOUT_OPERATIONS_URI } from '../../src/resources/uris.js';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { Sandbox } from '../../src/sandbox/index.js';

interface VersionCase {
  version: string;
  /** custom fields of standard entity types get the "c" prefix (8.2+) */
  prefix: boolean;
  /** GET App/about exists (8.1+) */
  about: boolean;
  /** GET Metadata?key= honours the key (8.2+) */
  metadataKey: boolean;
}

const VERSIONS: VersionCase[] = [
  { version: '8.0.5', prefix: false, about: false, metadataKey: false },
  { version: '8.1.3', prefix: false, about: true, metadataKey: false },
  { version: '8.2.0', prefix: true, about: true, metadataKey: true },
  { version: '8.4.2', prefix: true, about: true, metadataKey: true },
  { version: '9.1.7', prefix: true, about: true, metadataKey: true },
];

const TENANTS = 'espocrm://tenants';
const TENANT = 'espocrm://tenants/{tenant}';
const ENTITY = 'espocrm://tenants/{tenant}/entities/{entity}';
const LAYOUT = 'espocrm://tenants/{tenant}/entities/{entity}/layouts/{layout}';

type Structured = Record<string, unknown>;
type Panel = { label?: string; customLabel?: string; rows: Array<Array<{ name: string } | false | null>> };
type Column = { name: string };

/** Field names a detail (panels) or list (columns) layout shows. */
function namesIn(layout: unknown): string[] {
  if (!Array.isArray(layout)) return [];
  return layout.flatMap((item: Panel | Column) =>
    'rows' in item ? item.rows.flatMap((row) => row.filter((c): c is { name: string } => Boolean(c)).map((c) => c.name)) : [item.name],
  );
}

/** One version's run: its harness, its sandbox and what the steps pass on to each other. */
class Run {
  readonly tenant: string;
  readonly stored: string;
  /** tools called and resources (templates or fixed URIs) read on this version */
  readonly called = new Set<string>();
  readonly read = new Set<string>();
  readonly carried: Record<string, unknown> = {};
  h!: Harness;

  constructor(readonly v: VersionCase) {
    this.tenant = `v${v.version.replace(/\./g, '-')}`;
    this.stored = v.prefix ? 'cSecteur' : 'secteur';
  }

  get sb(): Sandbox {
    return this.h.sandboxes[this.tenant]!;
  }

  async start(): Promise<void> {
    this.h = await startHarness([{ id: this.tenant, sandbox: { version: this.v.version, leads: 20, contacts: 5, accounts: 5, seed: 7 } }]);
  }

  /** Calls a tool on this version's tenant (list_tenants and check_tenants take no tenant) and asserts it succeeded. */
  async ok(tool: string, args: Record<string, unknown>): Promise<{ structured: Structured; text: string }> {
    this.called.add(tool);
    const res = await this.h.call(tool, tool === 'list_tenants' || tool === 'check_tenants' ? args : { tenant: this.tenant, ...args });
    expect(res.isError, `${tool} on EspoCRM ${this.v.version}: ${res.text}`).toBe(false);
    return res;
  }

  /** Reads a resource as JSON, recording the template (or fixed URI) it belongs to. */
  async resource(template: string, uri: string): Promise<Structured> {
    this.read.add(template);
    const res = await this.h.client.readResource({ uri });
    expect(res.contents).toHaveLength(1);
    const c = res.contents[0] as { mimeType?: string; text: string };
    expect(c.mimeType).toBe('application/json');
    return JSON.parse(c.text) as Structured;
  }

  /** Write requests the sandbox received since `mark`. */
  writesSince(mark: number): string[] {
    return this.sb.requests.slice(mark).filter((r) => r.method !== 'GET').map((r) => `${r.method} ${r.path}`);
  }

  layout(name: string): unknown {
    return this.sb.state.layouts.read('Lead', name);
  }

  private adminAuth(): string {
    const { username, password } = this.sb.credentials.admin;
    return Buffer.from(`${username}:${password}`).toString('base64');
  }

  /** GET on the sandbox's REST API as the admin, bypassing the server. */
  async get(path: string): Promise<{ status: number; json: unknown }> {
    const res = await fetch(`${this.sb.apiUrl}/${path}`, { headers: { 'Espo-Authorization': this.adminAuth() } });
    const text = await res.text();
    return { status: res.status, json: text === '' ? null : (JSON.parse(text) as unknown) };
  }

  /** Creates a lead through the sandbox's REST API as the admin (the duplicate check skipped). */
  async postLead(body: Record<string, unknown>): Promise<string> {
    const res = await fetch(`${this.sb.apiUrl}/Lead`, {
      method: 'POST',
      headers: { 'Espo-Authorization': this.adminAuth(), 'Content-Type': 'application/json', 'X-Skip-Duplicate-Check': 'true' },
      body: JSON.stringify(body),
    });
    expect(res.status).toBe(200);
    return ((await res.json()) as { id: string }).id;
  }
}

interface Step {
  name: string;
  /** tools the step calls */
  tools?: string[];
  /** resource templates or fixed resource URIs the step reads */
  resources?: string[];
  run(r: Run): Promise<void>;
}

const GUIDES = [GUIDE_LAYOUT_OPERATIONS_URI, GUIDE_FIELD_TYPES_URI, GUIDE_EXAMPLES_URI];

const STEPS: Step[] = [
  {
    name: 'list_tenants lists the tenant with its write tools',
    tools: ['list_tenants'],
    async run(r) {
      const { structured } = await r.ok('list_tenants', {});
      const tenants = structured.tenants as Array<{ id: string; readOnly: boolean; writeTools: string[] }>;
      expect(tenants.map((t) => t.id)).toEqual([r.tenant]);
      expect(tenants[0]).toMatchObject({ readOnly: false, writeTools: expect.arrayContaining(['create_custom_field', 'edit_layout', 'merge_duplicates']) });
    },
  },
  {
    name: 'the sandbox reports this version and behaves as it does (App/about, Metadata?key=)',
    async run(r) {
      const user = (await r.get('App/user')).json as { settings: { version: string } };
      expect(user.settings.version).toBe(r.v.version);
      expect((await r.get('App/about')).status).toBe(r.v.about ? 200 : 404);
      const scopes = (await r.get('Metadata?key=scopes')).json as Record<string, unknown>;
      // before 8.2 the key is ignored: the whole metadata comes back, with "scopes" as one of its keys
      expect('scopes' in scopes).toBe(!r.v.metadataKey);
      expect('Lead' in scopes).toBe(r.v.metadataKey);
    },
  },
  {
    name: 'check_tenant reports the version and every check ok',
    tools: ['check_tenant'],
    async run(r) {
      const { structured } = await r.ok('check_tenant', {});
      expect(structured).toMatchObject({ ok: true, version: r.v.version, problems: [] });
    },
  },
  {
    name: 'check_tenants reports the tenant ok with this version, and the health resource shows the recorded checks',
    tools: ['check_tenants'],
    resources: ['espocrm://tenants/{tenant}/health'],
    async run(r) {
      const { structured } = await r.ok('check_tenants', { tenants: [r.tenant] });
      expect(structured).toMatchObject({ summary: { total: 1, ok: 1 }, tenants: [{ tenant: r.tenant, status: 'ok', version: r.v.version, problems: [] }] });
      const res = await r.resource('espocrm://tenants/{tenant}/health', `espocrm://tenants/${r.tenant}/health`);
      const checks = res.checks as Array<{ status: string; version: string }>;
      expect(checks.length).toBeGreaterThanOrEqual(2);
      expect(checks.every((c) => c.status === 'ok' && c.version.includes(r.v.version))).toBe(true);
    },
  },
  {
    name: 'tenant_usage counts users, records and leads per month (list totals with where on createdAt)',
    tools: ['tenant_usage'],
    async run(r) {
      const { structured } = await r.ok('tenant_usage', { months: 12 });
      const lead = (await r.get('Lead?maxSize=0')).json as { total: number };
      expect(structured).toMatchObject({ missing: 0, records: { Lead: { count: lead.total } }, activeUsers: { admin: { count: 1 }, api: { count: 2 } } });
      const months = structured.leadsPerMonth as Array<{ count: number }>;
      expect(months).toHaveLength(12);
      expect(months.reduce((sum, m) => sum + m.count, 0)).toBeLessThanOrEqual(lead.total);
    },
  },
  {
    name: 'rotate_credentials plans, and blocks env: references (the matrix tenant keeps its secrets in env:) without a write',
    tools: ['rotate_credentials'],
    async run(r) {
      const mark = r.sb.requests.length;
      const { structured } = await r.ok('rotate_credentials', { what: 'apiKey' });
      expect(structured).toMatchObject({ status: 'blocked', what: 'apiKey' });
      expect(structured.confirmToken).toBeUndefined();
      expect(r.writesSince(mark)).toEqual([]);
    },
  },
  {
    name: 'describe_entity Lead: version, prefix behaviour, fields and their layouts',
    tools: ['describe_entity'],
    async run(r) {
      const { structured } = await r.ok('describe_entity', { entity: 'lead', fields: ['status', 'lastName'] });
      expect(structured).toMatchObject({ entity: 'Lead', version: r.v.version, customPrefix: r.v.prefix });
      const fields = structured.fields as Array<{ name: string; type: string; custom: boolean; layouts?: string[] }>;
      expect(fields.find((f) => f.name === 'status')).toMatchObject({ type: 'enum', custom: false });
      expect(structured.layoutsChecked).toEqual(expect.arrayContaining(['detail', 'list']));
      expect(fields.find((f) => f.name === 'status')!.layouts).toEqual(expect.arrayContaining(['detail']));
    },
  },
  {
    name: 'get_layout Lead detail and list',
    tools: ['get_layout'],
    async run(r) {
      const detail = await r.ok('get_layout', { entity: 'Lead', layout: 'detail' });
      expect(detail.structured).toMatchObject({ entity: 'Lead', layout: 'detail', kind: 'panels', issues: [] });
      expect(namesIn(detail.structured.layoutJson)).toEqual(namesIn(r.layout('detail')));
      expect(namesIn(detail.structured.layoutJson)).toContain('status');
      const list = await r.ok('get_layout', { entity: 'Lead', layout: 'list' });
      expect(list.structured).toMatchObject({ entity: 'Lead', layout: 'list', kind: 'columns' });
      expect(namesIn(list.structured.layoutJson)).toEqual(namesIn(r.layout('list')));
      expect(typeof list.structured.fingerprint).toBe('string');
    },
  },
  {
    name: 'fleet_drift, compare_tenants and their resources: the transport blueprint\'s field missing under this version\'s stored name, nothing written',
    tools: ['fleet_drift', 'compare_tenants'],
    resources: ['espocrm://fleet/drift/{blueprint}', 'espocrm://tenants/{tenant}/compare/{other}'],
    async run(r) {
      const mark = r.sb.requests.length;
      r.called.add('fleet_drift'); // takes no tenant: it reads every tenant the caller sees
      const res = await r.h.call('fleet_drift', { blueprint: 'transport' });
      expect(res.isError, res.text).toBe(false);
      const structured = res.structured;
      const row = (structured.tenants as Array<{ tenant: string; status: string; differences: Array<{ kind: string; field?: string; layout?: string }> }>)[0]!;
      expect(row).toMatchObject({ tenant: r.tenant, status: 'drifted' });
      expect(row.differences.map((d) => [d.kind, d.field, d.layout ?? null])).toEqual([
        ['field_missing', r.stored, null],
        ['placement_missing', r.stored, 'detail'],
        ['placement_missing', r.stored, 'list'],
      ]);
      const vs = await r.ok('compare_tenants', { against: { blueprint: 'transport' } });
      expect(vs.structured).toMatchObject({ same: false, differences: [{ kind: 'field_missing', field: r.stored }, {}, {}] });
      const drift = await r.resource('espocrm://fleet/drift/{blueprint}', 'espocrm://fleet/drift/transport');
      expect(drift).toMatchObject({ blueprint: 'transport', summary: { total: 1, drifted: 1 } });
      const self = await r.resource('espocrm://tenants/{tenant}/compare/{other}', `espocrm://tenants/${r.tenant}/compare/${r.tenant}`);
      expect(self).toMatchObject({ tenant: r.tenant, same: true, differences: [] });
      expect(r.writesSince(mark)).toEqual([]);
    },
  },
  {
    name: 'create_custom_field: dry run writes nothing, then creates the field on detail and list',
    tools: ['create_custom_field'],
    async run(r) {
      const args = { entity: 'Lead', name: 'secteur', label: 'Secteur', type: 'enum', options: ['Transport', 'Logistique'], addToLayouts: ['detail', 'list'] };
      const mark = r.sb.requests.length;
      const plan = await r.ok('create_custom_field', { ...args, dryRun: true });
      expect(plan.structured).toMatchObject({ status: 'planned', field: r.stored, sentName: 'secteur' });
      expect(r.writesSince(mark)).toEqual([]);
      expect(r.sb.state.metadata.fieldDef('Lead', r.stored)).toBeUndefined();

      const { structured } = await r.ok('create_custom_field', args);
      expect(structured).toMatchObject({ status: 'created', field: r.stored, verified: true });
      expect((structured.layouts as Array<{ layout: string; status: string }>).map((l) => [l.layout, l.status])).toEqual([
        ['detail', 'added'],
        ['list', 'added'],
      ]);
      // the name EspoCRM stores: "cSecteur" since 8.2, "secteur" before
      expect(r.sb.state.metadata.fieldDef('Lead', r.stored)).toMatchObject({ type: 'enum', isCustom: true, options: ['Transport', 'Logistique'] });
      expect(r.sb.state.metadata.fieldDef('Lead', r.v.prefix ? 'secteur' : 'cSecteur')).toBeUndefined();
      expect(namesIn(r.layout('detail'))).toContain(r.stored);
      expect(namesIn(r.layout('list'))).toContain(r.stored);
    },
  },
  {
    name: 'update_custom_field adds an option and relabels the field',
    tools: ['update_custom_field'],
    async run(r) {
      const { structured } = await r.ok('update_custom_field', { entity: 'Lead', name: 'secteur', addOptions: ['Industrie'], label: "Secteur d'activité" });
      expect(structured).toMatchObject({ status: 'updated', field: r.stored, verified: true });
      expect(r.sb.state.metadata.fieldDef('Lead', r.stored)?.options).toEqual(['Transport', 'Logistique', 'Industrie']);
      expect(r.sb.state.i18n.label('Lead', r.stored)).toBe("Secteur d'activité");
      r.carried.updateChangeId = structured.changeId;
    },
  },
  {
    name: 'find_unused_fields: the new field is on layouts and no record fills it',
    tools: ['find_unused_fields'],
    async run(r) {
      const { structured } = await r.ok('find_unused_fields', { entities: ['Lead'] });
      const lead = (structured.entities as Array<{ entity: string; fields: Array<{ name: string; count: number; verdict: string; layouts: string[] }> }>)[0]!;
      expect(lead.entity).toBe('Lead');
      expect(lead.fields.find((f) => f.name === r.stored)).toMatchObject({ count: 0, verdict: 'unused', layouts: ['detail', 'list'] });
    },
  },
  {
    name: 'rebuild runs, stays healthy and finds the new field in the metadata',
    tools: ['rebuild'],
    async run(r) {
      const rebuilds = r.sb.state.counters.rebuilds;
      const { structured } = await r.ok('rebuild', {});
      expect(structured).toMatchObject({ status: 'rebuilt', healthy: true, problems: [] });
      expect(structured.checkedChanges).toEqual(expect.arrayContaining([`Lead.${r.stored} present`]));
      expect(r.sb.state.counters.rebuilds).toBe(rebuilds + 1);
    },
  },
  {
    name: 'resource espocrm://tenants lists the tenant',
    resources: [TENANTS],
    async run(r) {
      const doc = await r.resource(TENANTS, TENANTS);
      expect((doc.tenants as Array<{ id: string }>).map((t) => t.id)).toEqual([r.tenant]);
    },
  },
  {
    name: 'the guide resources explain layout operations, field types and one call per tool',
    resources: GUIDES,
    async run(r) {
      for (const uri of GUIDES) {
        const doc = await r.resource(uri, uri);
        expect(JSON.stringify(doc).length, uri).toBeGreaterThan(500);
      }
      expect(JSON.stringify(await r.resource(GUIDES[0]!, GUIDES[0]!))).toContain('add_field');
    },
  },
  {
    name: 'resource espocrm://tenants/{tenant} reports the version',
    resources: [TENANT],
    async run(r) {
      const doc = await r.resource(TENANT, `${TENANTS}/${r.tenant}`);
      expect(doc).toMatchObject({ id: r.tenant, version: r.v.version });
    },
  },
  {
    name: 'resource .../entities/Lead shows the new custom field',
    resources: [ENTITY],
    async run(r) {
      const doc = await r.resource(ENTITY, `${TENANTS}/${r.tenant}/entities/Lead`);
      expect(doc).toMatchObject({ tenant: r.tenant, entity: 'Lead' });
      expect((doc.fields as Array<{ name: string; custom: boolean }>).find((f) => f.name === r.stored)).toMatchObject({ custom: true });
      expect(doc.layouts).toContain(`${TENANTS}/${r.tenant}/entities/Lead/layouts/detail`);
    },
  },
  {
    name: 'resource .../entities/Lead/layouts/detail shows the new custom field',
    resources: [LAYOUT],
    async run(r) {
      const doc = await r.resource(LAYOUT, `${TENANTS}/${r.tenant}/entities/Lead/layouts/detail`);
      expect(doc).toMatchObject({ tenant: r.tenant, entity: 'Lead', layout: 'detail', kind: 'panels' });
      expect(namesIn(doc.layoutJson)).toContain(r.stored);
    },
  },
  {
    name: 'resources/list names the tenant (without asking its CRM); completion covers its entities and layouts',
    async run(r) {
      const mark = r.sb.requests.length;
      const { resources } = await r.h.client.listResources(undefined, { cacheMode: 'bypass' });
      const uris = resources.map((x) => x.uri);
      expect(uris).toEqual(expect.arrayContaining([TENANTS, `${TENANTS}/${r.tenant}`]));
      expect(r.sb.requests.length).toBe(mark);
      const complete = (uri: string, name: string, value: string, args?: Record<string, string>) =>
        r.h.client.complete({ ref: { type: 'ref/resource', uri }, argument: { name, value }, ...(args ? { context: { arguments: args } } : {}) }).then((c) => c.completion.values);
      expect(await complete(TENANT, 'tenant', '')).toEqual([r.tenant]);
      expect(await complete(ENTITY, 'entity', 'le', { tenant: r.tenant })).toEqual(['Lead']);
      expect(await complete(LAYOUT, 'layout', 'list', { tenant: r.tenant, entity: 'Lead' })).toEqual(expect.arrayContaining(['list', 'listSmall']));
    },
  },
  {
    name: 'edit_layout: a dry run with its baseFingerprint, then applied',
    tools: ['edit_layout'],
    async run(r) {
      const args = { entity: 'Lead', layout: 'detail', operations: [{ op: 'add_field', field: 'doNotCall', panel: 0 }] };
      expect(namesIn(r.layout('detail'))).not.toContain('doNotCall');
      const mark = r.sb.requests.length;
      const dry = await r.ok('edit_layout', { ...args, dryRun: true });
      expect(dry.structured).toMatchObject({ outcome: 'dry_run', entity: 'Lead' });
      expect(dry.structured.diff).toMatch(/^\+ .*doNotCall/m);
      expect(typeof dry.structured.baseFingerprint).toBe('string');
      expect(r.writesSince(mark)).toEqual([]);

      const { structured } = await r.ok('edit_layout', { ...args, baseFingerprint: dry.structured.baseFingerprint });
      expect(structured).toMatchObject({ outcome: 'applied', verified: true });
      expect(namesIn(r.layout('detail'))).toEqual(expect.arrayContaining(['doNotCall', r.stored]));
    },
  },
  {
    name: 'reset_layout: plan, then confirm; EspoCRM serves the default detail layout again',
    tools: ['reset_layout'],
    async run(r) {
      const plan = await r.ok('reset_layout', { entity: 'Lead', layout: 'detail' });
      expect(plan.structured).toMatchObject({ outcome: 'planned' });
      expect(namesIn(plan.structured.dropped)).toContain('doNotCall');
      expect(r.sb.state.layouts.isCustomized('Lead', 'detail')).toBe(true);

      const { structured } = await r.ok('reset_layout', { entity: 'Lead', layout: 'detail', confirm: plan.structured.confirmToken });
      expect(structured).toMatchObject({ outcome: 'applied' });
      expect(r.sb.state.layouts.isCustomized('Lead', 'detail')).toBe(false);
      expect(namesIn(r.layout('detail'))).not.toContain('doNotCall');
    },
  },
  {
    name: 'undo_change reverts the field update',
    tools: ['undo_change'],
    async run(r) {
      expect(typeof r.carried.updateChangeId).toBe('string');
      const { structured } = await r.ok('undo_change', { changeId: r.carried.updateChangeId });
      expect(structured).toMatchObject({ outcome: 'applied', tool: 'update_custom_field' });
      expect(r.sb.state.metadata.fieldDef('Lead', r.stored)?.options).toEqual(['Transport', 'Logistique']);
      expect(r.sb.state.i18n.label('Lead', r.stored)).toBe('Secteur');
    },
  },
  {
    name: 'list_changes and the changes resource show the update and its undo, with the instance they were made on',
    tools: ['list_changes'],
    resources: ['espocrm://tenants/{tenant}/changes'],
    async run(r) {
      const { structured } = await r.ok('list_changes', { changesOnly: true });
      const rows = structured.changes as Array<{ changeId: string; tool: string; undoneBy?: string; undo?: unknown; instance?: { siteUrl?: string; version?: string } }>;
      const update = rows.find((c) => c.changeId === r.carried.updateChangeId)!;
      expect(update).toMatchObject({ tool: 'update_custom_field', instance: { siteUrl: r.sb.url, version: r.v.version } });
      expect(update.undoneBy).toMatch(/^chg_/);
      expect(update.undo).toBeUndefined(); // undone: nothing more to undo
      expect(rows[0]!.tool).toBe('undo_change'); // newest first
      const res = await r.resource('espocrm://tenants/{tenant}/changes', `espocrm://tenants/${r.tenant}/changes`);
      expect((res.changes as Array<{ changeId?: string }>).some((c) => c.changeId === r.carried.updateChangeId)).toBe(true);
    },
  },
  {
    name: 'delete_custom_field: plan, then confirm; the field leaves the metadata and the layouts',
    tools: ['delete_custom_field'],
    async run(r) {
      const mark = r.sb.requests.length;
      const plan = await r.ok('delete_custom_field', { entity: 'Lead', name: r.stored });
      expect(plan.structured).toMatchObject({ status: 'planned', field: r.stored, records: { count: 0 } });
      expect((plan.structured.layouts as Array<{ layout: string }>).map((l) => l.layout)).toContain('list');
      expect(r.writesSince(mark)).toEqual([]);

      const { structured } = await r.ok('delete_custom_field', { entity: 'Lead', name: r.stored, confirm: plan.structured.confirmToken });
      expect(structured).toMatchObject({ status: 'deleted', field: r.stored });
      expect(r.sb.state.metadata.fieldDef('Lead', r.stored)).toBeUndefined();
      expect(namesIn(r.layout('detail'))).not.toContain(r.stored);
      expect(namesIn(r.layout('list'))).not.toContain(r.stored);
    },
  },
  {
    name: 'find_duplicates finds a planted pair of leads',
    tools: ['find_duplicates'],
    async run(r) {
      const email = `jeanne.martin@${r.tenant}.example.fr`;
      const keep = await r.postLead({ firstName: 'Jeanne', lastName: 'Martin', emailAddress: email, phoneNumber: '+33612345678' });
      const other = await r.postLead({ firstName: 'Jeanne', lastName: 'MARTIN', emailAddress: email.toUpperCase(), addressCity: 'Lyon' });
      const { structured } = await r.ok('find_duplicates', { entities: ['Lead'], limit: 200 });
      const clusters = structured.clusters as Array<{ entity: string; ids: string[]; reasons: string[] }>;
      const ours = clusters.find((c) => c.ids.includes(keep));
      expect(ours).toMatchObject({ entity: 'Lead', ids: [keep, other].sort() });
      expect(ours!.reasons.join(' ')).toMatch(/same email/);
      r.carried.pair = { keep, other };
    },
  },
  {
    name: 'merge_duplicates: plan, then confirm; the other record is gone and the kept one filled',
    tools: ['merge_duplicates'],
    async run(r) {
      const { keep, other } = r.carried.pair as { keep: string; other: string };
      const args = { entity: 'Lead', keepId: keep, mergeIds: [other] };
      const mark = r.sb.requests.length;
      const plan = await r.ok('merge_duplicates', args);
      expect(plan.structured).toMatchObject({ status: 'planned', undoable: false, keep: { id: keep } });
      expect(r.writesSince(mark)).toEqual([]);

      const { structured } = await r.ok('merge_duplicates', { ...args, confirm: plan.structured.confirmToken });
      expect(structured).toMatchObject({ status: 'merged', problems: [], verification: { sourcesGone: [{ id: other, gone: true }], mismatches: [] } });
      expect(r.sb.state.records.read('Lead', other, { isAdmin: true }).deleted).toBe(true);
      expect(r.sb.state.records.read('Lead', keep, { isAdmin: true })).toMatchObject({ addressCity: 'Lyon', deleted: false });
    },
  },
  {
    name: 'snapshot_tenant, then restore_snapshot (plan, confirm) after a field deletion: the field re-created under its stored name, layouts byte for byte; the snapshots resource lists it',
    tools: ['snapshot_tenant', 'restore_snapshot'],
    resources: ['espocrm://tenants/{tenant}/snapshots'],
    async run(r) {
      const stored = r.v.prefix ? 'cPalier' : 'palier';
      await r.ok('create_custom_field', { entity: 'Lead', name: 'palier', type: 'varchar', label: 'Palier', addToLayouts: ['detail'] });
      const mark = r.sb.requests.length;
      const snap = await r.ok('snapshot_tenant', {});
      expect(r.writesSince(mark)).toEqual([]);
      const id = snap.structured.snapshotId as string;
      const kept = (await r.h.audit.getSnapshot(id, r.tenant))!.data as { fields: Array<{ name: string }>; layouts: Array<{ layout: string; json: string }> };
      expect(kept.fields.map((f) => f.name)).toContain(stored);
      const listed = await r.resource('espocrm://tenants/{tenant}/snapshots', `espocrm://tenants/${r.tenant}/snapshots`);
      expect((listed.snapshots as Array<{ snapshotId: string }>)[0]!.snapshotId).toBe(id);

      const del = await r.ok('delete_custom_field', { entity: 'Lead', name: stored });
      await r.ok('delete_custom_field', { entity: 'Lead', name: stored, confirm: del.structured.confirmToken });
      expect(r.sb.state.metadata.fieldDef('Lead', stored)).toBeUndefined();
      const before = r.sb.requests.length;
      const plan = await r.ok('restore_snapshot', { snapshotId: id });
      expect(plan.structured.outcome).toBe('planned');
      expect(r.writesSince(before)).toEqual([]);
      const done = await r.ok('restore_snapshot', { snapshotId: id, confirm: plan.structured.confirmToken });
      expect(done.structured.outcome).toBe('applied');
      expect(r.sb.state.metadata.fieldDef('Lead', stored)).toMatchObject({ type: 'varchar', isCustom: true });
      const after = await r.ok('snapshot_tenant', {});
      const now = (await r.h.audit.getSnapshot(after.structured.snapshotId as string, r.tenant))!.data as typeof kept;
      expect(now.layouts.map((l) => [l.layout, l.json])).toEqual(kept.layouts.map((l) => [l.layout, l.json]));
    },
  },
  {
    name: 'plan_blueprint, then apply_blueprint with its token: the transport field created under this version\'s stored name and placed; then in sync; undo_change reverts the tenant\'s apply',
    tools: ['plan_blueprint', 'apply_blueprint'],
    async run(r) {
      // Fleet tools take no tenant: they plan every tenant named (here the only one).
      const fleet = async (tool: string, args: Record<string, unknown>) => {
        r.called.add(tool);
        const res = await r.h.call(tool, { blueprint: 'transport', tenants: [r.tenant], ...args });
        expect(res.isError, `${tool} on EspoCRM ${r.v.version}: ${res.text}`).toBe(false);
        return res.structured as { tenants: Array<{ tenant: string; status: string; steps: string[]; changeId?: string }>; confirmToken?: string };
      };
      const mark = r.sb.requests.length;
      const plan = await fleet('plan_blueprint', {});
      expect(plan.tenants[0]).toMatchObject({ tenant: r.tenant, status: 'changes' });
      expect(plan.tenants[0]!.steps).toEqual([`create Lead.${r.stored} (enum)`, `place Lead.${r.stored} on the detail layout`, `place Lead.${r.stored} on the list layout`]);
      expect(r.writesSince(mark)).toEqual([]);

      const applied = await fleet('apply_blueprint', { confirm: plan.confirmToken });
      expect(applied.tenants[0]).toMatchObject({ tenant: r.tenant, status: 'applied', changeId: expect.stringMatching(/^chg_/) });
      expect(r.sb.state.metadata.fieldDef('Lead', r.stored)).toMatchObject({ type: 'enum', isCustom: true, options: ['', 'Transport routier', 'Logistique', 'Messagerie', 'Déménagement'] });
      expect(r.sb.state.metadata.fieldDef('Lead', r.v.prefix ? 'secteur' : 'cSecteur')).toBeUndefined();
      expect(namesIn(r.layout('detail'))).toContain(r.stored);
      expect(namesIn(r.layout('list'))).toContain(r.stored);
      expect((await fleet('plan_blueprint', {})).tenants[0]).toMatchObject({ status: 'in_sync', steps: [] });

      const undo = await r.ok('undo_change', { changeId: applied.tenants[0]!.changeId });
      expect(undo.structured).toMatchObject({ outcome: 'planned', tool: 'apply_blueprint' });
      const done = await r.ok('undo_change', { changeId: applied.tenants[0]!.changeId, confirm: undo.structured.confirmToken });
      expect(done.structured.outcome).toBe('applied');
      expect(r.sb.state.metadata.fieldDef('Lead', r.stored)).toBeUndefined();
      expect(namesIn(r.layout('list'))).not.toContain(r.stored);
    },
  },
];

/** A fixed resource URI, or the template a listed URI is an instance of. */
function templateOf(uri: string, templates: string[]): string | undefined {
  return templates.find((t) => new RegExp(`^${t.replace(/[.*+?^$()|[\]\\]/g, '\\$&').replace(/\{[^}]+\}/g, '[^/]+')}$`).test(uri));
}

/** The tool names, and the resource templates plus fixed resource URIs, the server lists. */
async function listed(h: Harness): Promise<{ tools: string[]; resources: string[] }> {
  const { tools } = await h.client.listTools();
  const templates = (await h.client.listResourceTemplates()).resourceTemplates.map((t) => t.uriTemplate);
  const fixed = (await h.client.listResources()).resources.map((x) => x.uri).filter((uri) => templateOf(uri, templates) === undefined);
  return { tools: tools.map((t) => t.name), resources: [...templates, ...fixed] };
}

const runs = VERSIONS.map((v) => new Run(v));

// All sandboxes and servers start at once; each version's steps then run in order.
beforeAll(async () => {
  await Promise.all(runs.map((r) => r.start()));
});
afterAll(async () => {
  await Promise.all(runs.map((r) => r.h?.close()));
});

describe.each(runs.map((r) => [r.v.version, r] as const))('EspoCRM %s', (_version, run) => {
  for (const step of STEPS) it(step.name, () => step.run(run));

  it('declares every tool, resource template and fixed resource the server lists', async () => {
    const declaredTools = new Set(STEPS.flatMap((s) => s.tools ?? []));
    const declaredResources = new Set(STEPS.flatMap((s) => s.resources ?? []));
    const { tools, resources } = await listed(run.h);
    expect(tools.filter((n) => !declaredTools.has(n)), 'tools the version matrix does not exercise: add them to STEPS').toEqual([]);
    expect([...declaredTools].filter((n) => !tools.includes(n)), 'tools the matrix declares that the server does not list').toEqual([]);
    expect(resources.filter((t) => !declaredResources.has(t)), 'resources the version matrix does not read: add them to STEPS').toEqual([]);
    expect([...declaredResources].filter((t) => !resources.includes(t)), 'resources the matrix declares that the server does not list').toEqual([]);
  });

  it('called every tool and read every resource on this version', async () => {
    const { tools, resources } = await listed(run.h);
    expect(tools.filter((n) => !run.called.has(n))).toEqual([]);
    expect(resources.filter((t) => !run.read.has(t))).toEqual([]);
  });
});
