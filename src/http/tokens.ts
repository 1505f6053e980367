/**
 * Static bearer tokens from the `http.tokens` section. Each presented token is compared with every
 * configured one in constant time: both sides are HMAC-SHA256 digests under a per-process random key,
 * so the comparison always runs on 32 equal-length bytes, whatever the token lengths, and there is no
 * early exit on a match.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { HttpTokenConfig } from '../config/http.js';
import type { Principal } from '../tenants/policy.js';
import { resolveHttpSecret, type HttpSecretContext } from './secrets.js';

/** Shorter tokens are refused at start: they can be guessed. */
export const MIN_TOKEN_LENGTH = 16;

interface Entry {
  digest: Buffer;
  principal: Principal;
}

export class StaticTokens {
  private constructor(
    private readonly key: Buffer,
    private readonly entries: readonly Entry[],
  ) {}

  /** Resolves every token's secret reference now, so that a missing one stops the server at start. */
  static async load(tokens: readonly HttpTokenConfig[], ctx: HttpSecretContext): Promise<StaticTokens> {
    const key = randomBytes(32);
    const entries: Entry[] = [];
    const owners = new Map<string, string>();
    for (const [i, t] of tokens.entries()) {
      const where = `http.tokens[${i}].token (token "${t.name}")`;
      const value = await resolveHttpSecret(t.token, where, ctx);
      if (value.length < MIN_TOKEN_LENGTH) {
        throw new Error(`${where}: the token is shorter than ${MIN_TOKEN_LENGTH} characters — use a long random value, e.g. \`openssl rand -hex 32\``);
      }
      const digest = hmac(key, value);
      const hex = digest.toString('hex');
      const owner = owners.get(hex);
      if (owner !== undefined) throw new Error(`${where}: the same token as token "${owner}" — each caller needs its own token`);
      owners.set(hex, t.name);
      entries.push({ digest, principal: { name: t.name, tenants: t.tenants === '*' ? '*' : [...t.tenants], ...(t.readOnly ? { readOnly: true } : {}) } });
    }
    return new StaticTokens(key, entries);
  }

  get size(): number {
    return this.entries.length;
  }

  /** The principal of the configured token named `name` as configured now, or undefined (the dashboard's sessions follow the configuration). */
  byName(name: string): Principal | undefined {
    const e = this.entries.find((x) => x.principal.name === name);
    return e ? { ...e.principal, tenants: e.principal.tenants === '*' ? '*' : [...e.principal.tenants] } : undefined;
  }

  /** The principal of the token presented, or undefined. */
  match(presented: string): Principal | undefined {
    const digest = hmac(this.key, presented);
    let found: Principal | undefined;
    for (const e of this.entries) {
      if (timingSafeEqual(digest, e.digest) && !found) found = e.principal;
    }
    return found ? { ...found, tenants: found.tenants === '*' ? '*' : [...found.tenants] } : undefined;
  }
}

function hmac(key: Buffer, value: string): Buffer {
  return createHmac('sha256', key).update(value, 'utf8').digest();
}
