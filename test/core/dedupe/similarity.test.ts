import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { blockHashes, blockKeys, hashKey } from '../../../src/core/dedupe/blocking.js';
import { buildProfile, type ProfileOptions } from '../../../src/core/dedupe/profile.js';
import { isTypoVariant, jaroWinkler, nameSimilarity, typoDistance } from '../../../src/core/dedupe/similarity.js';

describe('jaroWinkler', () => {
  it('matches the textbook values', () => {
    expect(jaroWinkler('martha', 'marhta')).toBeCloseTo(0.961, 3);
    expect(jaroWinkler('dixon', 'dicksonx')).toBeCloseTo(0.813, 3);
    expect(jaroWinkler('dwayne', 'duane')).toBeCloseTo(0.84, 2);
    expect(jaroWinkler('abc', 'abc')).toBe(1);
    expect(jaroWinkler('abc', 'xyz')).toBe(0);
    expect(jaroWinkler('', 'abc')).toBe(0);
  });
  it('handles long strings (scratch buffers grow)', () => {
    const a = 'x'.repeat(200);
    expect(jaroWinkler(a, `${a}y`)).toBeGreaterThan(0.99);
  });
});

describe('typo distance', () => {
  it('counts an adjacent swap as one edit', () => {
    expect(typoDistance('martin', 'matrin')).toBe(1);
    expect(typoDistance('martin', 'martn')).toBe(1);
    expect(typoDistance('martin', 'marton')).toBe(1);
    expect(typoDistance('bernard', 'bertrand')).toBeGreaterThan(1);
  });
  it('allows no typo under 4 letters, one up to 9, two from 10', () => {
    expect(isTypoVariant('lea', 'lia')).toBe(false);
    expect(isTypoVariant('jean', 'jaen')).toBe(true);
    expect(isTypoVariant('ward', 'howard')).toBe(false);
    expect(isTypoVariant('carpentier', 'charpentie')).toBe(true);
  });
});

describe('nameSimilarity', () => {
  it('is 1 and sameTokens for the same sorted tokens', () => {
    expect(nameSimilarity(['marie', 'martin'], ['marie', 'martin'])).toMatchObject({ score: 1, sameTokens: true, typoLevel: true });
  });
  it('scores a one-letter typo high and typo-level', () => {
    const s = nameSimilarity(['dupont', 'jean'], ['dupond', 'jean']);
    expect(s.score).toBeGreaterThan(0.95);
    expect(s.sameTokens).toBe(false);
    expect(s.typoLevel).toBe(true);
  });
  it('pairs tokens whatever their sorted position', () => {
    const s = nameSimilarity(['aartin', 'marie'], ['marie', 'martin']);
    expect(s.score).toBeGreaterThan(0.9);
  });
  it('does not call different names typo-level even when Jaro-Winkler is high', () => {
    const s = nameSimilarity(['cynthia', 'ward'], ['cynthia', 'howard']);
    expect(s.typoLevel).toBe(false);
    expect(nameSimilarity(['bernard', 'louise'], ['bertrand', 'louise']).typoLevel).toBe(false);
  });
  it('treats a glued or split name as close, and an extra token as not typo-level', () => {
    expect(nameSimilarity(['dupont', 'jean', 'pierre'], ['dupont', 'jeanpierre'])).toMatchObject({ score: 0.97, typoLevel: true });
    const extra = nameSimilarity(['graham', 'taylor'], ['graham', 'morgan', 'taylor']);
    expect(extra.extraTokens).toBe(1);
    expect(extra.typoLevel).toBe(false);
  });
  it('gives an initial a partial match', () => {
    const s = nameSimilarity(['dupont', 'j'], ['dupont', 'jean']);
    expect(s.score).toBeGreaterThan(0.9);
    expect(s.typoLevel).toBe(false);
  });
  it('is 0 when a side is empty', () => {
    expect(nameSimilarity([], ['a']).score).toBe(0);
  });
});

const profileOptions: ProfileOptions = { signals: new Set(['email', 'phone', 'name', 'company']), nameKind: 'person', defaultCountry: 'FR' };

describe('blocking keys', () => {
  it('hashes the same keys as the readable key list', () => {
    for (const r of [
      { id: '1', firstName: 'Jean-Pierre', lastName: 'Dupont', emailAddress: 'a@b.fr', phoneNumber: '0612345678' },
      { id: '2', name: 'Li' },
      { id: '3', firstName: 'Maximilian', lastName: 'Schmidt Müller von Hohenberg' },
    ]) {
      const p = buildProfile(r, profileOptions);
      expect(blockHashes(p)).toEqual([...new Set(blockKeys(p).map(hashKey))]);
    }
  });

  const letters = fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz'), minLength: 2, maxLength: 12 });
  const edit = fc.record({ kind: fc.constantFrom('sub', 'ins', 'del', 'swap'), at: fc.nat(), ch: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyz') });
  function applyEdit(word: string, e: { kind: string; at: number; ch: string }): string {
    const i = e.at % word.length;
    if (e.kind === 'sub') return word.slice(0, i) + e.ch + word.slice(i + 1);
    if (e.kind === 'ins') return word.slice(0, i) + e.ch + word.slice(i);
    if (e.kind === 'del') return word.slice(0, i) + word.slice(i + 1);
    const j = Math.min(i, word.length - 2);
    return word.slice(0, j) + word.charAt(j + 1) + word.charAt(j) + word.slice(j + 2);
  }

  it('gives two names that differ by one typo in one token a common key (property)', () => {
    fc.assert(
      fc.property(fc.array(letters, { minLength: 2, maxLength: 3 }), fc.nat(), edit, (tokens, which, e) => {
        const k = which % tokens.length;
        const edited = tokens.map((t, i) => (i === k ? applyEdit(t, e) : t));
        fc.pre(edited[k]!.length > 0);
        const a = buildProfile({ id: 'a', firstName: tokens[0], lastName: tokens.slice(1).join(' ') }, profileOptions);
        const b = buildProfile({ id: 'b', firstName: edited[0], lastName: edited.slice(1).join(' ') }, profileOptions);
        // Tokens that happen to be titles (mr, me, dr...) are dropped by the normaliser: not this property.
        fc.pre(a.name.length === tokens.length && b.name.length === tokens.length);
        const keysA = blockHashes(a);
        expect(blockHashes(b).some((h) => keysA.includes(h))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it('keys a single-token name by its typo variants too', () => {
    const a = blockHashes(buildProfile({ id: 'a', name: 'Acme' }, { ...profileOptions, nameKind: 'company' }));
    const b = blockHashes(buildProfile({ id: 'b', name: 'Acne' }, { ...profileOptions, nameKind: 'company' }));
    expect(b.some((h) => a.includes(h))).toBe(true);
  });
});
