import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { ConfirmTokens, canonicalJson, fingerprint, type OnceRegistry } from '../../src/core/confirm.js';

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

/** The payload of a token, decoded (the tests read what a token carries; they never rely on it to verify). */
function payloadOf(token: string): Record<string, unknown> {
  return JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** A token for `body` as a server with `key` would sign it (for bodies the server never issues). */
function signed(key: string, body: string): string {
  return `${body}.${createHmac('sha256', key).update(body).digest('base64url')}`;
}

describe('confirm tokens: what pins them (issue 17, mutation testing)', () => {
  it('carries the tenant, tool, argument digest, state, caller digest, expiry and a nonce, signed with HMAC-SHA256', () => {
    const tokens = new ConfirmTokens('server-key', 60_000, () => 5_000);
    const { token, expiresAt } = tokens.issue({ ...binding, args: { ...binding.args, confirm: 'x', dryRun: true }, caller: 'token:max' });
    expect(expiresAt).toBe(new Date(65_000).toISOString());
    const payload = payloadOf(token);
    expect(payload).toEqual({ v: 1, t: 'damath', tool: 'delete_custom_field', a: fingerprint(binding.args), s: 'abc', c: fingerprint('token:max'), exp: 65_000, n: expect.stringMatching(/^[A-Za-z0-9_-]{8}$/) });
    expect(token).toBe(signed('server-key', token.split('.')[0]!));
    // No caller: no caller digest at all (not an empty one).
    expect(Object.keys(payloadOf(tokens.issue(binding).token))).not.toContain('c');
    // A fresh nonce each time: two plans of the same change are two tokens.
    expect(tokens.issue(binding).token).not.toBe(tokens.issue(binding).token);
  });

  it('takes the key as text or bytes alike; without one, each instance has its own random key', () => {
    const a = new ConfirmTokens('shared-key');
    expect(new ConfirmTokens(Buffer.from('shared-key', 'utf8')).verify(a.issue(binding).token, binding)).toEqual({ ok: true });
    expect(new ConfirmTokens('other-key').verify(a.issue(binding).token, binding)).toMatchObject({ ok: false, reason: 'signature' });
    const random = new ConfirmTokens();
    expect(random.verify(random.issue(binding).token, binding)).toEqual({ ok: true });
    expect(new ConfirmTokens().verify(random.issue(binding).token, binding)).toMatchObject({ ok: false, reason: 'signature' });
  });

  it('expires after 10 minutes by default, on the wall clock by default', () => {
    const before = Date.now();
    const { token, expiresAt } = new ConfirmTokens().issue(binding);
    const exp = payloadOf(token).exp as number;
    expect(exp).toBeGreaterThanOrEqual(before + 600_000);
    expect(exp).toBeLessThanOrEqual(Date.now() + 600_000);
    expect(Date.parse(expiresAt)).toBe(exp);
    const tokens = new ConfirmTokens('k', undefined, () => 0);
    expect(payloadOf(tokens.issue(binding).token).exp).toBe(600_000);
  });

  it('is still valid at the expiry instant, expired one millisecond later', () => {
    let now = 1_000;
    const tokens = new ConfirmTokens('k', 60_000, () => now);
    const { token } = tokens.issue(binding);
    now = 61_000;
    expect(tokens.verify(token, binding)).toEqual({ ok: true });
    now = 61_001;
    expect(tokens.verify(token, binding)).toEqual({ ok: false, reason: 'expired', message: expect.stringMatching(/^the confirm token has expired: ask for a new plan/) });
  });

  it('answers "malformed" for anything but two non-empty parts, or a signed body that is not JSON', () => {
    const tokens = new ConfirmTokens('k');
    const malformed = { ok: false, reason: 'malformed', message: expect.stringMatching(/^the confirm token is malformed: pass the token exactly as the plan returned it/) };
    const { token } = tokens.issue(binding);
    const [body, sig] = token.split('.') as [string, string];
    for (const bad of ['nonsense', '', '.', `${body}.`, `.${sig}`, `${token}.${sig}`, undefined, 42, null]) {
      expect(tokens.verify(bad as string, binding), String(bad)).toEqual(malformed);
    }
    // Correctly signed (the key is known here), but the body is not a payload.
    expect(tokens.verify(signed('k', Buffer.from('not json').toString('base64url')), binding)).toEqual(malformed);
  });

  it('answers "signature" for a signature of another length, or altered, or from another key', () => {
    const tokens = new ConfirmTokens('k');
    const { token } = tokens.issue(binding);
    const [body, sig] = token.split('.') as [string, string];
    const signature = { ok: false, reason: 'signature', message: expect.stringMatching(/^the confirm token is not one this server issued .*: ask for a new plan/) };
    expect(tokens.verify(`${body}.${sig}A`, binding)).toEqual(signature);
    expect(tokens.verify(`${body}.${sig.slice(1)}`, binding)).toEqual(signature);
    expect(tokens.verify(`${body}.x`, binding)).toEqual(signature);
    expect(tokens.verify(`${body}.${sig.startsWith('A') ? 'B' : 'A'}${sig.slice(1)}`, binding)).toEqual(signature);
    expect(tokens.verify(signed('other', body), binding)).toEqual(signature);
  });

  it('says what differs, in words', () => {
    const tokens = new ConfirmTokens('k');
    const { token } = tokens.issue({ ...binding, caller: 'token:max' });
    const mine = { ...binding, caller: 'token:max' };
    expect(tokens.verify(token, { ...mine, tenant: 'other' })).toEqual({ ok: false, reason: 'tenant', message: expect.stringMatching(/^the confirm token was issued for another tenant: plan again/) });
    expect(tokens.verify(token, { ...mine, caller: 'token:ops' })).toEqual({
      ok: false,
      reason: 'caller',
      message: expect.stringMatching(/^the confirm token was issued to another caller: .*plan again/),
    });
    expect(tokens.verify(token, { ...mine, tool: 'reset_layout' })).toEqual({ ok: false, reason: 'tool', message: expect.stringMatching(/^the confirm token was issued for another tool, not reset_layout/) });
    expect(tokens.verify(token, { ...mine, args: { entity: 'Lead' } })).toEqual({
      ok: false,
      reason: 'arguments',
      message: expect.stringMatching(/^the arguments differ from the ones the plan was made with: .*plan again/),
    });
    expect(tokens.verify(token, { ...mine, state: 'other' })).toEqual({
      ok: false,
      reason: 'state',
      message: expect.stringMatching(/^the CRM changed since the plan was made: plan again/),
    });
  });

  it('binds the arguments exactly: [1,2] and [12] are different plans, and so are {a:"1"} and {a:1}', () => {
    const tokens = new ConfirmTokens('k');
    const { token } = tokens.issue({ ...binding, args: { ids: [1, 2] } });
    expect(tokens.verify(token, { ...binding, args: { ids: [1, 2] } })).toEqual({ ok: true });
    expect(tokens.verify(token, { ...binding, args: { ids: [12] } })).toMatchObject({ reason: 'arguments' });
    expect(tokens.verify(token, { ...binding, args: { ids: [2, 1] } })).toMatchObject({ reason: 'arguments' });
    const one = tokens.issue({ ...binding, args: { a: '1' } }).token;
    expect(tokens.verify(one, { ...binding, args: { a: 1 } })).toMatchObject({ reason: 'arguments' });
    // Only confirm and dryRun are left out: any other argument counts, even a falsy one.
    expect(tokens.verify(one, { ...binding, args: { a: '1', force: false } })).toMatchObject({ reason: 'arguments' });
  });

  it('a spent token stays spent while other tokens are consumed, until it expires', async () => {
    let now = 0;
    const tokens = new ConfirmTokens('k', 60_000, () => now);
    const a = tokens.issue(binding).token;
    now = 10_000;
    const b = tokens.issue(binding).token;
    const c = tokens.issue(binding).token;
    now = 20_000;
    expect(await tokens.consume(a)).toEqual({ ok: true });
    expect(await tokens.consume(b)).toEqual({ ok: true });
    // Consuming b, then c, must not forget a.
    expect(tokens.verify(a, binding)).toEqual({ ok: false, reason: 'used', message: expect.stringMatching(/^this confirm token was already used: plan again/) });
    expect(await tokens.consume(a)).toMatchObject({ ok: false, reason: 'used' });
    expect(await tokens.consume(c)).toEqual({ ok: true });
    expect(await tokens.consume(a)).toMatchObject({ ok: false, reason: 'used' });
    expect(await tokens.consume(b)).toMatchObject({ ok: false, reason: 'used' });
    expect(tokens.verify(b, binding)).toMatchObject({ reason: 'used' });
    // At a's expiry instant it is still remembered, even when another consume sweeps.
    now = 60_000;
    expect(await tokens.consume(tokens.issue(binding).token)).toEqual({ ok: true });
    expect(tokens.verify(a, binding)).toMatchObject({ reason: 'used' });
    // Past it, the sweep forgets a (the token is refused as expired now), and b stays spent.
    now = 60_001;
    expect(await tokens.consume(tokens.issue(binding).token)).toEqual({ ok: true });
    expect(tokens.verify(a, binding)).toMatchObject({ reason: 'expired' });
    expect(tokens.verify(b, binding)).toMatchObject({ reason: 'used' });
  });

  it('consume refuses a token without two parts, and remembers an unreadable one for the default time to live', async () => {
    let now = 0;
    const tokens = new ConfirmTokens('k', 60_000, () => now);
    const malformed = { ok: false, reason: 'malformed', message: expect.stringMatching(/^the confirm token is malformed: pass the token exactly as the plan returned it/) };
    for (const bad of ['nonsense', '.sig', 'body.']) expect(await tokens.consume(bad), bad).toEqual(malformed);
    expect(await tokens.consume('garbage.sig')).toEqual({ ok: true });
    now = 60_000;
    expect(await tokens.consume('garbage.sig')).toMatchObject({ reason: 'used' });
    now = 60_001;
    expect(await tokens.consume('other.token')).toEqual({ ok: true });
    expect(await tokens.consume('garbage.sig')).toEqual({ ok: true });
  });

  it('a shared registry spends a token for every process using it, keyed by the signature and kept until the expiry', async () => {
    const seen = new Map<string, number>();
    const registry: OnceRegistry = {
      async useOnce(key, expiresAtMs) {
        if (seen.has(key)) return false;
        seen.set(key, expiresAtMs);
        return true;
      },
    };
    const now = () => 1_000;
    const one = new ConfirmTokens('shared', 60_000, now, registry);
    const two = new ConfirmTokens('shared', 60_000, now, registry);
    const { token } = one.issue(binding);
    expect(two.verify(token, binding)).toEqual({ ok: true });
    expect(await two.consume(token)).toEqual({ ok: true });
    expect([...seen]).toEqual([[`confirm:${token.split('.')[1]}`, 61_000]]);
    // The other process never saw it spent locally, but the registry did.
    expect(one.verify(token, binding)).toEqual({ ok: true });
    expect(await one.consume(token)).toEqual({ ok: false, reason: 'used', message: expect.stringMatching(/^this confirm token was already used: plan again/) });
    // Refused by the registry, it is spent locally too.
    expect(one.verify(token, binding)).toMatchObject({ reason: 'used' });
  });
});

describe('canonical JSON', () => {
  it('writes arrays and objects with their separators, keys sorted, undefined left out', () => {
    expect(canonicalJson([1, 2])).toBe('[1,2]');
    expect(canonicalJson([12])).toBe('[12]');
    expect(fingerprint([1, 2])).not.toBe(fingerprint([12]));
    expect(canonicalJson({ b: 2, a: [true, null, 'x'], c: undefined, 'd"e': { z: 1, y: 2 } })).toBe('{"a":[true,null,"x"],"b":2,"d\\"e":{"y":2,"z":1}}');
    expect(canonicalJson({ a: 1, b: 2 })).not.toBe(canonicalJson({ 'a:1,b': 2 }));
    expect(canonicalJson(undefined)).toBe('null');
    expect(canonicalJson([undefined, 1])).toBe('[null,1]');
    expect(canonicalJson(null)).toBe('null');
    expect(canonicalJson('x')).toBe('"x"');
    expect(canonicalJson(3)).toBe('3');
    expect(canonicalJson({})).toBe('{}');
    expect(canonicalJson([])).toBe('[]');
    // Keys in code-unit order, like the sort of a plain array of keys.
    expect(canonicalJson({ b: 1, B: 1, a: 1, _: 1, 10: 1, 9: 1 })).toBe('{"10":1,"9":1,"B":1,"_":1,"a":1,"b":1}');
  });

  it('sorts many keys, in any order given, by code unit', () => {
    fc.assert(
      fc.property(fc.uniqueArray(fc.string({ unit: 'grapheme-ascii', maxLength: 3 }), { minLength: 40, maxLength: 120 }), (keys) => {
        const obj = Object.fromEntries(keys.map((k) => [k, 0]));
        const sorted = Object.keys(obj).sort();
        expect(canonicalJson(obj)).toBe(`{${sorted.map((k) => `${JSON.stringify(k)}:0`).join(',')}}`);
      }),
      { numRuns: 50 },
    );
  });

  it('fingerprints are 22 base64url characters of SHA-256 over the canonical JSON', () => {
    expect(fingerprint({ a: 1 })).toMatch(/^[A-Za-z0-9_-]{22}$/);
    expect(fingerprint({ b: 1, a: 2 })).toBe(fingerprint({ a: 2, b: 1 }));
  });

  it('equal canonical JSON exactly when the values are deeply equal (property)', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.jsonValue(), (x, y) => {
        const same = canonicalJson(x) === canonicalJson(y);
        expect(same).toBe(JSON.stringify(sortKeys(x)) === JSON.stringify(sortKeys(y)));
      }),
    );
  });
});

function sortKeys(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(sortKeys);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(Object.keys(v).sort().map((k) => [k, sortKeys((v as Record<string, unknown>)[k])]));
  }
  return v;
}
