/**
 * JWT bearer tokens verified with `jose`: HS256 with a shared secret (a secret reference), or
 * asymmetric keys from the issuer's JWKS URL. Issuer, audience and expiry are always checked; the
 * caller's tenants, name and read-only flag come from configurable claims.
 */
import { createRemoteJWKSet, errors as joseErrors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { HttpJwtConfig } from '../config/http.js';
import type { Principal } from '../tenants/policy.js';
import { resolveHttpSecret, type HttpSecretContext } from './secrets.js';

/** RFC 7518 §3.2: an HS256 key at least as long as the hash. */
export const MIN_HS256_SECRET_BYTES = 32;

const ASYMMETRIC = ['RS256', 'RS384', 'RS512', 'PS256', 'PS384', 'PS512', 'ES256', 'ES384', 'ES512', 'EdDSA'];

/** A token that does not authenticate anyone; `description` is safe to send back (RFC 6750 error_description). */
export class TokenRejected extends Error {
  constructor(
    readonly description: string,
    options?: { cause?: unknown },
  ) {
    super(description, options);
    this.name = 'TokenRejected';
  }
}

export class JwtVerifier {
  private constructor(
    private readonly cfg: HttpJwtConfig,
    private readonly key: Uint8Array | JWTVerifyGetKey,
    private readonly algorithms: string[],
  ) {}

  static async create(cfg: HttpJwtConfig, ctx: HttpSecretContext): Promise<JwtVerifier> {
    if (cfg.secret !== undefined) {
      const secret = await resolveHttpSecret(cfg.secret, 'http.jwt.secret', ctx);
      const bytes = new TextEncoder().encode(secret);
      if (bytes.length < MIN_HS256_SECRET_BYTES) {
        throw new Error(`http.jwt.secret: the HS256 secret is shorter than ${MIN_HS256_SECRET_BYTES} bytes — use a long random value, e.g. \`openssl rand -hex 32\``);
      }
      return new JwtVerifier(cfg, bytes, ['HS256']);
    }
    if (cfg.jwksUrl === undefined) throw new Error('http.jwt: expected "secret" or "jwksUrl"');
    return new JwtVerifier(cfg, createRemoteJWKSet(new URL(cfg.jwksUrl), { timeoutDuration: 5_000, cooldownDuration: 30_000 }), ASYMMETRIC);
  }

  /** The principal a valid token names; throws `TokenRejected` otherwise. */
  async verify(token: string): Promise<Principal> {
    let payload: JWTPayload;
    try {
      const options = {
        issuer: this.cfg.issuer,
        audience: this.cfg.audience,
        algorithms: this.algorithms,
        clockTolerance: this.cfg.clockToleranceSeconds,
        requiredClaims: ['exp'],
      };
      // Two calls rather than a union key: jose overloads on the key's type.
      const result = this.key instanceof Uint8Array ? await jwtVerify(token, this.key, options) : await jwtVerify(token, this.key, options);
      payload = result.payload;
    } catch (err) {
      throw new TokenRejected(describeJoseError(err), { cause: err });
    }
    return this.principalOf(payload);
  }

  /**
   * The caller a verified claims set names, every claim of the wrong type refused: a read-only flag
   * written as "true" must not pass for false (nor for true), a tenant list holding a number must not
   * be read as some other list. The messages name the claim and the type found, never a value.
   */
  private principalOf(payload: JWTPayload): Principal {
    const { nameClaim, tenantsClaim, readOnlyClaim } = this.cfg;
    const name = claimOf(payload, nameClaim);
    if (typeof name !== 'string' || name === '') {
      throw new TokenRejected(`the token's "${nameClaim}" claim must be a non-empty string naming the caller, found ${name === '' ? 'an empty string' : kindOf(name)}`);
    }
    const claim = claimOf(payload, tenantsClaim);
    let tenants: Principal['tenants'];
    if (claim === '*') tenants = '*';
    else if (Array.isArray(claim) && claim.every((t): t is string => typeof t === 'string')) tenants = [...claim];
    else throw new TokenRejected(`the token's "${tenantsClaim}" claim must be a list of tenant ids (strings) or "*", found ${kindOf(claim, true)}`);
    let readOnly = false;
    if (readOnlyClaim !== undefined && Object.hasOwn(payload, readOnlyClaim)) {
      const flag = payload[readOnlyClaim];
      if (typeof flag !== 'boolean') throw new TokenRejected(`the token's "${readOnlyClaim}" claim must be true or false, found ${kindOf(flag)}`);
      readOnly = flag;
    }
    checkRegisteredClaims(payload);
    return { name, tenants, ...(readOnly ? { readOnly: true } : {}) };
  }
}

/** A claim the token itself holds (never one inherited from `Object.prototype`, e.g. "constructor"). */
function claimOf(payload: JWTPayload, claim: string): unknown {
  return Object.hasOwn(payload, claim) ? payload[claim] : undefined;
}

const NUMERIC_DATES = ['exp', 'nbf', 'iat'] as const;

/**
 * RFC 7519 §4.1 types, beyond what `jose` checks: numeric dates finite (JSON's 1e400 is Infinity, an
 * `exp` that never comes), `aud` a string or strings only, `iss`, `sub` and `jti` strings.
 */
function checkRegisteredClaims(payload: JWTPayload): void {
  for (const claim of NUMERIC_DATES) {
    if (!Object.hasOwn(payload, claim)) continue;
    const value = payload[claim];
    if (typeof value !== 'number') throw new TokenRejected(numericDateMessage(claim, value));
    if (!Number.isFinite(value)) throw new TokenRejected(`the token's "${claim}" claim must be a finite number (seconds since 1970)`);
  }
  for (const claim of ['iss', 'sub', 'jti'] as const) {
    if (Object.hasOwn(payload, claim) && typeof payload[claim] !== 'string') throw new TokenRejected(stringMessage(claim, payload[claim]));
  }
  if (Object.hasOwn(payload, 'aud')) {
    const aud = payload.aud;
    if (typeof aud !== 'string' && !(Array.isArray(aud) && aud.every((a) => typeof a === 'string'))) {
      throw new TokenRejected(`the token's "aud" claim must be a string or a list of strings, found ${kindOf(aud, true)}`);
    }
  }
}

const numericDateMessage = (claim: string, value: unknown) => `the token's "${claim}" claim must be a number (seconds since 1970), found ${kindOf(value)}`;
const stringMessage = (claim: string, value: unknown) => `the token's "${claim}" claim must be a string, found ${kindOf(value)}`;

/**
 * The JSON type of a claim value, for messages (never the value: it came from the caller); for a claim
 * that may be a list of strings, the type of the first item that is not one.
 */
function kindOf(value: unknown, strings = false): string {
  if (value === undefined) return 'none';
  if (value === null) return 'null';
  if (Array.isArray(value)) {
    const odd = strings ? value.find((v) => typeof v !== 'string') : undefined;
    return odd === undefined ? 'a list' : `a list holding ${kindOf(odd)}`;
  }
  switch (typeof value) {
    case 'string':
      return 'a string';
    case 'number':
      return 'a number';
    case 'boolean':
      return 'a boolean';
    default:
      return 'an object';
  }
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    const value = Object.hasOwn(err.payload, err.claim) ? err.payload[err.claim] : undefined;
    // A claim of the wrong type: say which claim and which type (jose checks the numeric dates' types).
    if (err.reason === 'invalid' && (NUMERIC_DATES as readonly string[]).includes(err.claim)) return numericDateMessage(err.claim, value);
    if (err.claim === 'iss' && value !== undefined && typeof value !== 'string') return stringMessage('iss', value);
    if (err.claim === 'aud' && value !== undefined && typeof value !== 'string' && !(Array.isArray(value) && value.every((a) => typeof a === 'string'))) {
      return `the token's "aud" claim must be a string or a list of strings, found ${kindOf(value, true)}`;
    }
    if (err.claim === 'iss') return 'the token was issued by another issuer';
    if (err.claim === 'aud') return 'the token is for another audience';
    if (err.claim === 'exp') return 'the token has no expiry ("exp")';
    if (err.claim === 'nbf') return 'the token is not valid yet';
    return `the token's "${err.claim}" claim is not valid`;
  }
  if (err instanceof joseErrors.JWSSignatureVerificationFailed) return 'the token signature is not valid';
  if (err instanceof joseErrors.JOSEAlgNotAllowed) return 'the token is signed with an algorithm this server does not accept';
  if (err instanceof joseErrors.JWKSNoMatchingKey) return 'no key of the issuer matches the token';
  if (err instanceof joseErrors.JWKSTimeout || err instanceof joseErrors.JWKSInvalid) return "the issuer's keys could not be fetched";
  if (err instanceof joseErrors.JOSEError) return 'the token is not a valid JWT';
  return "the token could not be verified (the issuer's keys may be unreachable)";
}
