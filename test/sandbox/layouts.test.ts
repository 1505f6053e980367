import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { call } from './client.js';

describe('sandbox layouts', () => {
  let sandbox: Sandbox;
  beforeAll(async () => {
    sandbox = await startSandbox({ leads: 0, contacts: 0, accounts: 0 });
  });
  afterAll(() => sandbox.close());

  it('serves entity defaults, and generic defaults for unknown entity types', async () => {
    const detail = (await call(sandbox, 'Lead/layout/detail')).json as { rows: unknown[][] }[];
    expect(detail.length).toBeGreaterThan(0);
    expect(detail[0]?.rows[0]).toEqual([{ name: 'name' }, { name: 'accountName' }]);
    expect((await call(sandbox, 'NoSuchEntity/layout/detail')).json).toEqual([{ label: 'Overview', rows: [[{ name: 'name' }, false]] }]);
    expect((await call(sandbox, 'Lead/layout/sidePanelsDetail')).json).toEqual({});
    expect(sandbox.state.layouts.isCustomized('Lead', 'detail')).toBe(false);
  });

  it('stores whatever it is given and echoes the stored text', async () => {
    const saved = await call(sandbox, 'Lead/layout/list', { method: 'PUT', body: [{ name: 'name', link: true }, { name: 'noSuchField' }] });
    expect(saved.json).toEqual([{ name: 'name', link: true }, { name: 'noSuchField' }]);
    expect(sandbox.state.layouts.isCustomized('Lead', 'list')).toBe(true);
    expect((await call(sandbox, 'Lead/layout/list')).json).toEqual([{ name: 'name', link: true }, { name: 'noSuchField' }]);
    const text = await call(sandbox, 'Lead/layout/list', { method: 'PUT', body: '"not a layout"' });
    expect(text.json).toBe('not a layout');
  });

  it('saves malformed JSON as null, after which reading the layout gives 404', async () => {
    const saved = await call(sandbox, 'Lead/layout/detailSmall', { method: 'PUT', body: '[{"name":' });
    expect(saved).toMatchObject({ status: 200, text: 'null' });
    expect(await call(sandbox, 'Lead/layout/detailSmall')).toMatchObject({ status: 404, reason: 'Layout Lead:detailSmall is not found.' });
  });

  it('resets to the layout now in effect, or false when the name has none', async () => {
    const reset = await call(sandbox, 'Layout/action/resetToDefault', { method: 'POST', body: { scope: 'Lead', name: 'detailSmall' } });
    expect(Array.isArray(reset.json)).toBe(true);
    expect((await call(sandbox, 'Lead/layout/detailSmall')).status).toBe(200);
    await call(sandbox, 'Lead/layout/myExtra', { method: 'PUT', body: [{ name: 'name' }] });
    expect((await call(sandbox, 'Lead/layout/myExtra')).json).toEqual([{ name: 'name' }]);
    expect((await call(sandbox, 'Layout/action/resetToDefault', { method: 'POST', body: { scope: 'Lead', name: 'myExtra' } })).json).toBe(false);
    expect((await call(sandbox, 'Lead/layout/myExtra')).status).toBe(404);
    expect(await call(sandbox, 'Layout/action/resetToDefault', { method: 'POST', body: { scope: 'Lead' } })).toMatchObject({ status: 400, reason: '' });
  });

  it('refuses to save layouts of entity types that are not customizable', async () => {
    expect(await call(sandbox, 'NoSuchEntity/layout/list', { method: 'PUT', body: [] })).toMatchObject({ status: 403, reason: 'NoSuchEntity is not customizable.' });
    expect(await call(sandbox, 'AuthToken/layout/list', { method: 'PUT', body: [] })).toMatchObject({ status: 403, reason: 'AuthToken is not customizable.' });
  });

  it('gives the original layout to admins', async () => {
    await call(sandbox, 'Contact/layout/list', { method: 'PUT', body: [{ name: 'name' }] });
    expect((await call(sandbox, 'Layout/action/getOriginal?scope=Contact&name=list')).json).toEqual([{ name: 'name' }]);
    expect((await call(sandbox, 'Layout/action/getOriginal?scope=Contact&name=list', { auth: 'api' })).status).toBe(403);
  });
});
