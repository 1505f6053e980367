/**
 * Who is calling, from the `Authorization: Bearer` header: a static token or a JWT, as the `http`
 * section configures. Without any configured authentication (allowed on loopback only) every request
 * is the local user. Tokens are read from the header only, never from the URL.
 */
import type { IncomingHttpHeaders } from 'node:http';
import type { HttpConfig } from '../config/http.js';
import type { Logger } from '../log/logger.js';
import { LOCAL_PRINCIPAL, type Principal } from '../tenants/policy.js';
import { JwtVerifier, TokenRejected } from './jwt.js';
import type { HttpSecretContext } from './secrets.js';
import { StaticTokens } from './tokens.js';

export type AuthOutcome =
  | { ok: true; principal: Principal; via: 'token' | 'jwt' | 'none' }
  /** `error` is the RFC 6750 code; absent when the request carried no credentials at all. */
  | { ok: false; error?: 'invalid_request' | 'invalid_token'; description: string };

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export class Authenticator {
  private constructor(
    private readonly tokens: StaticTokens | undefined,
    private readonly jwt: JwtVerifier | undefined,
    private readonly logger: Logger,
  ) {}

  /** Resolves the configured secrets; throws (before the server listens) when one is missing or weak. */
  static async create(cfg: HttpConfig | undefined, ctx: HttpSecretContext & { logger: Logger }): Promise<Authenticator> {
    const tokens = cfg && cfg.tokens.length > 0 ? await StaticTokens.load(cfg.tokens, ctx) : undefined;
    const jwt = cfg?.jwt ? await JwtVerifier.create(cfg.jwt, ctx) : undefined;
    return new Authenticator(tokens, jwt, ctx.logger);
  }

  /** Whether requests must carry a token. */
  get required(): boolean {
    return this.tokens !== undefined || this.jwt !== undefined;
  }

  /**
   * A session's caller as the configuration says now: a static token's current tenants and read-only flag
   * (undefined once its token is gone from the configuration); a JWT's claims as signed (its session ends
   * no later than the token). The dashboard calls this on every request of a session.
   */
  sessionPrincipal(session: { name: string; via: 'token' | 'jwt'; tenants: '*' | string[]; readOnly?: boolean }): Principal | undefined {
    if (session.via === 'token') {
      const p = this.tokens?.byName(session.name);
      return p ? { ...p, via: 'token' } : undefined;
    }
    if (!this.jwt) return undefined;
    return { name: session.name, tenants: session.tenants === '*' ? '*' : [...session.tenants], ...(session.readOnly ? { readOnly: true } : {}), via: 'jwt' };
  }

  async authenticate(headers: IncomingHttpHeaders): Promise<AuthOutcome> {
    if (!this.required) return { ok: true, principal: { ...LOCAL_PRINCIPAL }, via: 'none' };
    const header = headers.authorization;
    if (header === undefined || header === '') return { ok: false, description: 'this server needs a bearer token (Authorization: Bearer ...)' };
    const match = /^Bearer +(\S+) *$/i.exec(header);
    if (!match) return { ok: false, error: 'invalid_request', description: 'expected "Authorization: Bearer <token>"' };
    const token = match[1]!;
    const fromList = this.tokens?.match(token);
    if (fromList) return { ok: true, principal: fromList, via: 'token' };
    if (this.jwt && JWT_SHAPE.test(token)) {
      try {
        return { ok: true, principal: await this.jwt.verify(token), via: 'jwt' };
      } catch (err) {
        if (!(err instanceof TokenRejected)) throw err;
        this.logger.warn({ reason: err.description, cause: err.cause instanceof Error ? err.cause.message : undefined }, 'JWT refused');
        return { ok: false, error: 'invalid_token', description: err.description };
      }
    }
    return { ok: false, error: 'invalid_token', description: 'the token is not valid for this server' };
  }
}
