import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_MIN_SCORE, dedupeSelectFields, DuplicateIndex, type DedupeRecord, type DuplicateCluster, type DuplicateIndexOptions } from '../../../src/core/dedupe/index.js';

const ALL: DuplicateIndexOptions['signals'] = ['email', 'phone', 'name', 'company'];

function run(records: DedupeRecord[], opts: Partial<DuplicateIndexOptions> = {}): DuplicateCluster[] {
  const index = new DuplicateIndex({ entityType: 'Lead', signals: ALL, defaultCountry: 'FR', ...opts });
  index.add(records);
  return index.clusters();
}

const idSets = (clusters: DuplicateCluster[]): string[][] => clusters.map((c) => c.ids);

describe('DuplicateIndex: true duplicates and their reasons', () => {
  it('links the same email written differently', () => {
    const [c] = run([
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'Jean.Dupont@Acme.fr' },
      { id: 'b', firstName: 'Jean', lastName: 'Dupont', emailAddress: ' jean.dupont@acme.fr ' },
      { id: 'c', firstName: 'Paul', lastName: 'Durand', emailAddress: 'paul@durand.fr' },
    ]);
    expect(c?.ids).toEqual(['a', 'b']);
    expect(c?.reasons).toContain('same email jean.dupont@acme.fr');
    expect(c?.score).toBeGreaterThan(0.95);
  });

  it('links the same phone in different formats, and a second address in emailAddressData', () => {
    const clusters = run([
      { id: 'a', firstName: 'Hélène', lastName: 'Guérin', phoneNumber: '06 12 34 56 78' },
      { id: 'b', firstName: 'Helene', lastName: 'GUERIN', phoneNumberData: [{ phoneNumber: '+33 6 12 34 56 78' }] },
      { id: 'c', firstName: 'Anne', lastName: 'Roux', emailAddressData: [{ emailAddress: 'x@roux.fr' }, { emailAddress: 'anne@roux.fr' }] },
      { id: 'd', firstName: 'Anne', lastName: 'Roux', emailAddress: 'ANNE@roux.fr' },
    ]);
    expect(idSets(clusters)).toEqual([['a', 'b'], ['c', 'd']]);
    expect(clusters[0]?.reasons).toEqual(['same phone +33612345678', 'same name']);
    expect(clusters[1]?.reasons[0]).toBe('same email anne@roux.fr');
  });

  it('links a typo in the name when the company is the same', () => {
    const [c] = run([
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', accountName: 'Acme SARL', emailAddress: 'jean@gmail.com' },
      { id: 'b', firstName: 'Jean', lastName: 'Dupond', accountName: 'ACME S.A.R.L.', emailAddress: 'jdupond@yahoo.fr' },
    ]);
    expect(c?.ids).toEqual(['a', 'b']);
    expect(c?.reasons).toEqual([expect.stringMatching(/^similar name 0\.9\d and same company$/)]);
  });

  it('links a typo in the name with the same organisation email domain', () => {
    const [c] = run([
      { id: 'a', firstName: 'Jean', lastName: 'Martin', emailAddress: 'jean.martin@dupont-conseil.fr' },
      { id: 'b', firstName: 'Jean', lastName: 'Martn', emailAddress: 'jmartin@dupont-conseil.fr' },
    ]);
    expect(c?.reasons).toEqual([expect.stringMatching(/^similar name 0\.9\d and same email domain dupont-conseil\.fr$/)]);
  });

  it('links swapped first and last names when nothing else contradicts them', () => {
    const [c] = run([
      { id: 'a', firstName: 'Martin', lastName: 'Marie', phoneNumber: '0612345678' },
      { id: 'b', firstName: 'Marie', lastName: 'Martin', emailAddress: 'mm@gmail.com' },
    ]);
    expect(c?.ids).toEqual(['a', 'b']);
    expect(c?.reasons).toEqual(['same name, nothing contradicting']);
    expect(c?.score).toBe(0.8);
  });

  it('still links the same name with one contradiction, at a lower score', () => {
    const [c] = run([
      { id: 'a', firstName: 'Marie', lastName: 'Martin', emailAddress: 'marie@gmail.com' },
      { id: 'b', firstName: 'MARIE', lastName: 'martin', emailAddress: 'm.martin@yahoo.fr' },
    ]);
    expect(c?.reasons).toEqual(['same name, but a different email']);
    expect(c?.score).toBe(0.72);
  });
});

describe('DuplicateIndex: a shared email with names that differ', () => {
  it('links a changed surname at a lower score, and says the names differ in part', () => {
    const [c] = run([
      { id: 'a', firstName: 'Marie', lastName: 'Martin', emailAddress: 'marie.m@gmail.com' },
      { id: 'b', firstName: 'Marie', lastName: 'Dupont', emailAddress: 'marie.m@gmail.com' },
    ]);
    expect(c?.reasons).toEqual(['same email marie.m@gmail.com but the names differ in part']);
    expect(c?.score).toBe(0.75);
  });
  it('keeps full strength for an initial or a missing name', () => {
    const clusters = run([
      { id: 'a', firstName: 'J.', lastName: 'Dupont', emailAddress: 'jd@dupont.fr' },
      { id: 'b', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'jd@dupont.fr' },
      { id: 'c', emailAddress: 'x@y.fr' },
      { id: 'd', firstName: 'Xavier', lastName: 'Yves', emailAddress: 'x@y.fr' },
    ]);
    expect(clusters.map((c) => [c.ids, c.score, c.reasons[0]])).toEqual([
      [['a', 'b'], 0.95, 'same email jd@dupont.fr'],
      [['c', 'd'], 0.95, 'same email x@y.fr'],
    ]);
  });
});

describe('DuplicateIndex: near misses stay apart', () => {
  it('does not merge two Marie Martin at different companies with different emails', () => {
    expect(run([
      { id: 'a', firstName: 'Marie', lastName: 'Martin', accountName: 'Acme', emailAddress: 'marie.martin@acme.fr' },
      { id: 'b', firstName: 'Marie', lastName: 'Martin', accountName: 'Globex SAS', emailAddress: 'mmartin@globex.com' },
    ])).toEqual([]);
  });

  it('does not merge names one typo apart with nothing else in common (Girard, Giraud)', () => {
    const index = new DuplicateIndex({ entityType: 'Lead', signals: ALL, defaultCountry: 'FR' });
    index.add([
      { id: 'a', firstName: 'Émilie', lastName: 'Girard', phoneNumber: '+33677602023' },
      { id: 'b', firstName: 'Émilie', lastName: 'Giraud', emailAddress: 'emilie@faure.fr' },
    ]);
    expect(index.clusters()).toEqual([]);
    expect(index.stats().comparisons).toBe(1); // they were compared, and scored below the threshold
    // ...but they do show with a low threshold, as "similar name only".
    const low = new DuplicateIndex({ entityType: 'Lead', signals: ALL, defaultCountry: 'FR', minScore: 0.5 });
    low.add([
      { id: 'a', firstName: 'Émilie', lastName: 'Girard', phoneNumber: '+33677602023' },
      { id: 'b', firstName: 'Émilie', lastName: 'Giraud', emailAddress: 'emilie@faure.fr' },
    ]);
    expect(low.clusters()[0]?.reasons[0]).toMatch(/^similar name 0\.9\d, nothing else in common$/);
  });

  it('does not merge different people behind one switchboard number or one generic inbox', () => {
    expect(run([
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', phoneNumber: '+33142000000', emailAddress: 'info@acme.fr' },
      { id: 'b', firstName: 'Sophie', lastName: 'Lambert', phoneNumber: '01 42 00 00 00', emailAddress: 'info@acme.fr' },
    ])).toEqual([]);
  });

  it('does not merge a reordered double surname or a different surname with a shared company', () => {
    expect(run([
      { id: 'a', firstName: 'Gemma', lastName: 'Lloyd-Evans', emailAddress: 'g@knight.co.uk' },
      { id: 'b', firstName: 'Gemma', lastName: 'Evans-Lloyd', emailAddress: 'gemma@hotmail.co.uk' },
      { id: 'c', firstName: 'Cynthia', lastName: 'Ward', accountName: 'Flores Media' },
      { id: 'd', firstName: 'Cynthia', lastName: 'Howard', accountName: 'Flores Media LLC' },
      { id: 'e', firstName: 'Duncan', lastName: 'Walker', accountName: 'Hall Joinery' },
      { id: 'f', firstName: 'Duncan', lastName: 'Walker-Price', accountName: 'Hall Joinery' },
    ])).toEqual([]);
  });

  it('does not link a surname alone to a full name without a second signal', () => {
    expect(run([{ id: 'a', lastName: 'Dupont' }, { id: 'b', lastName: 'Dupont' }])).toEqual([]);
  });
});

describe('DuplicateIndex: conflicting identifiers (issue 17)', () => {
  // Two people with the same name at the same company, each with their own email and phone.
  const namesakes: DedupeRecord[] = [
    { id: 'a', firstName: 'Jean', lastName: 'Dupont', accountName: 'Acme SARL', emailAddress: 'jean.dupont@acme.fr', phoneNumber: '+33612345678' },
    { id: 'b', firstName: 'Jean', lastName: 'Dupont', accountName: 'ACME', emailAddress: 'j.dupont@acme.fr', phoneNumber: '+33698765432' },
  ];

  it('keeps two namesakes at one company apart when their email and phone both differ (even at one mail domain)', () => {
    expect(run(namesakes)).toEqual([]);
    const index = new DuplicateIndex({ entityType: 'Lead', signals: ALL, defaultCountry: 'FR' });
    index.add(namesakes);
    expect(index.clusters()).toEqual([]);
    expect(index.stats().comparisons).toBe(1); // compared, and scored below the default minScore
  });

  it('shows them with a low minScore, below the default, saying why they are doubtful', () => {
    const [c] = run(namesakes, { minScore: 0.3 });
    expect(c?.ids).toEqual(['a', 'b']);
    expect(c?.score).toBe(0.4);
    expect(c?.reasons).toEqual(['same name and same company and same email domain acme.fr, but conflicting identifiers: different email and different phone']);
    expect(c!.score).toBeLessThan(DEFAULT_MIN_SCORE);
  });

  it('weighs a typo in the name the same way', () => {
    const [c] = run([namesakes[0]!, { ...namesakes[1]!, lastName: 'Dupond', emailAddress: 'jdupond@gmail.com' }], { minScore: 0.3 });
    expect(c?.score).toBe(0.4);
    expect(c?.reasons).toEqual([expect.stringMatching(/^similar name 0\.9\d and same company, but conflicting identifiers: different email and different phone$/)]);
  });

  it('still links a changed email when the phone is the same or missing, and a changed phone when the email is the same', () => {
    const [a, b] = namesakes as [DedupeRecord, DedupeRecord];
    const cases: Array<[string, DedupeRecord, string]> = [
      ['another email, the same phone (another format)', { ...b, phoneNumber: '06 12 34 56 78' }, 'same phone +33612345678'],
      ['another email, no phone', { ...b, phoneNumber: null }, 'same name and same company and same email domain acme.fr'],
      ['another email at another domain, no phone', { ...b, emailAddress: 'jd@gmail.com', phoneNumber: null }, 'same name and same company'],
      ['the same email (another case), another phone', { ...b, emailAddress: 'Jean.Dupont@ACME.fr' }, 'same email jean.dupont@acme.fr'],
      ['no email, another phone', { ...b, emailAddress: null }, 'same name and same company'],
    ];
    for (const [what, other, reason] of cases) {
      const [c] = run([a, other]);
      expect({ what, ids: c?.ids, first: c?.reasons[0] }).toEqual({ what, ids: ['a', 'b'], first: reason });
      expect(c!.score).toBeGreaterThanOrEqual(DEFAULT_MIN_SCORE);
    }
  });

  it('compares phones in E.164: one number in two formats is no conflict', () => {
    const [c] = run([
      { ...namesakes[0]!, phoneNumber: '06 12 34 56 78' },
      { ...namesakes[1]!, phoneNumberData: [{ phoneNumber: '+33 6 98 76 54 32' }, { phoneNumber: '+33612345678' }] },
    ]);
    expect(c?.ids).toEqual(['a', 'b']);
    expect(c?.reasons[0]).toBe('same phone +33612345678');
  });

  it('leaves organisations to their website: one company with two switchboards and mailboxes is still one', () => {
    const [c] = run(
      [
        { id: 'a', name: 'Dupont Conseil SARL', website: 'https://www.dupontconseil.fr', emailAddress: 'contact@dupontconseil.fr', phoneNumber: '+33142000001' },
        { id: 'b', name: 'DUPONT CONSEIL', website: 'dupontconseil.fr', emailAddress: 'info@dupontconseil.fr', phoneNumber: '+33142000002' },
      ],
      { entityType: 'Account' },
    );
    expect(c?.ids).toEqual(['a', 'b']);
    expect(c!.score).toBeGreaterThanOrEqual(DEFAULT_MIN_SCORE);
  });
});

describe('DuplicateIndex: clusters', () => {
  it('joins transitive links into one cluster whose score is its weakest link', () => {
    const clusters = run([
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'jean@dupont.fr' },
      { id: 'b', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'jean@dupont.fr', phoneNumber: '0612345678' },
      { id: 'c', firstName: 'J.', lastName: 'Dupont', phoneNumber: '+33612345678' },
    ]);
    expect(clusters).toHaveLength(1);
    const [c] = clusters;
    expect(c?.ids).toEqual(['a', 'b', 'c']);
    expect(c?.pairs.map((p) => `${p.a}-${p.b}`).sort()).toEqual(['a-b', 'b-c']); // a and c share nothing decisive
    expect(c?.score).toBe(Math.min(...c!.pairs.map((p) => p.score)));
    expect(c?.reasons).toEqual(expect.arrayContaining(['same email jean@dupont.fr', 'same phone +33612345678']));
  });

  it('sorts clusters by score, strongest first', () => {
    const clusters = run([
      { id: 'a', firstName: 'Marie', lastName: 'Martin' },
      { id: 'b', firstName: 'Marie', lastName: 'Martin' },
      { id: 'c', firstName: 'Paul', lastName: 'Durand', emailAddress: 'p@durand.fr' },
      { id: 'd', firstName: 'Paul', lastName: 'Durand', emailAddress: 'p@durand.fr' },
    ]);
    expect(idSets(clusters)).toEqual([['c', 'd'], ['a', 'b']]);
    expect(clusters[0]!.score).toBeGreaterThan(clusters[1]!.score);
  });

  it('suggests keeping the most complete record, then the oldest, then the lowest id', () => {
    const [full] = run([
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'j@d.fr', createdAt: '2020-01-01 00:00:00' },
      { id: 'b', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'j@d.fr', title: 'CEO', addressCity: 'Lyon', createdAt: '2024-01-01 00:00:00' },
    ]);
    expect(full?.keep).toEqual({ id: 'b', why: 'most complete (5 filled fields, next best 3)' });
    const [old] = run([
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'j@d.fr', createdAt: '2024-01-01 00:00:00' },
      { id: 'b', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'j@d.fr', createdAt: '2020-06-01 00:00:00' },
    ]);
    expect(old?.keep.id).toBe('b');
    expect(old?.keep.why).toContain('oldest (created 2020-06-01 00:00:00)');
    const [tie] = run([
      { id: 'b', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'j@d.fr' },
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'j@d.fr' },
    ]);
    expect(tie?.keep.id).toBe('a');
  });

  it('finds organisations under legal-form and case variants, not ones with another website', () => {
    const clusters = run(
      [
        { id: 'a', name: 'Dupont Conseil SARL', website: 'https://www.dupontconseil.fr', phoneNumber: '+33142000001' },
        { id: 'b', name: 'DUPONT CONSEIL', website: 'dupontconseil.fr' },
        { id: 'c', name: 'Dupont Conseil', website: 'https://dupont-conseil.com' },
        { id: 'd', name: 'Dupnt Conseil S.A.R.L.', phoneNumber: '01 42 00 00 01' },
      ],
      { entityType: 'Account' },
    );
    expect(idSets(clusters)).toEqual([['a', 'b', 'd']]);
    expect(clusters[0]?.reasons).toEqual(expect.arrayContaining(['same name and same domain dupontconseil.fr', 'same phone +33142000001']));
  });

  it('uses only the chosen signals', () => {
    const records = [
      { id: 'a', firstName: 'Jean', lastName: 'Dupont', phoneNumber: '0612345678', emailAddress: 'a@x.fr' },
      { id: 'b', firstName: 'Paul', lastName: 'Durand', phoneNumber: '06 12 34 56 78', emailAddress: 'b@y.fr' },
    ];
    expect(run(records, { signals: ['email', 'name'] })).toEqual([]);
    expect(run(records, { signals: ['phone'] })[0]?.reasons).toEqual(['same phone +33612345678']);
  });

  it('applies minScore', () => {
    const records = [{ id: 'a', firstName: 'Marie', lastName: 'Martin' }, { id: 'b', firstName: 'Marie', lastName: 'Martin' }];
    expect(run(records)).toHaveLength(1);
    expect(run(records, { minScore: 0.9 })).toEqual([]);
  });
});

describe('DuplicateIndex: streaming, stats and limits', () => {
  it('accepts records page by page and recomputes clusters after each page', () => {
    const index = new DuplicateIndex({ entityType: 'Contact', signals: ALL, defaultCountry: 'FR' });
    index.add([{ id: 'a', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'j@d.fr' }]);
    expect(index.clusters()).toEqual([]);
    index.add([{ id: 'b', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'J@D.FR' }]);
    expect(idSets(index.clusters())).toEqual([['a', 'b']]);
    index.add([{ id: 'a', firstName: 'Other', lastName: 'Person' }, { id: '' }]);
    expect(index.stats()).toMatchObject({ records: 2, repeatedIds: 1 });
  });

  it('drops a block that outgrows maxBlockSize and says so in stats', () => {
    const index = new DuplicateIndex({ entityType: 'Lead', signals: ['phone'], defaultCountry: 'FR', maxBlockSize: 5 });
    const switchboard = Array.from({ length: 20 }, (_, i) => ({ id: `r${String(i).padStart(2, '0')}`, phoneNumber: '+33142000000' }));
    index.add(switchboard.slice(0, 5));
    expect(index.stats()).toMatchObject({ oversizedBlocks: 0, comparisons: 10 }); // merged: all pairs among the first 5
    expect(index.clusters()).toHaveLength(1);
    index.add(switchboard.slice(5));
    const stats = index.stats();
    expect(stats.oversizedBlocks).toBe(1);
    expect(stats.comparisons).toBe(10); // nothing more once the block is over the cap
    expect(index.clusters()).toEqual([]); // pairs of an oversized block do not count, whatever the order
    const atOnce = new DuplicateIndex({ entityType: 'Lead', signals: ['phone'], defaultCountry: 'FR', maxBlockSize: 5 });
    atOnce.add(switchboard);
    expect(atOnce.stats()).toMatchObject({ oversizedBlocks: 1, comparisons: 0 }); // over the cap in one batch: never paired
    expect(atOnce.clusters()).toEqual([]);
  });

  it('counts records with nothing to match on', () => {
    const index = new DuplicateIndex({ entityType: 'Lead', signals: ['email'] });
    index.add([{ id: 'a', firstName: 'Jean' }, { id: 'b', emailAddress: 'not-an-email' }]);
    expect(index.stats()).toMatchObject({ records: 2, unmatchable: 2, comparisons: 0 });
  });

  it('lists the attributes a handler should select', () => {
    expect(dedupeSelectFields(['email', 'phone', 'name', 'company'], 'person')).toEqual([
      'id', 'emailAddress', 'emailAddressData', 'phoneNumber', 'phoneNumberData', 'firstName', 'lastName', 'name', 'accountName', 'createdAt',
    ]);
    expect(dedupeSelectFields(['name'], 'company')).toEqual(['id', 'name', 'website', 'createdAt']);
  });

  it('refuses bad options with a clear message', () => {
    expect(() => new DuplicateIndex({ entityType: 'Lead', signals: [] })).toThrow(/at least one signal/);
    expect(() => new DuplicateIndex({ entityType: 'Lead', signals: ['fax' as 'email'] })).toThrow(/unknown signal "fax"/);
    expect(() => new DuplicateIndex({ entityType: 'Lead', signals: ALL, minScore: 0 })).toThrow(/minScore/);
    expect(() => new DuplicateIndex({ entityType: 'Lead', signals: ALL, maxBlockSize: 1 })).toThrow(/maxBlockSize/);
  });
});

// A pool of people, each with variants (typos, case, accents, formats) and some namesakes.
const VARIANTS: DedupeRecord[][] = [
  [
    { id: '', firstName: 'Jean', lastName: 'Dupont', emailAddress: 'jean.dupont@acme.fr', accountName: 'Acme' },
    { id: '', firstName: 'jean', lastName: 'DUPONT', emailAddress: 'Jean.Dupont@acme.fr' },
    { id: '', firstName: 'Jean', lastName: 'Dupond', accountName: 'ACME SARL' },
  ],
  [
    { id: '', firstName: 'Hélène', lastName: 'Guérin', phoneNumber: '06 11 22 33 44' },
    { id: '', firstName: 'Helene', lastName: 'Guerin', phoneNumber: '+33611223344' },
    { id: '', firstName: 'Guérin', lastName: 'Hélène', emailAddress: 'hg@gmail.com' },
  ],
  [
    { id: '', firstName: 'Marie', lastName: 'Martin', accountName: 'Acme', emailAddress: 'marie@acme.fr' },
    { id: '', firstName: 'Marie', lastName: 'Martin', accountName: 'Globex', emailAddress: 'marie@globex.fr' },
    { id: '', firstName: 'Marie', lastName: 'Martin' },
  ],
  [
    { id: '', name: 'Paul Durand', phoneNumber: '+33142000000' },
    { id: '', firstName: 'Sophie', lastName: 'Lambert', phoneNumber: '01 42 00 00 00' },
    { id: '', firstName: 'Paul', lastName: 'Durant', phoneNumber: '0142000000', emailAddress: 'paul@durand.fr' },
  ],
];

const clusterSignature = (clusters: DuplicateCluster[]): string[] =>
  clusters.map((c) => `${c.ids.join(',')}@${c.score}:${c.keep.id}:${c.reasons.slice().sort().join('|')}`).sort();

describe('DuplicateIndex: order invariance (property)', () => {
  it('finds the same clusters whatever the order and paging of the records', () => {
    const recordsArb = fc
      .array(fc.tuple(fc.nat(VARIANTS.length - 1), fc.nat(2)), { minLength: 2, maxLength: 25 })
      .map((picks) => picks.map(([p, v], i) => ({ ...VARIANTS[p]![v]!, id: `r${String(i).padStart(2, '0')}` })));
    fc.assert(
      fc.property(recordsArb, fc.infiniteStream(fc.double({ min: 0, max: 1, noNaN: true })), fc.integer({ min: 1, max: 7 }), fc.constantFrom(2, 3, 100), (records, rand, page, maxBlockSize) => {
        const shuffled = records.map((r) => ({ r, k: rand.next().value as number })).sort((x, y) => x.k - y.k).map((x) => x.r);
        const opts = { entityType: 'Lead', signals: ALL, defaultCountry: 'FR', maxBlockSize };
        const a = new DuplicateIndex(opts);
        a.add(records);
        const b = new DuplicateIndex(opts);
        for (let i = 0; i < shuffled.length; i += page) b.add(shuffled.slice(i, i + page));
        expect(clusterSignature(b.clusters())).toEqual(clusterSignature(a.clusters()));
      }),
      { numRuns: 300 },
    );
  });

  it('finds the same clusters whatever size it was told to expect (a hint, too small or too large)', () => {
    const records = VARIANTS.flatMap((variants, p) => variants.map((v, k) => ({ ...v, id: `r${p}-${k}` })));
    const plain = new DuplicateIndex({ entityType: 'Lead', signals: ALL, defaultCountry: 'FR' });
    plain.add(records);
    const expected = clusterSignature(plain.clusters());
    expect(expected.length).toBeGreaterThan(0);
    for (const hint of [1, records.length, 50_000]) {
      const sized = new DuplicateIndex({ entityType: 'Lead', signals: ALL, defaultCountry: 'FR', expectedRecords: hint });
      sized.add(records);
      expect(clusterSignature(sized.clusters())).toEqual(expected);
      // reserve() after records were added keeps what is indexed
      const late = new DuplicateIndex({ entityType: 'Lead', signals: ALL, defaultCountry: 'FR' });
      late.add(records.slice(0, 5));
      late.reserve(hint * 100);
      late.add(records.slice(5));
      expect(clusterSignature(late.clusters())).toEqual(expected);
      expect(late.stats()).toEqual(plain.stats());
    }
  });
});
