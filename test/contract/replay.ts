/**
 * Replays recorded exchanges against a sandbox: puts real credentials where the recording has
 * `<redacted>`, maps the recording's record ids to the sandbox's, and keeps the tokens and API
 * users that earlier exchanges created.
 *
 * Credentials, inferred from the exchange name and header:
 * - `Authorization` (Basic) and `Espo-Authorization`: the sandbox admin with its password; a wrong
 *   password for `*.wrongPassword`; the token of `auth.login.createToken` (bound to a token secret)
 *   for `auth.byToken.createdWithTokenSecret.401` and `auth.byToken.viaBasicHeader.401`; the token of
 *   `auth.login.createToken.noSecret` for the later token exchanges and the logout body.
 * - `X-Api-Key`: the key `POST User` returned for `user.api.create` (an unknown key for
 *   `auth.apiKey.unknown`).
 * - `X-Hmac-Authorization`: signed with the key and secret `POST User` returned for
 *   `user.api.create.hmac`; signed over path + query for `auth.hmac.signedWithQueryString.401`, with a
 *   wrong secret for `auth.hmac.badSignature`.
 * API users are created through `POST User` as the recording did (the sandbox supports it), with the
 * role `POST Role` created, so their access is the recorded role's.
 */
import { createHmac } from 'node:crypto';
import type { Sandbox } from '../../src/sandbox/index.js';
import type { Exchange } from './recording.js';
import { parseBody, type Body } from './shape.js';

export interface ReplayResult {
  status: number;
  reason: string | undefined;
  body: Body;
}

const redacted = '<redacted>';
const idPattern = /\b[0-9a-f]{17}\b/g;

export class Replayer {
  private readonly ids = new Map<string, string>();
  private readonly tokens: { secretBound?: string; plain?: string } = {};
  private readonly apiUsers: { apiKey?: string; hmac?: { apiKey: string; secret: string } } = {};

  constructor(private readonly sandbox: Sandbox) {}

  mapId(recordedId: string, sandboxId: string): void {
    this.ids.set(recordedId, sandboxId);
  }

  /** Recorded ids in a text replaced by the sandbox's (unknown ids are kept). */
  translate(text: string): string {
    return text.replace(idPattern, (id) => this.ids.get(id) ?? id);
  }

  async replay(exchange: Exchange): Promise<ReplayResult> {
    const path = this.translate(exchange.path);
    const headers = this.headersFor(exchange, path);
    let body: string | undefined;
    if (exchange.requestBody !== null && exchange.requestBody !== undefined) {
      // a string request body is the raw text that was sent (e.g. malformed JSON for a layout)
      body = typeof exchange.requestBody === 'string' ? exchange.requestBody : this.translate(JSON.stringify(this.withSecrets(exchange, exchange.requestBody)));
    }
    const response = await fetch(this.sandbox.url + path, { method: exchange.method, headers, ...(body !== undefined ? { body } : {}) });
    const text = await response.text();
    const result: ReplayResult = { status: response.status, reason: response.headers.get('x-status-reason') ?? undefined, body: parseBody(text) };
    this.learn(exchange, result);
    return result;
  }

  /** Sends a request of the test's own (state setup), as the admin. */
  async adminRequest(method: string, path: string, body: unknown, extraHeaders: Record<string, string> = {}): Promise<ReplayResult> {
    const { username, password } = this.sandbox.credentials.admin;
    const response = await fetch(`${this.sandbox.apiUrl}/${path}`, {
      method,
      headers: { Authorization: basic(username, password), 'Content-Type': 'application/json', ...extraHeaders },
      body: JSON.stringify(body),
    });
    const text = await response.text();
    return { status: response.status, reason: response.headers.get('x-status-reason') ?? undefined, body: parseBody(text) };
  }

  private headersFor(exchange: Exchange, path: string): Record<string, string> {
    const headers: Record<string, string> = {};
    const { username } = this.sandbox.credentials.admin;
    for (const [name, value] of Object.entries(exchange.requestHeaders)) {
      if (value !== redacted) {
        headers[name] = value;
        continue;
      }
      switch (name.toLowerCase()) {
        case 'authorization':
          headers[name] = basic(username, this.adminSecret(exchange));
          break;
        case 'espo-authorization':
          headers[name] = Buffer.from(`${username}:${this.adminSecret(exchange)}`).toString('base64');
          break;
        case 'x-api-key':
          headers[name] = exchange.name === 'auth.apiKey.unknown' ? 'no-such-api-key-0000' : this.need(this.apiUsers.apiKey, 'API key');
          break;
        case 'x-hmac-authorization':
          headers[name] = this.hmacHeader(exchange, path);
          break;
        default:
          throw new Error(`no credential for header ${name} in ${exchange.name}`);
      }
    }
    return headers;
  }

  /** The admin password, a wrong one, or a token created earlier in the replay. */
  private adminSecret(exchange: Exchange): string {
    const name = exchange.name;
    if (name.endsWith('.wrongPassword')) return 'not-the-password';
    if (name === 'auth.byToken.createdWithTokenSecret.401' || name === 'auth.byToken.viaBasicHeader.401') return this.need(this.tokens.secretBound, 'secret-bound token');
    if (name.startsWith('auth.byToken.') || name === 'auth.logout.destroyToken') return this.need(this.tokens.plain, 'token');
    return this.sandbox.credentials.admin.password;
  }

  private hmacHeader(exchange: Exchange, path: string): string {
    const user = this.need(this.apiUsers.hmac, 'HMAC user');
    const resource = path.slice('/api/v1'.length);
    const signed = exchange.name === 'auth.hmac.signedWithQueryString.401' ? resource : resource.split('?')[0];
    const secret = exchange.name === 'auth.hmac.badSignature' ? 'not-the-secret' : user.secret;
    const signature = createHmac('sha256', secret).update(`${exchange.method} ${signed}`).digest('hex');
    return Buffer.from(`${user.apiKey}:${signature}`).toString('base64');
  }

  private withSecrets(exchange: Exchange, body: unknown): unknown {
    if (exchange.name === 'auth.logout.destroyToken' && typeof body === 'object' && body !== null) {
      return { ...(body as Record<string, unknown>), token: this.need(this.tokens.plain, 'token') };
    }
    return body;
  }

  /** Remembers what later exchanges need: ids of created records, tokens, API users. */
  private learn(exchange: Exchange, result: ReplayResult): void {
    if (result.body.kind !== 'json' || typeof result.body.value !== 'object' || result.body.value === null) return;
    const actual = result.body.value as Record<string, unknown>;
    const recorded = exchange.responseBody as Record<string, unknown> | null | undefined;
    if (exchange.method === 'POST' && result.status === 200 && recorded && typeof recorded.id === 'string' && typeof actual.id === 'string') {
      this.mapId(recorded.id, actual.id);
    }
    if (exchange.name === 'auth.login.createToken' && typeof actual.token === 'string') this.tokens.secretBound = actual.token;
    if (exchange.name === 'auth.login.createToken.noSecret' && typeof actual.token === 'string') this.tokens.plain = actual.token;
    if (exchange.name === 'user.api.create' && typeof actual.apiKey === 'string') this.apiUsers.apiKey = actual.apiKey;
    if (exchange.name === 'user.api.create.hmac' && typeof actual.apiKey === 'string' && typeof actual.secretKey === 'string') {
      this.apiUsers.hmac = { apiKey: actual.apiKey, secret: actual.secretKey };
    }
  }

  private need<T>(value: T | undefined, what: string): T {
    if (value === undefined) throw new Error(`the replay has no ${what} yet`);
    return value;
  }
}

export const basic = (user: string, password: string) => `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
