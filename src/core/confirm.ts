/**
 * Confirm tokens for destructive tools. A plan returns a token signed with the server's key and bound to
 * the tenant, the tool, the arguments (minus `confirm`/`dryRun`) and a fingerprint of the state the plan
 * was made on; it expires after a few minutes. Applying needs the token, and is refused when any of
 * those no longer match: this works in every MCP client, with or without elicitation.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface ConfirmBinding {
  tenant: string;
  tool: string;
  args: Record<string, unknown>;
  /** Fingerprint of the state the plan was made on (e.g. a layout's or a field's current JSON). */
  state: string;
  /**
   * Who planned: only the same caller may apply (a plan made with one token cannot be confirmed with
   * another). The name and how it authenticated, e.g. "token:max-frontend" or "jwt:max@example.com".
   */
  caller?: string;
}

interface Payload {
  v: 1;
  t: string;
  tool: string;
  a: string;
  s: string;
  /** Digest of the caller, when bound. */
  c?: string;
  exp: number;
  n: string;
}

export type ConfirmCheck =
  | { ok: true }
  | { ok: false; reason: 'malformed' | 'signature' | 'expired' | 'used' | 'tenant' | 'caller' | 'tool' | 'arguments' | 'state'; message: string };

/** Canonical JSON: object keys sorted, so equal values hash equally whatever their key order. */
export function canonicalJson(value: unknown): string {
  if (value === undefined) return 'null';
  if (value === null || typeof value !== 'object') return JSON.stringify(value);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

export function fingerprint(value: unknown): string {
  return createHash('sha256').update(canonicalJson(value)).digest('base64url').slice(0, 22);
}

/** Arguments that do not change what a plan does. */
const NON_BINDING_ARGS = new Set(['confirm', 'dryRun']);

function argsDigest(args: Record<string, unknown>): string {
  const bound = Object.fromEntries(Object.entries(args).filter(([k]) => !NON_BINDING_ARGS.has(k)));
  return fingerprint(bound);
}

/** Where spent tokens are remembered when several processes share them (the store). */
export interface OnceRegistry {
  /** Marks `key` used; false when it already was. */
  useOnce(key: string, expiresAtMs: number): Promise<boolean>;
}

const USED: ConfirmCheck = { ok: false, reason: 'used', message: 'this confirm token was already used: plan again for another change' };

export class ConfirmTokens {
  private key: Buffer | undefined;
  private readonly loadKey: (() => Promise<Buffer>) | undefined;
  private loadingKey: Promise<void> | undefined;
  /** Tokens already applied, until they expire: a token confirms one apply only. */
  private readonly used = new Map<string, number>();

  /**
   * `key` signs tokens (random per process when absent; the store's shared key across replicas, as a
   * function: read by `ready()`, which the write pipelines await before they issue or verify a token);
   * `once`, when given, remembers spent tokens for every process sharing it.
   */
  constructor(
    key?: Buffer | string | (() => Promise<Buffer>),
    private readonly ttlMs = 10 * 60_000,
    private readonly now: () => number = Date.now,
    private readonly once?: OnceRegistry,
  ) {
    if (typeof key === 'function') this.loadKey = key;
    else this.key = key === undefined ? randomBytes(32) : Buffer.isBuffer(key) ? key : Buffer.from(key, 'utf8');
  }

  /** Reads the key when it comes from a function (once; a failed read is tried again by the next call). */
  async ready(): Promise<void> {
    if (this.key !== undefined) return;
    this.loadingKey ??= this.loadKey!().then(
      (k) => {
        this.key = k;
      },
      (err: unknown) => {
        this.loadingKey = undefined;
        throw err;
      },
    );
    await this.loadingKey;
  }

  issue(binding: ConfirmBinding): { token: string; expiresAt: string } {
    const exp = this.now() + this.ttlMs;
    const payload: Payload = {
      v: 1,
      t: binding.tenant,
      tool: binding.tool,
      a: argsDigest(binding.args),
      s: binding.state,
      ...(binding.caller !== undefined ? { c: fingerprint(binding.caller) } : {}),
      exp,
      n: randomBytes(6).toString('base64url'),
    };
    const body = Buffer.from(JSON.stringify(payload)).toString('base64url');
    return { token: `${body}.${this.sign(body)}`, expiresAt: new Date(exp).toISOString() };
  }

  verify(token: string, binding: ConfirmBinding): ConfirmCheck {
    const parts = typeof token === 'string' ? token.split('.') : [];
    if (parts.length !== 2 || !parts[0] || !parts[1]) {
      return { ok: false, reason: 'malformed', message: 'the confirm token is malformed: pass the token exactly as the plan returned it' };
    }
    const [body, sig] = parts as [string, string];
    const expected = Buffer.from(this.sign(body));
    const given = Buffer.from(sig);
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) {
      return { ok: false, reason: 'signature', message: 'the confirm token is not one this server issued (or it was altered, or the server\'s store changed): ask for a new plan' };
    }
    let payload: Payload;
    try {
      payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload;
    } catch {
      return { ok: false, reason: 'malformed', message: 'the confirm token is malformed: pass the token exactly as the plan returned it' };
    }
    if (this.used.has(sig)) return USED;
    if (this.now() > payload.exp) return { ok: false, reason: 'expired', message: 'the confirm token has expired: ask for a new plan and confirm it within 10 minutes' };
    if (payload.t !== binding.tenant) return { ok: false, reason: 'tenant', message: 'the confirm token was issued for another tenant: plan again on this tenant' };
    if ((payload.c ?? null) !== (binding.caller !== undefined ? fingerprint(binding.caller) : null)) {
      return { ok: false, reason: 'caller', message: 'the confirm token was issued to another caller: a plan is confirmed by whoever made it, so plan again yourself' };
    }
    if (payload.tool !== binding.tool) return { ok: false, reason: 'tool', message: `the confirm token was issued for another tool, not ${binding.tool}` };
    if (payload.a !== argsDigest(binding.args)) {
      return { ok: false, reason: 'arguments', message: 'the arguments differ from the ones the plan was made with: call again with exactly the planned arguments, or plan again' };
    }
    if (payload.s !== binding.state) {
      return { ok: false, reason: 'state', message: 'the CRM changed since the plan was made: plan again and review the new plan before confirming' };
    }
    return { ok: true };
  }

  /**
   * Marks a verified token as spent, so it cannot confirm a second apply, here or in any process
   * sharing the registry; refused when another apply spent it first.
   */
  async consume(token: string): Promise<ConfirmCheck> {
    const now = this.now();
    for (const [sig, exp] of this.used) if (exp < now) this.used.delete(sig);
    const [body, sig] = token.split('.');
    if (!body || !sig) return { ok: false, reason: 'malformed', message: 'the confirm token is malformed: pass the token exactly as the plan returned it' };
    if (this.used.has(sig)) return USED;
    let exp = now + this.ttlMs;
    try {
      exp = (JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Payload).exp;
    } catch {
      // verified before: cannot happen; keep the default expiry
    }
    this.used.set(sig, exp);
    if (this.once && !(await this.once.useOnce(`confirm:${sig}`, exp))) return USED;
    return { ok: true };
  }

  private sign(body: string): string {
    if (this.key === undefined) throw new Error('confirm tokens used before their key was read: await ready() first');
    return createHmac('sha256', this.key).update(body).digest('base64url');
  }
}
