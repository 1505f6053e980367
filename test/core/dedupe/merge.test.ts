import { describe, expect, it } from 'vitest';
import { planMerge, type DedupeRecord } from '../../../src/core/dedupe/index.js';
import { CoreError } from '../../../src/core/errors.js';

const target: DedupeRecord = {
  id: 't', firstName: 'Jean', lastName: 'Dupont', title: null, accountId: null, accountName: null,
  emailAddress: 'jean@acme.fr', emailAddressData: [{ emailAddress: 'jean@acme.fr' }], phoneNumber: null, addressCity: 'Lyon', cTags: [],
};
const s1: DedupeRecord = {
  id: 's1', firstName: 'Jean', lastName: 'DUPONT', title: 'CEO', accountId: 'acc1', accountName: 'Acme',
  emailAddress: 'jdupont@gmail.com', emailAddressData: [{ emailAddress: 'jdupont@gmail.com' }], phoneNumber: '+33612345678', addressCity: 'Paris', cTags: ['vip'],
};
const s2: DedupeRecord = {
  id: 's2', firstName: 'J.', lastName: 'Dupont', title: 'Directeur', accountId: 'acc2', accountName: 'Globex',
  emailAddress: null, phoneNumber: '+33699999999', addressCity: '', cTags: ['lead'],
};
const FIELDS = ['firstName', 'lastName', 'title', 'accountId', 'accountName', 'emailAddress', 'emailAddressData', 'phoneNumber', 'addressCity', 'cTags'];

describe('planMerge', () => {
  const plan = planMerge([s1, target, s2], 't', FIELDS);

  it('names the target and the sources in the order given', () => {
    expect(plan.targetId).toBe('t');
    expect(plan.sourceIds).toEqual(['s1', 's2']);
  });

  it("keeps the target's values and fills its empty ones from the first source that has one", () => {
    expect(plan.attributes).toEqual({
      firstName: 'Jean', lastName: 'Dupont', title: 'CEO', accountId: 'acc1', accountName: 'Acme',
      emailAddress: 'jean@acme.fr', phoneNumber: '+33612345678', addressCity: 'Lyon', cTags: ['vip'],
    });
  });

  it('lists each choice with where it came from and the other values', () => {
    const choice = (field: string) => plan.fieldChoices.find((c) => c.field === field);
    expect(choice('lastName')).toEqual({ field: 'lastName', value: 'Dupont', from: 't', alternatives: [{ from: 's1', value: 'DUPONT' }] });
    expect(choice('title')).toEqual({ field: 'title', value: 'CEO', from: 's1', alternatives: [{ from: 's2', value: 'Directeur' }] });
    expect(choice('addressCity')).toEqual({ field: 'addressCity', value: 'Lyon', from: 't', alternatives: [{ from: 's1', value: 'Paris' }] });
    expect(choice('firstName')?.alternatives).toEqual([{ from: 's2', value: 'J.' }]);
  });

  it("takes a link's id and name from the same record", () => {
    const p = planMerge([{ ...target, accountId: 'acc9', accountName: null }, s1], 't', ['accountId', 'accountName']);
    expect(p.attributes).toEqual({ accountId: 'acc9', accountName: null });
    expect(p.fieldChoices.map((c) => [c.field, c.from])).toEqual([['accountId', 't'], ['accountName', 't']]);
  });

  it('leaves address lists to EspoCRM, which combines every record\'s emails and phones, and says so', () => {
    expect(plan.attributes).not.toHaveProperty('emailAddressData');
    expect(plan.notes.join('\n')).toContain('jean@acme.fr, jdupont@gmail.com, +33612345678, +33699999999');
  });

  it('says that a merge cannot be undone, and which fields were filled from other records', () => {
    expect(plan.notes[0]).toMatch(/cannot be undone: s1, s2 will be deleted/);
    expect(plan.notes).toContain('Empty on the kept record, filled from another: title, accountId, phoneNumber, cTags.');
  });

  it('skips fields empty everywhere', () => {
    const p = planMerge([{ id: 'a', description: null }, { id: 'b', description: '  ' }], 'a', ['description']);
    expect(p.attributes).toEqual({});
    expect(p.fieldChoices).toEqual([]);
  });

  it('refuses a keepId that is not among the records, and fewer than two records', () => {
    expect(() => planMerge([target, s1], 'zz', FIELDS)).toThrow(CoreError);
    expect(() => planMerge([target, s1], 'zz', FIELDS)).toThrow(/not one of the records to merge: t, s1/);
    expect(() => planMerge([target, { ...target }], 't', FIELDS)).toThrow(/at least two different records/);
  });
});
