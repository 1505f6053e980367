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

  private principalOf(payload: JWTPayload): Principal {
    const { nameClaim, tenantsClaim, readOnlyClaim } = this.cfg;
    const name = payload[nameClaim];
    if (typeof name !== 'string' || name === '') throw new TokenRejected(`the token has no "${nameClaim}" claim naming the caller`);
    const claim = payload[tenantsClaim];
    let tenants: Principal['tenants'];
    if (claim === '*') tenants = '*';
    else if (Array.isArray(claim) && claim.every((t): t is string => typeof t === 'string')) tenants = [...claim];
    else throw new TokenRejected(`the token's "${tenantsClaim}" claim must be a list of tenant ids or "*"`);
    const readOnly = readOnlyClaim !== undefined && payload[readOnlyClaim] === true;
    return { name, tenants, ...(readOnly ? { readOnly: true } : {}) };
  }
}

function describeJoseError(err: unknown): string {
  if (err instanceof joseErrors.JWTExpired) return 'the token has expired';
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
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
