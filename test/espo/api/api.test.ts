import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startSandbox, type Sandbox } from '../../../src/sandbox/index.js';
import { EspoClient } from '../../../src/espo/client.js';
import { writeAccess, type WriteClient } from '../../../src/espo/writeAccess.js';
import { EspoConflictError, EspoForbiddenError, EspoNotFoundError, EspoServerError } from '../../../src/espo/errors.js';
import {
  admin,
  fieldManager,
  getAbout,
  getAppUser,
  getI18n,
  getMetadata,
  getSettings,
  layouts,
  records,
} from '../../../src/espo/api/index.js';

let sb: Sandbox;
let client: WriteClient;

async function errorOf(p: Promise<unknown>): Promise<unknown> {
  try {
    await p;
  } catch (e) {
    return e;
  }
  throw new Error('expected a rejection');
}

beforeAll(async () => {
  sb = await startSandbox({ leads: 20, contacts: 2, accounts: 2, seed: 7 });
  client = writeAccess(new EspoClient({
    tenantId: 'api-test',
    url: sb.apiUrl,
    apiKey: async () => sb.credentials.apiKey,
    admin: { username: sb.credentials.admin.username, password: async () => sb.credentials.admin.password },
  }));
});
afterAll(async () => {
  await client.close();
  await sb.close();
});

describe('app', () => {
  it('getAppUser reports the user and settings, never the token', async () => {
    const me = await getAppUser(client, 'admin');
    expect(me.user.type).toBe('admin');
    expect(me.settings.version).toBe('9.1.7');
    expect(me.settings.siteUrl).toBe(sb.url);
    expect(me.hasToken).toBe(true);
    expect(JSON.stringify(me)).not.toMatch(/"token"/);
    expect((await getAppUser(client, 'api')).user.type).toBe('api');
  });

  it('getAbout and getSettings', async () => {
    expect((await getAbout(client)).version).toBe('9.1.7');
    const anonymous = await getSettings(client, 'none');
    expect(typeof anonymous).toBe('object');
    expect((await getSettings(client, 'admin')).version).toBe('9.1.7');
  });
});

describe('metadata and i18n', () => {
  it('reads a key, a missing key (undefined) and a string leaf (bare text)', async () => {
    expect(await getMetadata(client, 'entityDefs.Lead.fields.status', { auth: 'admin' })).toMatchObject({ type: 'enum' });
    expect(await getMetadata(client, 'entityDefs.Lead.fields.nothingHere')).toBeUndefined();
    expect(await getMetadata(client, 'entityDefs.Lead.fields.status.type')).toBe('enum');
  });

  it('reads labels', async () => {
    const i18n = await getI18n(client, { default: true });
    expect(i18n).toHaveProperty('Lead');
  });
});

describe('fieldManager', () => {
  it('creates (prefixing c), reads, updates, deletes a custom field', async () => {
    const created = await fieldManager.create(client, 'Lead', { name: 'apiTier', type: 'enum', label: 'API Tier', options: ['', 'Gold', 'Silver'] });
    expect(created).toMatchObject({ type: 'enum', isCustom: true, label: 'API Tier' });
    expect(await fieldManager.read(client, 'Lead', 'cApiTier')).toMatchObject({ options: ['', 'Gold', 'Silver'] });

    const dup = await errorOf(fieldManager.create(client, 'Lead', { name: 'apiTier', type: 'enum' }));
    expect(dup).toBeInstanceOf(EspoConflictError);
    expect((dup as EspoConflictError).conflict).toBe('fieldAlreadyExists');

    const updated = await fieldManager.update(client, 'Lead', 'cApiTier', { type: 'enum', options: ['', 'Gold', 'Silver', 'Bronze'] });
    expect(updated.options).toEqual(['', 'Gold', 'Silver', 'Bronze']);

    expect(await fieldManager.delete(client, 'Lead', 'cApiTier')).toBe(true);
    const gone = await errorOf(fieldManager.read(client, 'Lead', 'cApiTier'));
    expect(gone).toBeInstanceOf(EspoServerError);
    expect((gone as EspoServerError).reason).toBe("Can't read field defs Lead.cApiTier.");
  });
});

describe('layouts', () => {
  it('puts, gets, reads the original and resets a layout', async () => {
    const original = await layouts.getOriginal(client, 'Lead', 'list');
    expect(Array.isArray(original)).toBe(true);
    const custom = [{ name: 'name', link: true }, { name: 'status', width: 20 }];
    expect(await layouts.put(client, 'Lead', 'list', custom)).toEqual(custom);
    expect(await layouts.get(client, 'Lead', 'list')).toEqual(custom);
    const reset = await layouts.resetToDefault(client, 'Lead', 'list');
    expect(reset).toEqual(original);
    expect(await layouts.get(client, 'Lead', 'list')).toEqual(original);
  });

  it('an unknown layout is a 404 with the reason', async () => {
    const e = await errorOf(layouts.get(client, 'Lead', 'noSuchLayout'));
    expect(e).toBeInstanceOf(EspoNotFoundError);
    expect((e as Error).message).toMatch(/Layout Lead:noSuchLayout is not found\./);
  });
});

describe('records', () => {
  it('lists with where, select, order and paging; counts with maxSize 0', async () => {
    const all = await records.list(client, 'Lead', { maxSize: 0 });
    expect(all.list).toEqual([]);
    expect(all.total).toBeGreaterThanOrEqual(20);
    const mark = sb.requests.length;
    const page = await records.list<{ id: string; lastName: string }>(client, 'Lead', {
      maxSize: 5, offset: 2, select: ['id', 'lastName'], orderBy: 'lastName', order: 'asc',
      where: [{ type: 'isNotNull', attribute: 'lastName' }],
    });
    expect(page.list).toHaveLength(5);
    expect(page.list.every((r) => typeof r.lastName === 'string')).toBe(true);
    const sent = new URLSearchParams(sb.requests[mark]?.query);
    expect(Object.fromEntries(sent)).toEqual({
      maxSize: '5', offset: '2', select: 'id,lastName', orderBy: 'lastName', order: 'asc',
      'where[0][type]': 'isNotNull', 'where[0][attribute]': 'lastName',
    });
  });

  it('listText returns the answer unparsed (the same records as list); parseList reads it; errors stay typed', async () => {
    const params = { maxSize: 3, offset: 1, select: ['id', 'lastName'], orderBy: 'createdAt', order: 'asc' as const };
    const text = await records.listText(client, 'Lead', params);
    expect(typeof text).toBe('string');
    const parsed = records.parseList(client, 'Lead', text);
    expect(parsed).toEqual(await records.list(client, 'Lead', params));
    expect(parsed.list).toHaveLength(3);
    expect(() => records.parseList(client, 'Lead', '{"list": "nope"}')).toThrow(/answered Lead without a \{ total, list \} answer/);
    expect(() => records.parseList(client, 'Lead', '<html>')).toThrow(/answered Lead without/);
    const e = await errorOf(records.listText(client, 'NoSuchEntity', params));
    expect(e).toBeInstanceOf(EspoNotFoundError);
  });

  it('filters with nested and/in where items', async () => {
    const created = await records.create(client, 'Lead', { firstName: 'Wherely', lastName: 'Nestorson', status: 'New' }, { skipDuplicateCheck: true, auth: 'admin' });
    const found = await records.list(client, 'Lead', {
      select: ['id'],
      where: [{ type: 'and', value: [{ type: 'equals', attribute: 'lastName', value: 'Nestorson' }, { type: 'in', attribute: 'status', value: ['New', 'Assigned'] }] }],
    });
    expect(found.list.map((r) => r.id)).toEqual([created.id]);
  });

  it('the API user without create access gets the reason', async () => {
    const e = await errorOf(records.create(client, 'Lead', { lastName: 'Nope' }));
    expect(e).toBeInstanceOf(EspoForbiddenError);
    expect((e as Error).message).toMatch(/No create access\./);
  });

  it('creates, reads, updates, flags duplicates, merges and deletes (as the admin)', async () => {
    const asAdmin = { auth: 'admin' } as const;
    const a = await records.create(client, 'Lead', { firstName: 'Merle', lastName: 'Mergeton', emailAddress: 'merle@merge.example' }, asAdmin);
    const dup = await errorOf(records.create(client, 'Lead', { firstName: 'Other', lastName: 'Person', emailAddress: 'MERLE@merge.example' }, asAdmin));
    expect(dup).toBeInstanceOf(EspoConflictError);
    expect((dup as EspoConflictError).duplicates?.map((d) => d.id)).toContain(a.id);

    const b = await records.create(client, 'Lead', { firstName: 'Merle', lastName: 'Mergeton', emailAddress: 'merle2@merge.example' }, { skipDuplicateCheck: true, ...asAdmin });
    expect((await records.read(client, 'Lead', b.id as string)).lastName).toBe('Mergeton');
    expect((await records.update(client, 'Lead', b.id as string, { title: 'Dr' }, asAdmin)).title).toBe('Dr');

    const merged = await records.merge(client, 'Lead', a.id as string, [b.id as string], { title: 'Dr' }, asAdmin);
    expect(merged.id).toBe(a.id);
    expect(merged.title).toBe('Dr');

    expect(await records.delete(client, 'Lead', a.id as string, asAdmin)).toBe(true);
    expect(await errorOf(records.delete(client, 'Lead', a.id as string, asAdmin))).toBeInstanceOf(EspoNotFoundError);
  });
});

describe('admin', () => {
  it('rebuilds and clears the cache', async () => {
    expect(await admin.rebuild(client)).toBe(true);
    expect(await admin.clearCache(client)).toBe(true);
  });
});
