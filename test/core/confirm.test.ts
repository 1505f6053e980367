import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfirmTokens, canonicalJson, fingerprint } from '../../src/core/confirm.js';

const binding = { tenant: 'damath', tool: 'delete_custom_field', args: { entity: 'Lead', field: 'cTier' }, state: 'abc' };

describe('confirm tokens', () => {
  it('accepts the token for the same tenant, tool, arguments and state, ignoring confirm/dryRun', () => {
    const tokens = new ConfirmTokens();
    const { token } = tokens.issue(binding);
    expect(tokens.verify(token, { ...binding, args: { ...binding.args, confirm: token, dryRun: false } })).toEqual({ ok: true });
  });

  it('refuses another tenant, tool, arguments or state with the reason', () => {
    const tokens = new ConfirmTokens();
    const { token } = tokens.issue(binding);
    expect(tokens.verify(token, { ...binding, tenant: 'coach-vero' })).toMatchObject({ ok: false, reason: 'tenant' });
    expect(tokens.verify(token, { ...binding, tool: 'reset_layout' })).toMatchObject({ ok: false, reason: 'tool' });
    expect(tokens.verify(token, { ...binding, args: { entity: 'Lead', field: 'cOther' } })).toMatchObject({ ok: false, reason: 'arguments' });
    expect(tokens.verify(token, { ...binding, state: 'changed' })).toMatchObject({ ok: false, reason: 'state' });
  });

  it('binds the caller: only whoever planned may confirm, and how they authenticated counts', () => {
    const tokens = new ConfirmTokens();
    const { token } = tokens.issue({ ...binding, caller: 'token:max' });
    expect(tokens.verify(token, { ...binding, caller: 'token:max' })).toEqual({ ok: true });
    expect(tokens.verify(token, { ...binding, caller: 'token:ops' })).toMatchObject({ ok: false, reason: 'caller', message: expect.stringMatching(/another caller/) });
    // A JWT whose subject equals a static token's name is another caller.
    expect(tokens.verify(token, { ...binding, caller: 'jwt:max' })).toMatchObject({ ok: false, reason: 'caller' });
    // A token issued without a caller does not confirm for one, nor the reverse.
    expect(tokens.verify(token, binding)).toMatchObject({ ok: false, reason: 'caller' });
    expect(tokens.verify(tokens.issue(binding).token, { ...binding, caller: 'token:max' })).toMatchObject({ ok: false, reason: 'caller' });
  });

  it('refuses tampered, foreign, malformed, expired and replayed tokens', () => {
    let now = 1_000_000;
    const tokens = new ConfirmTokens(undefined, 60_000, () => now);
    const { token } = tokens.issue(binding);
    const [body, sig] = token.split('.') as [string, string];
    const payload = JSON.parse(Buffer.from(body, 'base64url').toString()) as Record<string, unknown>;
    const forged = `${Buffer.from(JSON.stringify({ ...payload, t: 'coach-vero' })).toString('base64url')}.${sig}`;
    expect(tokens.verify(forged, { ...binding, tenant: 'coach-vero' })).toMatchObject({ ok: false, reason: 'signature' });
    expect(new ConfirmTokens().verify(token, binding)).toMatchObject({ ok: false, reason: 'signature' });
    expect(tokens.verify('nonsense', binding)).toMatchObject({ ok: false, reason: 'malformed' });
    now += 61_000;
    expect(tokens.verify(token, binding)).toMatchObject({ ok: false, reason: 'expired' });
    now -= 61_000;
    tokens.consume(token);
    expect(tokens.verify(token, binding)).toMatchObject({ ok: false, reason: 'used' });
  });

  it('canonical JSON ignores key order and fingerprints follow it', () => {
    fc.assert(
      fc.property(fc.dictionary(fc.string(), fc.jsonValue()), (obj) => {
        const reversed = Object.fromEntries(Object.entries(obj).reverse());
        expect(canonicalJson(reversed)).toBe(canonicalJson(obj));
        expect(fingerprint(reversed)).toBe(fingerprint(obj));
      }),
    );
    expect(fingerprint({ a: 1 })).not.toBe(fingerprint({ a: 2 }));
  });
});
