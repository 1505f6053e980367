import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './client.js';

describe('sandbox field manager', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ leads: 2, contacts: 0, accounts: 0 });
  });
  afterAll(() => sandbox.close());

  const create = (body: Record<string, unknown>, scope = 'Lead') => call(sandbox, `Admin/fieldManager/${scope}`, { method: 'POST', body });

  it('prefixes the name with c, keeps only the type params, and does not name the field in the response', async () => {
    const created = await create({ name: 'region', type: 'varchar', label: 'Region', maxLength: 80, required: false, bogus: 'dropped', tooltipText: null });
    expect(created.status).toBe(200);
    expect(created.json).toEqual({ type: 'varchar', maxLength: 80, isCustom: true, label: 'Region' });
    const metadata = await call(sandbox, 'Metadata?key=entityDefs.Lead.fields.cRegion');
    expect(metadata.json).toEqual({ type: 'varchar', maxLength: 80, isCustom: true });
    expect((await call(sandbox, 'Admin/fieldManager/Lead/region')).reason).toBe("Can't read field defs Lead.region.");
  });

  it('prefixes names that already start with c again', async () => {
    await create({ name: 'cScore', type: 'int', label: 'Score' });
    expect((await call(sandbox, 'Metadata?key=entityDefs.Lead.fields.cCScore')).json).toMatchObject({ type: 'int', isCustom: true });
  });

  it('adds maxLength 100 to enums and storeArrayValues to multiEnums, and keeps option labels in i18n', async () => {
    const tier = await create({ name: 'tier', type: 'enum', label: 'Tier', options: ['', 'Gold', 'Silver'], default: '', isSorted: false, translatedOptions: { _empty_: 'None', Gold: 'Gold tier' } });
    expect(tier.json).toMatchObject({ type: 'enum', maxLength: 100, options: ['', 'Gold', 'Silver'] });
    expect(tier.json).not.toHaveProperty('isSorted');
    const tags = await create({ name: 'tags', type: 'multiEnum', label: 'Tags', options: ['a', 'b'], default: [] });
    expect(tags.json).toMatchObject({ type: 'multiEnum', storeArrayValues: true, default: [] });
    const i18n = (await call(sandbox, 'I18n', { auth: 'none' })).json as { Lead: { fields: Record<string, string>; options: Record<string, Record<string, string>> } };
    expect(i18n.Lead.fields.cTier).toBe('Tier');
    expect(i18n.Lead.options.cTier).toEqual({ _empty_: 'None', Gold: 'Gold tier' });
  });

  it('answers bad names, scopes and duplicates as EspoCRM does', async () => {
    expect(await create({ name: 'bad-name', type: 'varchar' })).toMatchObject({ status: 500, reason: 'Field name should contain only letters and numbers.' });
    const long = await create({ name: 'a'.repeat(60), type: 'varchar' });
    expect(long).toMatchObject({ status: 500, reason: 'Field name should not be longer than 50.' });
    expect(long.json).toEqual({ messageTranslation: { label: 'nameIsTooLong', scope: 'EntityManager', data: {} } });
    expect(await create({ type: 'varchar' })).toMatchObject({ status: 400, reason: '' });
    expect(await create({ name: 'noType' })).toMatchObject({ status: 400, reason: 'No type.' });
    expect(await create({ name: 'x', type: 'varchar' }, 'AuthToken')).toMatchObject({ status: 500, reason: 'Entity type AuthToken is not customizable.' });
    expect(await create({ name: 'x', type: 'varchar' }, 'NoSuchEntity')).toMatchObject({ status: 500, reason: 'Entity type NoSuchEntity is not customizable.' });
    const duplicate = await create({ name: 'region', type: 'varchar' });
    expect(duplicate).toMatchObject({ status: 409, reason: "Field 'cRegion' already exists in 'Lead'." });
    expect(duplicate.json).toEqual({ messageTranslation: { label: 'fieldAlreadyExists', scope: 'FieldManager', data: { field: 'cRegion', entityType: 'Lead' } } });
    // the prefix is applied before the reserved-name and first-character checks
    expect((await create({ name: 'deleted', type: 'varchar' })).status).toBe(200);
    expect((await create({ name: '1abc', type: 'varchar' })).status).toBe(200);
    expect((await create({ name: 'oddType', type: 'notARealType' })).json).toMatchObject({ type: 'notARealType', isCustom: true });
  });

  it('fails an update without type with a bare 500 but still saves the label', async () => {
    const result = await call(sandbox, 'Admin/fieldManager/Lead/cRegion', { method: 'PUT', body: { label: 'Region v2', maxLength: 90 } });
    expect(result).toMatchObject({ status: 500, reason: undefined, text: '' });
    expect((await call(sandbox, 'Admin/fieldManager/Lead/cRegion')).json).toEqual({ type: 'varchar', maxLength: 80, isCustom: true, label: 'Region v2' });
    expect((await call(sandbox, 'Admin/fieldManager/Lead/cNoSuch', { method: 'PATCH', body: { label: 'x' } })).status).toBe(500);
  });

  it('updates partially with type: params kept unless sent, options replaced, null clears', async () => {
    const updated = await call(sandbox, 'Admin/fieldManager/Lead/cTier', { method: 'PATCH', body: { type: 'enum', options: ['Gold', 'Platinum'], default: null, unknownKey: 1 } });
    expect(updated.json).toEqual({ type: 'enum', options: ['Gold', 'Platinum'], maxLength: 100, isCustom: true, label: 'Tier' });
    const core = await call(sandbox, 'Admin/fieldManager/Lead/status', { method: 'PUT', body: { type: 'enum', options: ['New', 'Nurture'], label: 'Stage' } });
    expect(core.json).toMatchObject({ options: ['New', 'Nurture'], default: 'New', label: 'Stage' });
    expect(core.json).not.toHaveProperty('isCustom');
    expect((await call(sandbox, 'FieldManager/action/resetToDefault', { method: 'POST', body: { scope: 'Lead', name: 'status' } })).json).toBe(true);
    const reset = (await call(sandbox, 'Admin/fieldManager/Lead/status')).json as { options: string[]; label: string };
    expect(reset.options).toContain('Converted');
    expect(reset.label).toBe('Status');
  });

  it('shows new fields as null attributes on existing records, without touching layouts', async () => {
    const lead = ((await call(sandbox, 'Lead?maxSize=1')).json as { list: { id: string }[] }).list[0];
    const record = (await call(sandbox, `Lead/${lead?.id ?? ''}`)).json as Record<string, unknown>;
    expect(record).toHaveProperty('cRegion', null);
    const detail = JSON.stringify((await call(sandbox, 'Lead/layout/detail')).json);
    expect(detail).not.toContain('cRegion');
  });

  it('deletes custom fields idempotently and refuses core fields', async () => {
    await create({ name: 'temp', type: 'varchar', label: 'Temp' });
    expect((await call(sandbox, 'Admin/fieldManager/Lead/cTemp', { method: 'DELETE' })).json).toBe(true);
    expect((await call(sandbox, 'Admin/fieldManager/Lead/cTemp', { method: 'DELETE' })).json).toBe(true);
    expect((await call(sandbox, 'Metadata?key=entityDefs.Lead.fields.cTemp')).text).toBe('');
    const i18n = (await call(sandbox, 'I18n', { auth: 'none' })).json as { Lead: { fields: Record<string, string> } };
    expect(i18n.Lead.fields.cTemp).toBeUndefined();
    expect(await call(sandbox, 'Admin/fieldManager/Lead/status', { method: 'DELETE' })).toMatchObject({ status: 500, reason: "Cannot delete core field 'status' in 'Lead'." });
  });
});
