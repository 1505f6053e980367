import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './client.js';

describe('sandbox metadata, settings and i18n', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0, siteUrl: 'https://crm.example.test' });
  });
  afterAll(() => sandbox.close());

  it('serves partial reads by key: JSON for objects, bare text for a string leaf, an empty body when missing', async () => {
    const status = await call(sandbox, 'Metadata?key=entityDefs.Lead.fields.status');
    expect(status.json).toMatchObject({ type: 'enum', default: 'New' });
    const leaf = await call(sandbox, 'Metadata?key=entityDefs.Lead.fields.status.type');
    expect(leaf).toMatchObject({ status: 200, text: 'enum' });
    expect(leaf.headers.get('content-type')).toBe('application/json');
    const missing = await call(sandbox, 'Metadata?key=entityDefs.Lead.fields.doesNotExist');
    expect(missing).toMatchObject({ status: 200, text: '' });
    const list = await call(sandbox, 'Metadata?key=scopes.Lead.duplicateCheckFieldList');
    expect(list.json).toEqual(['name', 'emailAddress']);
  });

  it('answers Metadata/action/get with JSON always (null when missing), for admins only', async () => {
    expect((await call(sandbox, 'Metadata/action/get?key=entityDefs.Lead.fields.nope')).text).toBe('null');
    expect((await call(sandbox, 'Metadata/action/get?key=entityDefs.Lead.fields.status.type')).text).toBe('"enum"');
    expect((await call(sandbox, 'Metadata/action/get?key=recordDefs.Lead')).json).toHaveProperty('duplicateWhereBuilderClassName');
    expect(await call(sandbox, 'Metadata/action/get?key=entityDefs.Lead', { auth: 'api' })).toMatchObject({ status: 403, reason: '' });
  });

  it('filters the metadata for non-admins', async () => {
    const admin = (await call(sandbox, 'Metadata')).json as Record<string, Record<string, unknown>>;
    const api = (await call(sandbox, 'Metadata', { auth: 'api' })).json as Record<string, Record<string, unknown>>;
    expect(admin.recordDefs).toBeDefined();
    expect(admin.entityDefs?.Opportunity).toBeDefined();
    expect(api.recordDefs).toBeUndefined();
    expect(api.authenticationMethods).toBeUndefined();
    expect(api.entityDefs?.Lead).toBeDefined();
    expect(api.entityDefs?.Opportunity).toBeUndefined();
    const contactLinks = (api.entityDefs?.Account as { links: Record<string, unknown> }).links;
    expect(contactLinks.opportunities).toBeUndefined();
    expect(contactLinks.contacts).toBeDefined();
  });

  it('describes every EspoCRM field type with its params and the notCreatable flag', async () => {
    const fields = (await call(sandbox, 'Metadata?key=fields')).json as Record<string, { params: { name: string }[]; notCreatable: boolean }>;
    for (const type of ['varchar', 'text', 'wysiwyg', 'int', 'float', 'bool', 'date', 'datetime', 'enum', 'multiEnum', 'array', 'checklist', 'currency', 'url', 'email', 'phone', 'link', 'linkMultiple', 'linkParent', 'personName', 'address', 'foreign', 'password', 'map', 'enumInt', 'jsonArray', 'jsonObject', 'autoincrement', 'number', 'barcode', 'colorpicker', 'attachmentMultiple', 'file', 'image', 'linkOne', 'urlMultiple', 'duration', 'rangeInt', 'rangeFloat', 'rangeCurrency', 'datetimeOptional']) {
      expect(fields[type], type).toBeDefined();
    }
    expect(fields.varchar?.params.map((p) => p.name)).toContain('maxLength');
    for (const type of ['email', 'phone', 'link', 'linkMultiple', 'linkParent', 'personName', 'map', 'password', 'enumInt', 'jsonArray']) expect(fields[type]?.notCreatable, type).toBe(true);
    for (const type of ['varchar', 'enum', 'multiEnum', 'int', 'currency']) expect(fields[type]?.notCreatable, type).toBe(false);
  });

  it('marks which scopes may be customised', async () => {
    const scopes = (await call(sandbox, 'Metadata?key=scopes')).json as Record<string, { customizable: boolean; isCustom?: boolean }>;
    for (const entity of ['Lead', 'Contact', 'Account']) expect(scopes[entity]).toMatchObject({ customizable: true, isCustom: false });
    expect(scopes.AuthToken?.customizable).toBe(false);
  });

  it('serves global settings without auth, and version and siteUrl to signed-in users', async () => {
    const anonymous = (await call(sandbox, 'Settings', { auth: 'none' })).json as Record<string, unknown>;
    expect(anonymous.applicationName).toBe('EspoCRM');
    expect(anonymous.version).toBeUndefined();
    expect(anonymous.siteUrl).toBeUndefined();
    const admin = (await call(sandbox, 'Settings')).json as Record<string, unknown>;
    expect(admin).toMatchObject({ version: '9.1.7', siteUrl: 'https://crm.example.test' });
    const api = (await call(sandbox, 'Settings', { auth: 'api' })).json as Record<string, unknown>;
    expect(api.version).toBe('9.1.7');
    expect(api.smtpServer).toBeUndefined();
    expect((await call(sandbox, 'App/about')).json).toMatchObject({ version: '9.1.7' });
  });

  it('serves labels through I18n without auth', async () => {
    const i18n = (await call(sandbox, 'I18n', { auth: 'none' })).json as Record<string, { fields: Record<string, string> }>;
    expect(i18n.Lead?.fields.status).toBe('Status');
    expect(i18n.Lead?.fields.emailAddress).toBe('Email');
  });

  it('answers unknown layout names and actions with the recorded 404 reasons', async () => {
    expect(await call(sandbox, 'Lead/layout/foo')).toMatchObject({ status: 404, reason: 'Layout Lead:foo is not found.' });
    expect(await call(sandbox, 'Admin/rebuild')).toMatchObject({ status: 404, reason: "Action GET 'read' does not exist in controller 'Admin'." });
    expect(await call(sandbox, 'Lead/action/merge', { method: 'POST', body: {} })).toMatchObject({ status: 404, reason: "Action POST 'merge' does not exist in controller 'Lead'." });
    expect((await call(sandbox, 'Lead/a/b/c')).status).toBe(404);
    const outside = await fetch(`${sandbox.url}/index.php`);
    expect(outside.status).toBe(404);
  });
});
