import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { companyProfileName, personProfileName } from '../../../src/core/dedupe/profileNames.js';
import {
  foldText,
  isNonCorporateDomain,
  normalizeCompanyName,
  normalizeEmail,
  normalizePersonName,
  normalizePhone,
  normalizeWebsite,
} from '../../../src/core/dedupe/index.js';

describe('normalizeEmail', () => {
  it('trims and lower-cases', () => {
    expect(normalizeEmail('  Jean.Dupont@Example.COM ')).toBe('jean.dupont@example.com');
    expect(normalizeEmail('mailto:A@B.fr')).toBe('a@b.fr');
    expect(normalizeEmail('<a@b.fr>')).toBe('a@b.fr');
  });
  it('returns null for what is not an address', () => {
    for (const bad of ['', '   ', 'jean', 'jean@', '@b.fr', 'a b@c.fr', 'a@b', null, undefined]) expect(normalizeEmail(bad)).toBeNull();
  });
});

describe('normalizePhone', () => {
  it('keeps stored E.164 as is', () => {
    expect(normalizePhone('+33612345678')).toBe('+33612345678');
    expect(normalizePhone('+15550100001')).toBe('+15550100001'); // fictional 555-01xx range: possible, not "valid"
    expect(normalizePhone('+15550100001', 'FR')).toBe('+15550100001');
  });
  it('reads French free formats in FR', () => {
    for (const raw of ['06 12 34 56 78', '06.12.34.56.78', '0612345678', '+33 6 12 34 56 78', '+33 (0)6 12 34 56 78', '0033 6 12 34 56 78']) {
      expect(normalizePhone(raw, 'FR'), raw).toBe('+33612345678');
    }
  });
  it('reads US formats in US, and a lower-case country code', () => {
    for (const raw of ['(555) 010-0001', '555-010-0001', '555.010.0001', '+1 555 010 0001', '1 (555) 010-0001']) {
      expect(normalizePhone(raw, 'US'), raw).toBe('+15550100001');
    }
    expect(normalizePhone('(555) 010-0001', 'us')).toBe('+15550100001');
  });
  it('reads international numbers whatever the default country', () => {
    expect(normalizePhone('+44 20 7946 0958', 'FR')).toBe('+442079460958');
    expect(normalizePhone('+49 30 12345678', 'US')).toBe('+493012345678');
  });
  it('drops an extension', () => {
    expect(normalizePhone('+1 555 010 0003 ext. 12')).toBe('+15550100003');
  });
  it('returns null for impossible numbers', () => {
    expect(normalizePhone('06 12 34 56 78')).toBeNull(); // national format without a country
    expect(normalizePhone('06 12', 'FR')).toBeNull();
    expect(normalizePhone('+33 12', 'FR')).toBeNull();
    expect(normalizePhone('+331234', 'FR')).toBeNull();
    expect(normalizePhone('12', 'US')).toBeNull();
    expect(normalizePhone('call me', 'FR')).toBeNull();
    expect(normalizePhone('', 'FR')).toBeNull();
    expect(normalizePhone(null, 'FR')).toBeNull();
    expect(normalizePhone('06 12 34 56 78', 'XX')).toBeNull(); // unknown country: as if none
  });
  it('gives the same answer for an E.164 number the second time (cached verdicts)', () => {
    expect(normalizePhone('+3361234567')).toBeNull();
    expect(normalizePhone('+3361234567')).toBeNull();
    expect(normalizePhone('+33612345679')).toBe('+33612345679');
  });
});

describe('normalizePersonName', () => {
  it('folds accents, case, ß and ligatures', () => {
    expect(normalizePersonName('Élodie', 'Lefèvre').tokens).toEqual(['elodie', 'lefevre']);
    expect(normalizePersonName('HÉLÈNE', 'GUÉRIN').key).toBe(normalizePersonName('helene', 'guerin').key);
    expect(normalizePersonName('Jürgen', 'Straße').tokens).toEqual(['jurgen', 'strasse']);
    expect(normalizePersonName('Søren', 'Łukasz').tokens).toEqual(['lukasz', 'soren']);
    expect(foldText('Œuvre Æther')).toBe('oeuvre aether');
  });
  it('turns hyphens and punctuation into spaces, and joins apostrophes', () => {
    expect(normalizePersonName('Jean-Pierre', 'Dupont').tokens).toEqual(['dupont', 'jean', 'pierre']);
    expect(normalizePersonName('J.-P.', 'Dupont').tokens).toEqual(['dupont', 'j', 'p']);
    expect(normalizePersonName('Conor', "O'Brien").tokens).toEqual(['conor', 'obrien']);
    expect(normalizePersonName('Conor', 'O’Brien').key).toBe(normalizePersonName('Conor', 'OBrien').key);
  });
  it('gives swapped first and last names the same key and exact key', () => {
    const a = normalizePersonName('Marie', 'Martin');
    const b = normalizePersonName('Martin', 'Marie');
    expect(a.key).toBe('marie martin');
    expect(b.key).toBe(a.key);
    expect(b.exactKey).toBe(a.exactKey);
  });
  it('keeps the structure in exactKey: a reordered double surname is not the same name', () => {
    const a = normalizePersonName('Gemma', 'Lloyd-Evans');
    const b = normalizePersonName('Gemma', 'Evans-Lloyd');
    expect(a.key).toBe(b.key);
    expect(a.exactKey).not.toBe(b.exactKey);
  });
  it('uses the full name when first and last are empty, and drops titles', () => {
    expect(normalizePersonName(null, null, 'Dr. Anna Schmidt').tokens).toEqual(['anna', 'schmidt']);
    expect(normalizePersonName(null, null, 'Anna Schmidt').exactKey).toBe(normalizePersonName('Anna', 'Schmidt').exactKey);
    expect(normalizePersonName('Mme', 'Dupont').tokens).toEqual(['dupont']);
    expect(normalizePersonName('Mr', null).tokens).toEqual(['mr']); // nothing else left: kept
    expect(normalizePersonName(undefined, undefined, undefined)).toEqual({ tokens: [], key: '', exactKey: '' });
  });
});

describe('normalizeCompanyName', () => {
  const key = (s: string): string => normalizeCompanyName(s).key;
  it('strips legal forms with and without dots, at the end', () => {
    for (const raw of ['Acme', 'ACME SARL', 'Acme S.A.R.L.', 'Acme SAS', 'Acme S.A.S.', 'Acme SASU', 'Acme SA', 'Acme S.A.', 'Acme EURL',
      'Acme GmbH', 'Acme AG', 'Acme KG', 'Acme GmbH & Co. KG', 'Acme Ltd', 'Acme Ltd.', 'Acme Limited', 'Acme LLC', 'Acme, Inc.',
      'Acme Inc', 'Acme Corp.', 'Acme Co.', 'Acme & Co', 'Acme PLC', 'Acme B.V.', 'Acme NV', 'Acme S.r.l.', 'Acme SRL', 'Acme S.p.A.',
      'Acme SpA', 'Acme S.L.', 'Acme SL', 'Acme S.L.U.', 'Acme Oy', 'Acme AB', 'Acme Sp. z o.o.', 'Acme S.A. de C.V.', 'Acme Pty Ltd']) {
      expect(key(raw), raw).toBe('acme');
    }
  });
  it('strips a leading form and "The", folds accents and sorts the rest', () => {
    expect(key('SARL Dupont Électricité')).toBe('dupont electricite');
    expect(key('The Acme Company')).toBe('acme');
    expect(key('Müller Bau GmbH')).toBe(key('MULLER BAU'));
    expect(normalizeCompanyName('Dupont & Fils SA').tokens).toEqual(['dupont', 'fils']);
    expect(normalizeCompanyName('Dupont & Fils SA').exactKey).toBe('dupont fils');
  });
  it('never strips the whole name', () => {
    expect(key('SA')).toBe('sa');
    expect(key('Co')).toBe('co');
    expect(key('')).toBe('');
    expect(key('Société Générale')).toBe(key('SOCIETE GENERALE S.A.'));
  });
});

describe('normalizeWebsite and free-mail domains', () => {
  it('reduces a website to its host', () => {
    expect(normalizeWebsite('https://www.Acme.fr/contact?x=1')).toBe('acme.fr');
    expect(normalizeWebsite('acme.fr')).toBe('acme.fr');
    expect(normalizeWebsite('http://acme.co.uk:8080')).toBe('acme.co.uk');
    expect(normalizeWebsite('not a site')).toBeNull();
  });
  it('knows free-mail, ISP and reserved domains from company ones', () => {
    for (const d of ['gmail.com', 'yahoo.fr', 'hotmail.co.uk', 'orange.fr', 'telefonica.net', 'example.com', 'mail.example.org']) {
      expect(isNonCorporateDomain(d), d).toBe(true);
    }
    for (const d of ['acme.fr', 'dupont-conseil.fr', 'google.com']) expect(isNonCorporateDomain(d), d).toBe(false);
  });
});

describe('profile names (the hot-path form of the name normalisers)', () => {
  // Few distinct words, so that many generated names share their tokens and differ only in structure.
  const word = fc.constantFrom('anna', 'lloyd', 'evans', 'Évans', 'dr', 'jean-pierre', 'o’brien', 'marie', 'x', '');
  const part = fc.array(word, { maxLength: 4 }).map((w) => w.join(' '));
  const person = fc.tuple(fc.option(part), fc.option(part), fc.option(part));

  it('has the tokens of normalizePersonName, and equal keys exactly when the exactKeys are equal (property)', () => {
    fc.assert(
      fc.property(person, person, ([f1, l1, n1], [f2, l2, n2]) => {
        const a = personProfileName(f1, l1, n1);
        const b = personProfileName(f2, l2, n2);
        const ra = normalizePersonName(f1, l1, n1);
        const rb = normalizePersonName(f2, l2, n2);
        expect(a.tokens).toEqual(ra.tokens);
        if (ra.key === rb.key) expect(a.key === b.key).toBe(ra.exactKey === rb.exactKey);
      }),
      { numRuns: 3000 },
    );
  });

  it('does the same for company names', () => {
    fc.assert(
      fc.property(part, part, (x, y) => {
        const a = companyProfileName(x);
        const b = companyProfileName(y);
        const ra = normalizeCompanyName(x);
        const rb = normalizeCompanyName(y);
        expect(a.tokens).toEqual(ra.tokens);
        if (ra.key === rb.key) expect(a.key === b.key).toBe(ra.exactKey === rb.exactKey);
      }),
      { numRuns: 2000 },
    );
  });

  it('keeps a first/last swap the same name and a reordered double surname another', () => {
    expect(personProfileName('Marie', 'Martin', null).key).toBe(personProfileName('Martin', 'Marie', null).key);
    expect(personProfileName('Gemma', 'Lloyd-Evans', null).key).not.toBe(personProfileName('Gemma', 'Evans-Lloyd', null).key);
  });
});
