/**
 * builtOnUse (src/config/messages.ts): a configuration section whose zod schema is built by the first
 * file that has it, so a start with a plain tenants.json does not build the schemas of http, store,
 * retention, limits... (zod builds them at declaration, and visits a z.lazy one on every parse). It
 * must accept, transform and refuse exactly as the section's own schema, with the same paths.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { builtOnUse, strict, wholeNumber } from '../../src/config/messages.js';

const section = () =>
  strict('an object such as { "days": 3 }', {
    days: wholeNumber(1, 10, 'how many days').optional(),
    name: z.string().transform((s) => s.toUpperCase()).optional(),
  });

describe('builtOnUse', () => {
  it('builds the section only for a file that has it (z.lazy would build it for every file)', () => {
    let built = 0;
    const file = z.object({ a: z.string(), s: builtOnUse(() => (built++, section())).optional() });
    expect(file.parse({ a: 'x' })).toEqual({ a: 'x' });
    expect(built).toBe(0);
    expect(file.parse({ a: 'x', s: { days: 2, name: 'n' } })).toEqual({ a: 'x', s: { days: 2, name: 'N' } });
    expect(file.parse({ a: 'y', s: {} })).toEqual({ a: 'y', s: {} });
    expect(built).toBe(1);

    let lazily = 0;
    z.object({ a: z.string(), s: z.lazy(() => (lazily++, section())).optional() }).parse({ a: 'x' });
    expect(lazily).toBe(1);
  });

  it('accepts and refuses what the section does, with the same messages at the same paths', () => {
    const direct = z.object({ s: section().optional() });
    const onUse = z.object({ s: builtOnUse(section).optional() });
    const value = fc.oneof(
      fc.constant(undefined),
      fc.anything(),
      fc.record({ days: fc.oneof(fc.integer({ min: -3, max: 14 }), fc.string(), fc.double()), name: fc.oneof(fc.string(), fc.integer()), dayz: fc.nat() }, { requiredKeys: [] }),
    );
    fc.assert(
      fc.property(value, (s) => {
        const input = s === undefined ? {} : { s };
        const a = direct.safeParse(input);
        const b = onUse.safeParse(input);
        expect(b.success).toBe(a.success);
        if (a.success && b.success) expect(b.data).toEqual(a.data);
        if (!a.success && !b.success) expect(b.error.issues.map((i) => [i.path, i.message])).toEqual(a.error.issues.map((i) => [i.path, i.message]));
      }),
      { numRuns: 500 },
    );
  });
});
