import { describe, expect, it } from 'vitest';
import { SandboxHttpError } from '../../../src/sandbox/errors.js';
import { RecordStore } from '../../../src/sandbox/records/index.js';
import type { EntityCatalog, EntityDefs, FieldDef, Json, RecordAttributes } from '../../../src/sandbox/types.js';

/** A small, mutable catalog shaped like EspoCRM 9's metadata for Lead, Contact and Account. */
class TestCatalog implements EntityCatalog {
  readonly defs: Record<string, EntityDefs>;
  readonly scopes: Record<string, Record<string, Json>>;
  constructor() {
    const system = (): Record<string, FieldDef> => ({
      createdAt: { type: 'datetime', readOnly: true },
      modifiedAt: { type: 'datetime', readOnly: true },
      createdBy: { type: 'link', readOnly: true },
      modifiedBy: { type: 'link', readOnly: true },
      assignedUser: { type: 'link' },
      teams: { type: 'linkMultiple' },
    });
    const channels = (): Record<string, FieldDef> => ({
      emailAddress: { type: 'email' },
      phoneNumber: { type: 'phone', typeList: ['Mobile', 'Office', 'Home', 'Fax', 'Other'], defaultType: 'Mobile' },
      emailAddressIsOptedOut: { type: 'bool', notStorable: true },
      phoneNumberIsOptedOut: { type: 'bool', notStorable: true },
    });
    const person = (): Record<string, FieldDef> => ({
      name: { type: 'personName', dependeeAttributeList: ['emailAddress', 'phoneNumber', 'accountName'] },
      salutationName: { type: 'enum', options: ['', 'Mr.', 'Ms.', 'Mrs.', 'Dr.'] },
      firstName: { type: 'varchar', maxLength: 100, pattern: '$noBadCharacters' },
      lastName: { type: 'varchar', maxLength: 100, pattern: '$noBadCharacters' },
    });
    const links = { assignedUser: { type: 'belongsTo', entity: 'User' }, createdBy: { type: 'belongsTo', entity: 'User' }, teams: { type: 'hasMany', entity: 'Team' } };
    const collection = (textFilterFields: string[]) => ({ orderBy: 'createdAt', order: 'desc' as const, textFilterFields });
    this.defs = {
      Lead: {
        fields: {
          ...person(),
          status: { type: 'enum', options: ['New', 'Assigned', 'In Process', 'Converted', 'Recycled', 'Dead'], default: 'New' },
          source: { type: 'enum', options: ['', 'Call', 'Email', 'Web Site'] },
          accountName: { type: 'varchar', maxLength: 255 },
          ...channels(),
          doNotCall: { type: 'bool' },
          description: { type: 'text' },
          opportunityAmount: { type: 'currency' },
          cMcpTier: { type: 'enum', options: ['Gold', 'Silver', 'Bronze', 'Platinum'], default: 'Gold', isCustom: true },
          cMcpTags: { type: 'multiEnum', options: ['alpha', 'beta', 'gamma'], default: [], isCustom: true },
          cScore: { type: 'int', min: 0, max: 100, isCustom: true },
          ...system(),
        },
        links,
        collection: collection(['name', 'accountName', 'emailAddress']),
      },
      Contact: {
        fields: { ...person(), lastName: { type: 'varchar', maxLength: 100, required: true }, ...channels(), account: { type: 'link' }, ...system() },
        links: { ...links, account: { type: 'belongsTo', entity: 'Account' } },
        collection: collection(['name', 'emailAddress']),
      },
      Account: {
        fields: { name: { type: 'varchar', maxLength: 249, required: true }, website: { type: 'url' }, ...channels(), ...system() },
        links,
        collection: collection(['name', 'emailAddress']),
      },
    };
    const scope = { entity: true, stream: true, duplicateCheckFieldList: ['name', 'emailAddress'] };
    this.scopes = { Lead: { ...scope }, Contact: { ...scope }, Account: { ...scope } };
  }
  entityDefs(entityType: string): EntityDefs | undefined {
    return this.defs[entityType];
  }
  scope(entityType: string): Record<string, Json> | undefined {
    return this.scopes[entityType];
  }
}

function setup(start = Date.parse('2026-11-28T19:13:14Z')) {
  const catalog = new TestCatalog();
  let now = start;
  const clock = {
    advance: (ms: number) => (now += ms),
  };
  const store = new RecordStore(catalog, { now: () => new Date(now), random: () => 0.5 });
  return { catalog, store, clock };
}

/** Runs fn, expecting a SandboxHttpError; returns it. */
function failure(fn: () => unknown): SandboxHttpError {
  try {
    fn();
  } catch (error) {
    if (error instanceof SandboxHttpError) return error;
    throw error;
  }
  throw new Error('expected a SandboxHttpError');
}

const noHeader = { skipDuplicateCheck: undefined };
const admin = { noTotal: false, isAdmin: true };
const q = (s: string) => new URLSearchParams(s);
const ids = (result: { list: RecordAttributes[] }) => result.list.map((r) => r.id);

// Request bodies as recorded against EspoCRM 9.1.7 (test/fixtures/recorded/exchanges.jsonl).
const john = { firstName: 'John', lastName: 'Doe', emailAddress: 'john.doe@example.com', phoneNumber: '+15550100001', accountName: 'Acme Inc', status: 'New', source: 'Web Site', cMcpTier: 'Gold', cMcpTags: ['alpha'] };
const jane = { firstName: 'Jane', lastName: 'Smith', emailAddress: 'jane.smith@example.com', phoneNumber: '+15550100002', accountName: 'Globex', status: 'Assigned', source: 'Call', cMcpTier: 'Silver', cMcpTags: ['beta'] };
const peter = { firstName: 'Peter', lastName: 'Parker', emailAddress: 'peter.parker@example.com', phoneNumber: '+15550100003', accountName: 'Daily Bugle', status: 'In Process', source: 'Email', cMcpTier: 'Bronze', cMcpTags: ['alpha', 'gamma'] };

function seeded() {
  const s = setup();
  const created = [john, jane, peter].map((body) => {
    s.clock.advance(1000);
    return s.store.create('Lead', body, noHeader);
  });
  return { ...s, created };
}

describe('create', () => {
  it('returns the stored attributes with an EspoCRM-like id and timestamps', () => {
    const { store } = setup();
    const lead = store.create('Lead', john, noHeader);
    expect(lead.id).toMatch(/^[0-9a-f]{17}$/);
    expect(lead).toMatchObject({
      name: 'John Doe',
      deleted: false,
      status: 'New',
      emailAddress: 'john.doe@example.com',
      phoneNumber: '+15550100001',
      emailAddressIsOptedOut: false,
      phoneNumberIsInvalid: false,
      createdAt: '2026-11-28 19:13:14',
      modifiedAt: '2026-11-28 19:13:14',
      cMcpTags: ['alpha'],
      emailAddressData: [{ emailAddress: 'john.doe@example.com', lower: 'john.doe@example.com', primary: true, optOut: false, invalid: false }],
      phoneNumberData: [{ phoneNumber: '+15550100001', type: 'Mobile', primary: true, optOut: false, invalid: false }],
    });
  });

  it('gives ids that grow with time, even within one millisecond', () => {
    const { store, clock } = setup();
    const a = store.create('Lead', { lastName: 'A' }, noHeader);
    const b = store.create('Lead', { lastName: 'B' }, noHeader);
    clock.advance(5000);
    const c = store.create('Lead', { lastName: 'C' }, noHeader);
    expect(String(a.id) < String(b.id)).toBe(true);
    expect(String(b.id) < String(c.id)).toBe(true);
  });

  it('applies defaults and accepts a lead without last name (recorded)', () => {
    const { store } = setup();
    const lead = store.create('Lead', { firstName: 'NoLastName' }, noHeader);
    expect(lead).toMatchObject({ name: 'NoLastName', status: 'New', cMcpTier: 'Gold', cMcpTags: [], doNotCall: false });
    expect(lead).not.toHaveProperty('lastName');
  });

  it.each([
    [{ lastName: 'BadEnum', status: 'NotAStatus' }, 'status', 'valid'],
    [{ lastName: 'BadEmail', emailAddress: 'not-an-email' }, 'emailAddress', 'emailAddress'],
    [{ firstName: 'Peter', lastName: 'P.', phoneNumber: '555.010.0003' }, 'phoneNumber', 'valid'],
    [{ lastName: 'X', emailAddressData: [{ emailAddress: 'ok@example.com' }, { emailAddress: 'broken@' }] }, 'emailAddress', 'emailAddress'],
    [{ lastName: 'X', phoneNumberData: [{ phoneNumber: '+15550100009', type: 'Pager' }] }, 'phoneNumber', 'valid'],
    [{ lastName: 'X', cMcpTags: ['alpha', 'delta'] }, 'cMcpTags', 'valid'],
    [{ lastName: 'X', firstName: 'a<b' }, 'firstName', 'pattern'],
    [{ lastName: 'x'.repeat(101) }, 'lastName', 'maxLength'],
    [{ lastName: 'X', cScore: 101 }, 'cScore', 'max'],
    [{ lastName: 'X', cScore: 'many' }, 'cScore', 'valid'],
  ])('rejects %j with a field validation failure', (body, field, type) => {
    const { store } = setup();
    const error = failure(() => store.create('Lead', body, noHeader));
    expect(error.status).toBe(400);
    expect(error.reason).toBe(`Field validation failure; entityType: Lead, field: ${field}, type: ${type}.`);
    expect(error.body).toEqual({ messageTranslation: { label: 'validationFailure', scope: null, data: { field, type } } });
    expect(store.count('Lead')).toBe(0);
  });

  it('checks required fields on create', () => {
    const { store } = setup();
    expect(failure(() => store.create('Contact', { firstName: 'Only' }, noHeader)).reason).toBe(
      'Field validation failure; entityType: Contact, field: lastName, type: required.',
    );
    expect(failure(() => store.create('Account', { website: 'https://x.example' }, noHeader)).reason).toBe(
      'Field validation failure; entityType: Account, field: name, type: required.',
    );
  });

  it('stores phones in E.164 when they start with + (recorded: spaces, parentheses)', () => {
    const { store } = setup();
    expect(store.create('Lead', { firstName: 'P', lastName: 'Parker 3', phoneNumber: '+1 555 010 0003' }, noHeader).phoneNumber).toBe('+15550100003');
    expect(store.create('Lead', { firstName: 'Pete', lastName: 'Parker-Alt', phoneNumber: '+1 (555) 010-0003' }, noHeader).phoneNumber).toBe('+15550100003');
    expect(store.create('Lead', { lastName: 'FR', phoneNumber: ' +33 6 12 34 56 78 ' }, noHeader).phoneNumber).toBe('+33612345678');
  });

  it('ignores unknown, derived and read-only attributes', () => {
    const { store } = setup();
    const lead = store.create('Lead', { lastName: 'X', id: 'forced', name: 'Other Name', createdAt: '2000-01-01 00:00:00', noSuch: 1, deleted: true }, noHeader);
    expect(lead.id).not.toBe('forced');
    expect(lead).toMatchObject({ name: 'X', deleted: false, createdAt: '2026-11-28 19:13:14' });
    expect(lead).not.toHaveProperty('noSuch');
  });

  it('records the creating user when given', () => {
    const { store } = setup();
    const lead = store.create('Lead', { lastName: 'X' }, { skipDuplicateCheck: undefined, user: { id: 'u1', name: 'Admin' } });
    expect(lead).toMatchObject({ createdById: 'u1', createdByName: 'Admin' });
  });
});

describe('duplicate check on create', () => {
  it.each([
    ['the same email', { firstName: 'Johnny', lastName: 'Doeson', emailAddress: 'john.doe@example.com' }, 'John Doe'],
    ['the same email in another case', { firstName: 'J', lastName: 'D', emailAddress: 'John.Doe@EXAMPLE.com' }, 'John Doe'],
    ['the same name', { firstName: 'Jane', lastName: 'Smith', emailAddress: 'jsmith@other.example' }, 'Jane Smith'],
    ['the same name in another case', { firstName: 'jane', lastName: 'SMITH' }, 'Jane Smith'],
    [
      'an email of emailAddressData',
      { firstName: 'Other', lastName: 'Person', emailAddressData: [{ emailAddress: 'x1@example.com', primary: true }, { emailAddress: 'peter.parker@example.com', primary: false }] },
      'Peter Parker',
    ],
  ])('answers 409 duplicate with a bare array for %s', (_, body, name) => {
    const { store } = seeded();
    const error = failure(() => store.create('Lead', body, noHeader));
    expect(error.status).toBe(409);
    expect(error.reason).toBe('duplicate');
    expect(Array.isArray(error.body)).toBe(true);
    const [first] = error.body as RecordAttributes[];
    expect(first).toMatchObject({ name, deleted: false });
    // Duplicates are list rows: no *Data lists.
    expect(first).not.toHaveProperty('emailAddressData');
    expect(store.count('Lead')).toBe(3);
  });

  it('does not check phone numbers (recorded)', () => {
    const { store } = seeded();
    expect(store.create('Lead', { firstName: 'Pete', lastName: 'Parker-Alt', phoneNumber: '+1 (555) 010-0003' }, noHeader).phoneNumber).toBe('+15550100003');
    expect(store.create('Lead', { firstName: 'Bruce', lastName: 'W.', phoneNumber: '+15550100002' }, noHeader).id).toBeTruthy();
  });

  it('matches a person with a missing part against the same missing part', () => {
    const { store } = setup();
    store.create('Lead', { firstName: 'NoLastName' }, noHeader);
    expect(failure(() => store.create('Lead', { firstName: 'nolastname' }, noHeader)).status).toBe(409);
    expect(store.create('Lead', { firstName: 'NoLastName', lastName: 'Now' }, noHeader).name).toBe('NoLastName Now');
  });

  it('honours the header, and the legacy body flag only when the header is absent', () => {
    const { store } = seeded();
    const dup = { firstName: 'Johnny', lastName: 'Doe', emailAddress: 'john.doe@example.com' };
    expect(store.create('Lead', dup, { skipDuplicateCheck: true }).emailAddress).toBe('john.doe@example.com');
    expect(failure(() => store.create('Lead', { firstName: 'Jane', lastName: 'Smith' }, { skipDuplicateCheck: false })).status).toBe(409);
    expect(store.create('Lead', { firstName: 'Jane', lastName: 'Smith', _skipDuplicateCheck: true }, noHeader).name).toBe('Jane Smith');
    expect(failure(() => store.create('Lead', { firstName: 'Jane', lastName: 'Smith', _skipDuplicateCheck: true }, { skipDuplicateCheck: false })).status).toBe(409);
  });

  it('returns at most 5 duplicates and ignores soft-deleted records', () => {
    const { store } = setup();
    const made = Array.from({ length: 7 }, () => store.create('Lead', { firstName: 'Same', lastName: 'Name' }, { skipDuplicateCheck: true }));
    expect((failure(() => store.create('Lead', { firstName: 'Same', lastName: 'Name' }, noHeader)).body as unknown[]).length).toBe(5);
    for (const lead of made) store.delete('Lead', String(lead.id));
    expect(store.create('Lead', { firstName: 'Same', lastName: 'Name' }, noHeader).name).toBe('Same Name');
  });

  it('compares company names case- and accent-insensitively', () => {
    const { store } = setup();
    store.create('Account', { name: 'Société Générale' }, noHeader);
    expect(failure(() => store.create('Account', { name: 'SOCIETE GENERALE' }, noHeader)).reason).toBe('duplicate');
    expect(store.create('Account', { name: 'Societe Generale SA' }, noHeader).name).toBe('Societe Generale SA');
  });
});

describe('read, update, delete', () => {
  it('reads all attributes, with the detail-only ones', () => {
    const { store, created } = seeded();
    const lead = store.read('Lead', String(created[1]!.id), { isAdmin: false });
    expect(lead).toMatchObject({ name: 'Jane Smith', salutationName: null, assignedUserId: null, teamsIds: [], teamsNames: {}, isFollowed: false, opportunityAmountCurrency: null });
    expect(lead.emailAddressData).toHaveLength(1);
  });

  it('answers 404 for a missing record', () => {
    const { store } = setup();
    const error = failure(() => store.read('Lead', 'nonexistentid000', { isAdmin: true }));
    expect([error.status, error.reason]).toEqual([404, 'Record nonexistentid000 does not exist.']);
  });

  it('soft-deletes: true, then 404 "not found"; admins still read it with deleted: true', () => {
    const { store, created } = seeded();
    const id = String(created[0]!.id);
    expect(store.delete('Lead', id)).toBe(true);
    const again = failure(() => store.delete('Lead', id));
    expect([again.status, again.reason]).toEqual([404, `Record ${id} not found.`]);
    expect(store.read('Lead', id, { isAdmin: true })).toMatchObject({ id, deleted: true, name: 'John Doe' });
    expect(failure(() => store.read('Lead', id, { isAdmin: false })).reason).toBe(`Record ${id} does not exist.`);
    expect(ids(store.list('Lead', q(''), admin))).not.toContain(id);
    expect(failure(() => store.update('Lead', id, { lastName: 'Back' })).reason).toBe(`Record ${id} not found.`);
  });

  it('updates partially and returns all attributes (recorded custom fields)', () => {
    const { store, created, clock } = seeded();
    const id = String(created[2]!.id);
    clock.advance(60_000);
    const updated = store.update('Lead', id, { cMcpTier: 'Platinum', cMcpTags: ['beta', 'gamma'] }, { user: { id: 'u1', name: 'Admin' } });
    expect(updated).toMatchObject({ name: 'Peter Parker', status: 'In Process', cMcpTier: 'Platinum', cMcpTags: ['beta', 'gamma'], modifiedById: 'u1' });
    expect(updated.modifiedAt).not.toBe(updated.createdAt);
    expect(updated).toHaveProperty('description', null);
  });

  it('validates on update and keeps the record unchanged on failure', () => {
    const { store, created } = seeded();
    const id = String(created[2]!.id);
    const error = failure(() => store.update('Lead', id, { cMcpTags: ['notAnOption'] }));
    expect(error.reason).toBe('Field validation failure; entityType: Lead, field: cMcpTags, type: valid.');
    expect(store.read('Lead', id, { isAdmin: true }).cMcpTags).toEqual(['alpha', 'gamma']);
  });

  it('does not check duplicates on update (recorded)', () => {
    const { store, created } = seeded();
    const updated = store.update('Lead', String(created[0]!.id), { emailAddress: 'peter.parker@example.com' });
    expect(updated.emailAddress).toBe('peter.parker@example.com');
  });

  it('replaces the primary address with `emailAddress`, the whole list with `emailAddressData`', () => {
    const { store, created } = seeded();
    const id = String(created[0]!.id);
    store.update('Lead', id, { emailAddressData: [{ emailAddress: 'a@example.com' }, { emailAddress: 'b@example.com', primary: true, optOut: true }] });
    expect(store.read('Lead', id, { isAdmin: true })).toMatchObject({ emailAddress: 'b@example.com', emailAddressIsOptedOut: true });
    const after = store.update('Lead', id, { emailAddress: 'c@example.com' });
    expect((after.emailAddressData as RecordAttributes[]).map((d) => [d.emailAddress, d.primary])).toEqual([
      ['c@example.com', true],
      ['a@example.com', false],
    ]);
    expect(store.update('Lead', id, { emailAddress: null }).emailAddress).toBe('a@example.com');
  });

  it('follows the live catalog: new fields read as null (bool false), removed fields disappear', () => {
    const { store, created, catalog } = seeded();
    const id = String(created[0]!.id);
    catalog.defs.Lead!.fields.cRegion = { type: 'varchar', isCustom: true };
    catalog.defs.Lead!.fields.cVip = { type: 'bool', isCustom: true };
    expect(store.read('Lead', id, { isAdmin: true })).toMatchObject({ cRegion: null, cVip: false });
    expect(store.list('Lead', q('maxSize=1'), admin).list[0]).toHaveProperty('cRegion', null);
    store.update('Lead', id, { cRegion: 'EMEA' });
    delete catalog.defs.Lead!.fields.cRegion;
    expect(store.read('Lead', id, { isAdmin: true })).not.toHaveProperty('cRegion');
    // As in EspoCRM, the column (and its data) survives a field deletion.
    catalog.defs.Lead!.fields.cRegion = { type: 'varchar', isCustom: true };
    expect(store.read('Lead', id, { isAdmin: true }).cRegion).toBe('EMEA');
  });

  it('resolves link names from stored records', () => {
    const { store } = setup();
    const account = store.create('Account', { name: 'Acme Inc' }, noHeader);
    const contact = store.create('Contact', { lastName: 'Roe', accountId: account.id }, noHeader);
    expect(contact).toMatchObject({ accountId: account.id, accountName: 'Acme Inc' });
    const where = `where[0][type]=equals&where[0][attribute]=account.name&where[0][value]=acme inc`;
    expect(ids(store.list('Contact', q(where), admin))).toEqual([contact.id]);
  });

  it('answers 404 for an unknown entity type', () => {
    const { store } = setup();
    expect(failure(() => store.list('Nope', q(''), admin)).status).toBe(404);
  });
});

describe('list parameters', () => {
  function many(n: number) {
    const s = setup();
    s.store.insert(
      'Lead',
      Array.from({ length: n }, (_, i) => ({
        id: `6b0b2800000${String(i).padStart(6, '0')}`,
        firstName: 'Bulk',
        lastName: `Lead ${i}`,
        emailAddress: `bulk${i}@bulk.example`,
        status: i % 2 ? 'New' : 'Assigned',
        createdAt: `2026-11-28 19:${String(10 + Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
      })),
    );
    return s;
  }

  it('defaults maxSize to 200, refuses more than 200 with 403, counts with 0', () => {
    const { store } = many(219);
    const all = store.list('Lead', q('select=id'), admin);
    expect([all.total, all.list.length]).toEqual([219, 200]);
    for (const size of ['201', '1000']) {
      const error = failure(() => store.list('Lead', q(`maxSize=${size}`), admin));
      expect([error.status, error.reason]).toEqual([403, 'Max size should not exceed 200. Use offset and limit.']);
    }
    expect(store.list('Lead', q('maxSize=0&select=id'), admin)).toEqual({ total: 219, list: [] });
    expect(store.list('Lead', q('maxSize=200&offset=200'), admin).list).toHaveLength(19);
  });

  it('orders by createdAt desc by default, ties broken by id; asc and legacy sortBy/asc work', () => {
    const { store } = many(5);
    expect(ids(store.list('Lead', q('select=id'), admin))).toEqual(['6b0b2800000000004', '6b0b2800000000003', '6b0b2800000000002', '6b0b2800000000001', '6b0b2800000000000']);
    expect(ids(store.list('Lead', q('orderBy=createdAt&order=ASC'), admin))[0]).toBe('6b0b2800000000000');
    expect(ids(store.list('Lead', q('sortBy=lastName&asc=false'), admin))[0]).toBe('6b0b2800000000004');
    const error = failure(() => store.list('Lead', q('orderBy=noSuchField&select=id&maxSize=2'), admin));
    expect([error.status, error.reason]).toEqual([400, "Order by non-existing field 'noSuchField'."]);
    expect(failure(() => store.list('Lead', q('order=sideways'), admin)).reason).toBe('order value is bad.');
  });

  it('orders enums by option position and persons by first then last name', () => {
    const { store } = setup();
    for (const [firstName, status] of [['B', 'Dead'], ['A', 'In Process'], ['C', 'New']] as const) store.create('Lead', { firstName, lastName: 'Z', status }, noHeader);
    expect(store.list('Lead', q('orderBy=status&order=asc'), admin).list.map((r) => r.status)).toEqual(['New', 'In Process', 'Dead']);
    expect(store.list('Lead', q('orderBy=name&order=desc'), admin).list.map((r) => r.firstName)).toEqual(['C', 'B', 'A']);
  });

  it('selects id, known attributes, their dependees, the order attributes and the ACL ones', () => {
    const { store } = seeded();
    const row = store.list('Lead', q('select=id,noSuchField&maxSize=1'), admin).list[0]!;
    expect(Object.keys(row).sort()).toEqual(['assignedUserId', 'createdAt', 'createdById', 'id']);
    const named = store.list('Lead', q('select=id,name&maxSize=1'), admin).list[0]!;
    expect(Object.keys(named).sort()).toEqual(['accountName', 'assignedUserId', 'createdAt', 'createdById', 'emailAddress', 'id', 'name', 'phoneNumber'].sort());
    const byName = store.list('Lead', q('select=id&orderBy=name&maxSize=1'), admin).list[0]!;
    expect(byName).toHaveProperty('firstName');
    expect(byName).not.toHaveProperty('createdAt');
  });

  it('returns list rows without *Data lists when nothing is selected', () => {
    const { store } = seeded();
    const row = store.list('Lead', q('maxSize=1'), admin).list[0]!;
    expect(row).toMatchObject({ deleted: false, emailAddressIsOptedOut: false });
    expect(row).not.toHaveProperty('emailAddressData');
    expect(row).not.toHaveProperty('teamsIds');
  });

  it('reads searchParams JSON and then ignores the separate parameters', () => {
    const { store } = seeded();
    const sp = JSON.stringify({ maxSize: 2, select: ['id', 'name'], where: [{ type: 'equals', attribute: 'lastName', value: 'Smith' }], orderBy: 'name', order: 'asc' });
    const result = store.list('Lead', q(`searchParams=${encodeURIComponent(sp)}&maxSize=1000&where[0][type]=isNull&where[0][attribute]=id`), admin);
    expect(result.total).toBe(1);
    expect(result.list[0]).toMatchObject({ name: 'Jane Smith' });
    expect(failure(() => store.list('Lead', q('searchParams={bad'), admin)).reason).toBe('Invalid search params JSON.');
    expect(failure(() => store.list('Lead', q(`searchParams=${encodeURIComponent('{"maxSize":"x"}')}`), admin)).reason).toBe('maxSize must be integer.');
  });

  it('prefers the whereGroup and attributeSelect aliases', () => {
    const { store } = seeded();
    const result = store.list('Lead', q('whereGroup[0][type]=equals&whereGroup[0][attribute]=lastName&whereGroup[0][value]=Doe&where[0][type]=isNull&where[0][attribute]=id&attributeSelect=id,status&select=id,name'), admin);
    expect(result.total).toBe(1);
    expect(result.list[0]).toHaveProperty('status', 'New');
    expect(result.list[0]).not.toHaveProperty('name');
  });

  it('filters text with textFilter/q over textFilterFields (starts with, * as wildcard); q skips the count', () => {
    const { store } = seeded();
    store.create('Lead', { firstName: 'P', lastName: 'Parker 3', phoneNumber: '+1 555 010 0003' }, noHeader);
    const textFilter = store.list('Lead', q('textFilter=Parker&select=id,name'), admin);
    expect([textFilter.total, textFilter.list.length]).toEqual([2, 2]);
    expect(store.list('Lead', q('q=Parker&select=id,name'), admin).total).toBe(-2);
    expect(store.list('Lead', q('textFilter=5550100003'), admin).total).toBe(0);
    expect(store.list('Lead', q('textFilter=*bugle'), admin).list.map((r) => r.name)).toEqual(['Peter Parker']);
    expect(store.list('Lead', q('textFilter=jane.smith@'), admin).total).toBe(1);
    expect(store.list('Lead', q('textFilter=smith jane'), admin).total).toBe(1);
  });

  it('gives total -1 (more rows) or -2 (no more) with X-No-Total and with countDisabled', () => {
    const { store, catalog } = seeded();
    expect(store.list('Lead', q('maxSize=2'), { noTotal: true, isAdmin: true }).total).toBe(-1);
    expect(store.list('Lead', q('maxSize=3'), { noTotal: true, isAdmin: true }).total).toBe(-2);
    catalog.defs.Lead!.collection = { ...catalog.defs.Lead!.collection, countDisabled: true };
    expect(store.list('Lead', q('maxSize=1'), admin).total).toBe(-1);
  });

  it('pages consistently and reflects writes between pages', () => {
    const { store } = many(450);
    const seen = new Set<Json>();
    for (let offset = 0; offset < 450; offset += 200) {
      for (const row of store.list('Lead', q(`maxSize=200&offset=${offset}&orderBy=createdAt&order=asc&select=id`), admin).list) seen.add(row.id!);
    }
    expect(seen.size).toBe(450);
    store.delete('Lead', '6b0b2800000000000');
    expect(store.list('Lead', q('maxSize=1&orderBy=createdAt&order=asc'), admin)).toMatchObject({ total: 449, list: [{ id: '6b0b2800000000001' }] });
  });
});

describe('where', () => {
  const where = (items: unknown[]) => `searchParams=${encodeURIComponent(JSON.stringify({ where: items }))}`;

  it('matches emails case-insensitively against every address; phones only in the stored format (recorded)', () => {
    const { store, created } = seeded();
    store.update('Lead', String(created[0]!.id), { emailAddressData: [{ emailAddress: 'john.doe@example.com', primary: true }, { emailAddress: 'jd@work.example' }] });
    const byEmail = (v: string) => store.list('Lead', q(`where[0][type]=equals&where[0][attribute]=emailAddress&where[0][value]=${encodeURIComponent(v)}`), admin).total;
    expect(byEmail('JOHN.DOE@example.com')).toBe(1);
    expect(byEmail('jd@work.example')).toBe(1);
    const byPhone = (v: string) => store.list('Lead', q(`where[0][type]=equals&where[0][attribute]=phoneNumber&where[0][value]=${encodeURIComponent(v)}`), admin).total;
    expect([byPhone('+1 (555) 010-0003'), byPhone('15550100003'), byPhone('+15550100003')]).toEqual([0, 0, 1]);
    expect(store.list('Lead', q('where[0][type]=like&where[0][attribute]=phoneNumber&where[0][value]=%250100003'), admin).total).toBe(1);
    // notEquals on an address: records with no matching address, including those without any.
    store.create('Lead', { lastName: 'NoMail' }, noHeader);
    expect(store.list('Lead', q(where([{ type: 'notEquals', attribute: 'emailAddress', value: 'jd@work.example' }])), admin).total).toBe(3);
  });

  it('reads PHP-style nested parameters: in, and, isNotNull, arrayAnyOf, the legacy field key', () => {
    const { store } = seeded();
    expect(store.list('Lead', q('where[0][type]=in&where[0][attribute]=status&where[0][value][]=New&where[0][value][]=Assigned&select=id,status'), admin).total).toBe(2);
    const nested = 'where[0][type]=and&where[0][value][0][type]=equals&where[0][value][0][attribute]=lastName&where[0][value][0][value]=Smith&where[0][value][1][type]=isNotNull&where[0][value][1][attribute]=emailAddress';
    expect(store.list('Lead', q(nested), admin).list.map((r) => r.name)).toEqual(['Jane Smith']);
    expect(store.list('Lead', q('where[0][type]=arrayAnyOf&where[0][attribute]=cMcpTags&where[0][value][]=gamma'), admin).list.map((r) => r.name)).toEqual(['Peter Parker']);
    expect(store.list('Lead', q('where[0][type]=equals&where[0][field]=cMcpTier&where[0][value]=Silver'), admin).list.map((r) => r.name)).toEqual(['Jane Smith']);
  });

  it.each([
    [[{ type: 'equals', attribute: 'noSuchAttr', value: 'x' }], "Not existing attribute 'noSuchAttr' in where."],
    [[{ type: 'noSuchType', attribute: 'lastName', value: 'x' }], "Unknown where item type 'noSuchType'."],
    [[{ type: 'equals', attribute: 'lastName', value: 'x', extra: 1 }], "Unknown parameter 'extra'."],
    [[{ type: 'or', value: [{ type: 'equals', attribute: 'nope', value: 1 }] }], "Not existing attribute 'nope' in where."],
    [[{ attribute: 'lastName', value: 'x' }], "No 'type' in where item."],
    [[{ type: 'equals', value: 'x' }], "No 'attribute' in where item."],
    [[{ type: 'in', attribute: 'status', value: 'New' }], "Bad where item 'in'."],
    [[{ type: 'linkedWith', attribute: 'nope', value: ['x'] }], "Not existing relation 'nope' in where."],
  ])('answers 400 for %j', (items, reason) => {
    const { store } = seeded();
    const error = failure(() => store.list('Lead', q(where(items)), admin));
    expect([error.status, error.reason]).toEqual([400, reason]);
  });

  it('implements the comparison, string, null, array and date types', () => {
    const { store, created } = seeded();
    store.update('Lead', String(created[0]!.id), { cScore: 10, doNotCall: true });
    store.update('Lead', String(created[1]!.id), { cScore: 50 });
    const count = (items: unknown[]) => store.list('Lead', q(where(items)), admin).total;
    expect(count([{ type: 'greaterThan', attribute: 'cScore', value: '10' }])).toBe(1);
    expect(count([{ type: 'greaterThanOrEquals', attribute: 'cScore', value: 10 }])).toBe(2);
    expect(count([{ type: 'lessThan', attribute: 'cScore', value: 50 }])).toBe(1);
    expect(count([{ type: 'between', attribute: 'cScore', value: [5, 50] }])).toBe(2);
    expect(count([{ type: 'isNull', attribute: 'cScore' }])).toBe(1);
    expect(count([{ type: 'notEquals', attribute: 'cScore', value: 10 }])).toBe(1); // NULL never matches <>
    expect(count([{ type: 'isTrue', attribute: 'doNotCall' }])).toBe(1);
    expect(count([{ type: 'isFalse', attribute: 'doNotCall' }])).toBe(2);
    expect(count([{ type: 'contains', attribute: 'accountName', value: 'BUG' }])).toBe(1);
    expect(count([{ type: 'startsWith', attribute: 'lastName', value: 'sm' }])).toBe(1);
    expect(count([{ type: 'endsWith', attribute: 'lastName', value: 'ER' }])).toBe(1);
    expect(count([{ type: 'like', attribute: 'firstName', value: 'J_%n%' }])).toBe(2);
    expect(count([{ type: 'notLike', attribute: 'firstName', value: 'J%' }])).toBe(1);
    expect(count([{ type: 'notContains', attribute: 'description', value: 'x' }])).toBe(0); // NULL never matches NOT LIKE
    expect(count([{ type: 'notIn', attribute: 'status', value: ['New'] }])).toBe(2);
    expect(count([{ type: 'arrayNoneOf', attribute: 'cMcpTags', value: ['alpha'] }])).toBe(1);
    expect(count([{ type: 'arrayAllOf', attribute: 'cMcpTags', value: ['alpha', 'gamma'] }])).toBe(1);
    expect(count([{ type: 'arrayIsEmpty', attribute: 'cMcpTags' }])).toBe(0);
    expect(count([{ type: 'arrayIsNotEmpty', attribute: 'cMcpTags' }])).toBe(3);
    expect(count([{ type: 'or', value: [{ type: 'equals', attribute: 'lastName', value: 'doe' }, { type: 'equals', attribute: 'lastName', value: 'smith' }] }])).toBe(2);
    expect(count([{ type: 'not', value: [{ type: 'equals', attribute: 'lastName', value: 'Doe' }] }])).toBe(2);
    expect(count([{ type: 'today', attribute: 'createdAt' }])).toBe(3);
    expect(count([{ type: 'on', attribute: 'createdAt', value: '2026-11-28' }])).toBe(3);
    expect(count([{ type: 'lastXDays', attribute: 'createdAt', value: 2 }])).toBe(3);
    expect(count([{ type: 'lastYear', attribute: 'createdAt' }])).toBe(0);
    expect(count([{ type: 'before', attribute: 'createdAt', value: '2026-11-28 19:13:16' }])).toBe(1);
    expect(count([{ type: 'isNotLinked', attribute: 'assignedUser' }])).toBe(3);
  });

  it('compares under a case- and accent-insensitive collation', () => {
    const { store } = setup();
    store.create('Lead', { firstName: 'Hélène', lastName: 'Müller' }, noHeader);
    const count = (v: string) => store.list('Lead', q(where([{ type: 'equals', attribute: 'lastName', value: v }])), admin).total;
    expect([count('MULLER'), count('müller'), count('Muller '), count('Mueller')]).toEqual([1, 1, 1, 0]);
  });
});

describe('merge (POST Action)', () => {
  function mergeSetup() {
    const s = seeded();
    const johnny = s.store.create('Lead', { firstName: 'Johnny', lastName: 'Doe', emailAddress: 'johnny@other.example', phoneNumber: '+15550100001', accountName: 'Acme Inc' }, { skipDuplicateCheck: true });
    return { ...s, target: String(s.created[0]!.id), source: String(johnny.id) };
  }
  const body = (target: string, data: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({ entityType: 'Lead', action: 'merge', id: target, data, ...extra });

  it.each([
    [{ entityType: 'Lead', action: 'merge', data: { sourceIdList: ['x'], attributes: {} } }, 400, ''],
    [{ entityType: 'Lead', action: 'merge', id: 'T', data: { attributes: {} } }, 400, "No 'sourceIdList'."],
    [{ entityType: 'Lead', action: 'merge', id: 'T', data: { sourceIdList: ['S'] } }, 400, "No 'attributes'."],
    [{ entityType: 'Lead', action: 'noSuchAction', id: 'T', data: {} }, 404, "Action 'noSuchAction' not found."],
    [{ entityType: 'Nope', action: 'merge', id: 'T', data: {} }, 403, ''],
    [{ entityType: 'Lead', action: 'merge', id: 'nonexistentid000', data: { sourceIdList: ['S'], attributes: {} } }, 404, 'Record not found.'],
    [{ entityType: 'Lead', action: 'merge', id: 'T', data: { sourceIdList: ['nonexistentid000'], attributes: {} } }, 404, 'Source record not found.'],
  ])('answers %j with the recorded status and reason', (raw, status, reason) => {
    const { store, target, source } = mergeSetup();
    const swap = JSON.parse(JSON.stringify(raw).replaceAll('"T"', JSON.stringify(target)).replaceAll('"S"', JSON.stringify(source)));
    const error = failure(() => store.action(swap));
    expect([error.status, error.reason]).toEqual([status, reason]);
  });

  it('combines addresses on the target, applies attributes, soft-deletes the sources', () => {
    const { store, target, source } = mergeSetup();
    const merged = store.action(body(target, { sourceIdList: [source], attributes: { firstName: 'John', lastName: 'Doe', description: 'merged from Johnny Doe via MCP', cMcpTier: 'Platinum' } }));
    expect(merged).toMatchObject({ id: target, name: 'John Doe', description: 'merged from Johnny Doe via MCP', cMcpTier: 'Platinum', emailAddress: 'john.doe@example.com' });
    expect((merged.emailAddressData as RecordAttributes[]).map((d) => d.emailAddress)).toEqual(['john.doe@example.com', 'johnny@other.example']);
    expect((merged.phoneNumberData as RecordAttributes[]).map((d) => d.phoneNumber)).toEqual(['+15550100001']);
    expect(store.read('Lead', source, { isAdmin: true }).deleted).toBe(true);
    expect(failure(() => store.read('Lead', source, { isAdmin: false })).status).toBe(404);
    const again = failure(() => store.action(body(target, { sourceIdList: [source], attributes: {} })));
    expect([again.status, again.reason]).toEqual([404, 'Source record not found.']);
  });

  it('makes the address named in attributes the primary one', () => {
    const { store, target, source } = mergeSetup();
    const merged = store.action(body(target, { sourceIdList: [source], attributes: { emailAddress: 'johnny@other.example' } }));
    expect(merged.emailAddress).toBe('johnny@other.example');
    expect((merged.emailAddressData as RecordAttributes[]).filter((d) => d.primary)).toHaveLength(1);
  });
});

describe('mass actions (POST MassAction)', () => {
  it('deletes by ids and reports the ids', () => {
    const { store, created } = seeded();
    const result = store.massAction({ entityType: 'Lead', action: 'delete', params: { ids: [created[0]!.id, created[1]!.id, 'missing'] }, data: {} });
    expect(result).toEqual({ count: 2, ids: [created[0]!.id, created[1]!.id] });
    expect(store.count('Lead')).toBe(1);
  });

  it('deletes by where without listing ids', () => {
    const { store } = seeded();
    const result = store.massAction({ entityType: 'Lead', action: 'delete', params: { where: [{ type: 'in', attribute: 'status', value: ['New', 'Assigned'] }] } });
    expect(result).toEqual({ count: 2 });
  });

  it('updates values, adds to arrays, skips records that fail validation', () => {
    const { store, created } = seeded();
    const result = store.massAction({
      entityType: 'Lead',
      action: 'update',
      params: { searchParams: { where: [{ type: 'isNotNull', attribute: 'emailAddress' }] } },
      data: { values: { status: 'Dead', cMcpTags: ['beta'] }, actions: { cMcpTags: 'add' } },
    });
    expect(result).toEqual({ count: 3 });
    expect(store.read('Lead', String(created[0]!.id), { isAdmin: true })).toMatchObject({ status: 'Dead', cMcpTags: ['alpha', 'beta'] });
    const bad = store.massAction({ entityType: 'Lead', action: 'update', params: { ids: [created[0]!.id] }, data: { values: { status: 'Nope' } } });
    expect(bad).toEqual({ count: 0, ids: [] });
  });

  it.each([
    [{ entityType: 'Lead', action: 'delete' }, 400, ''],
    [{ entityType: 'Lead', action: 'delete', params: {} }, 400, 'Bad search params for mass action.'],
    [{ entityType: 'Lead', action: 'delete', params: { ids: ['a'], where: [] } }, 400, "Can't combine 'ids' and search params."],
    [{ entityType: 'Lead', action: 'explode', params: { ids: ['a'] } }, 404, "Mass action 'explode' not found."],
    [{ entityType: 'Nope', action: 'delete', params: { ids: ['a'] } }, 403, ''],
  ])('answers %j with %i', (raw, status, reason) => {
    const { store } = seeded();
    const error = failure(() => store.massAction(raw));
    expect([error.status, error.reason]).toEqual([status, reason]);
  });
});

describe('scale', () => {
  it('pages through 100k inserted leads (sorted once, cached until a write)', () => {
    const { store } = setup();
    const base = Date.parse('2022-01-01T00:00:00Z');
    const rows: RecordAttributes[] = [];
    for (let i = 0; i < 100_000; i++) {
      // Inserted out of time order on purpose: the store has to sort.
      const t = base + ((i * 7919) % 100_000) * 60_000;
      rows.push({ id: `${(Math.floor(t / 1000)).toString(16)}${i.toString(16).padStart(9, '0')}`, firstName: `F${i}`, lastName: `L${i}`, emailAddress: `u${i}@scale.example`, createdAt: new Date(t).toISOString().slice(0, 19).replace('T', ' ') });
    }
    store.insert('Lead', rows);
    let previous = '';
    for (let page = 0; page < 5; page++) {
      const result = store.list('Lead', q(`maxSize=200&offset=${page * 200}&orderBy=createdAt&order=asc&select=id,createdAt`), admin);
      expect(result.total).toBe(100_000);
      expect(result.list).toHaveLength(200);
      for (const row of result.list) {
        expect(String(row.createdAt) >= previous).toBe(true);
        previous = String(row.createdAt);
      }
    }
    expect(store.list('Lead', q('where[0][type]=equals&where[0][attribute]=emailAddress&where[0][value]=U99999@scale.example'), admin).total).toBe(1);
    expect(failure(() => store.create('Lead', { lastName: 'X', emailAddress: 'u5@scale.example' }, noHeader)).reason).toBe('duplicate');
  });
});
