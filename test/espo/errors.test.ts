import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  EspoAuthError,
  EspoConflictError,
  EspoError,
  EspoForbiddenError,
  EspoNetworkError,
  EspoNotFoundError,
  EspoServerError,
  EspoTimeoutError,
  EspoUnavailableError,
  EspoValidationError,
  errorFromResponse,
  errorFromTransport,
  isAdminRoute,
  type AuthKind,
  type RequestContext,
} from '../../src/espo/errors.js';

interface Exchange {
  name: string;
  method: string;
  path: string;
  requestHeaders: Record<string, string>;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody?: unknown;
}

const exchanges = readFileSync(new URL('../fixtures/recorded/exchanges.jsonl', import.meta.url), 'utf8')
  .trim().split('\n').map((l) => JSON.parse(l) as Exchange);

function recordedError(name: string, authKind?: AuthKind): EspoError {
  const ex = exchanges.find((e) => e.name === name);
  if (!ex) throw new Error(`no recorded exchange ${name}`);
  const headers = Object.fromEntries(Object.entries(ex.responseHeaders).map(([k, v]) => [k.toLowerCase(), v]));
  const req = Object.keys(ex.requestHeaders).map((h) => h.toLowerCase());
  const kind: AuthKind = authKind ?? (req.includes('x-api-key') ? 'apiKey' : req.includes('x-hmac-authorization') ? 'hmac' : req.includes('espo-authorization') ? 'token' : 'none');
  const path = ex.path.replace(/^\/api\/v1\//, '').split('?')[0] as string;
  const body = ex.responseBody === '' ? null : ex.responseBody ?? null;
  return errorFromResponse({ status: ex.status, headers, body }, { tenantId: 'damath', method: ex.method, path, authKind: kind, username: 'admin' });
}

const ctx = (over: Partial<RequestContext> = {}): RequestContext => ({ tenantId: 'damath', method: 'GET', path: 'Lead', authKind: 'apiKey', ...over });

describe('errorFromResponse on recorded EspoCRM answers', () => {
  it('401 on a password login: the password was refused, how to fix it, and the pause', () => {
    const e = recordedError('auth.espoAuthorization.wrongPassword', 'password');
    expect(e).toBeInstanceOf(EspoAuthError);
    expect(e.code).toBe('auth_refused');
    expect((e as EspoAuthError).credential).toBe('password');
    expect(e.userMessage).toMatch(/refused the admin login \(user "admin"\)/);
    expect(e.userMessage).toMatch(/set-secret damath admin\.password/);
    expect(e.userMessage).toMatch(/60 s/);
    expect(e.retryable).toBe(false);
  });

  it('401 with an API key names the API key', () => {
    const e = recordedError('auth.apiKey.unknown');
    expect(e).toBeInstanceOf(EspoAuthError);
    expect(e.userMessage).toMatch(/refused the API key/);
    expect(e.userMessage).toMatch(/set-secret damath apiKey/);
  });

  it('401 with HMAC names the HMAC secret', () => {
    const e = recordedError('auth.hmac.badSignature');
    expect(e).toBeInstanceOf(EspoAuthError);
    expect(e.userMessage).toMatch(/HMAC/);
  });

  it('401 second-step-required explains 2FA', () => {
    const e = errorFromResponse({ status: 401, headers: { 'x-status-reason': 'second-step-required' }, body: { status: 'secondStepRequired', message: 'Code', token: 'tok' } }, ctx({ authKind: 'password', username: 'admin' }));
    expect(e).toBeInstanceOf(EspoAuthError);
    expect(e.code).toBe('second_step_required');
    expect(e.userMessage).toMatch(/two-factor authentication/);
    expect(e.userMessage).not.toContain('tok');
  });

  it('bare 403 on an admin route for the API user: not an admin, configure an admin login', () => {
    for (const name of ['apiUser.admin.fieldManager.read.forbidden', 'apiUser.admin.rebuild.forbidden', 'apiUser.layout.update.forbidden', 'apiUser.metadata.action.get.forbidden']) {
      const e = recordedError(name);
      expect(e, name).toBeInstanceOf(EspoForbiddenError);
      expect(e.code, name).toBe('not_admin');
      expect(e.userMessage, name).toMatch(/API users be admins/);
      expect(e.userMessage, name).toMatch(/admin login/);
      expect(e.reason, name).toBe('');
    }
  });

  it('403 on the password login: lockout, wait 60 s, check the password', () => {
    const e = errorFromResponse({ status: 403, headers: { 'x-status-reason': '' }, body: null }, ctx({ authKind: 'password', path: 'App/user' }));
    expect(e).toBeInstanceOf(EspoForbiddenError);
    expect(e.code).toBe('login_blocked');
    expect(e.userMessage).toMatch(/locked this IP address out/);
    expect(e.userMessage).toMatch(/wait 60 s/);
    expect(e.userMessage).toMatch(/check the stored admin password/);
  });

  it('403 with a reason passes the reason on', () => {
    const e = recordedError('lead.list.maxSize201.forbidden');
    expect(e).toBeInstanceOf(EspoForbiddenError);
    expect(e.code).toBe('forbidden');
    expect(e.userMessage).toMatch(/Max size should not exceed 200/);
    expect(recordedError('apiUser.Opportunity.list.forbidden').userMessage).toMatch(/No read access\. Check the roles/);
  });

  it('404 with a reason', () => {
    const e = recordedError('layout.read.Lead.noSuchLayout');
    expect(e).toBeInstanceOf(EspoNotFoundError);
    expect(e.userMessage).toMatch(/Layout Lead:noSuchLayout is not found\./);
    expect(recordedError('lead.merge.sourceNotFound')).toBeInstanceOf(EspoNotFoundError);
  });

  it('409 duplicate carries the matched records', () => {
    const e = recordedError('lead.create.duplicate.sameEmail.409');
    expect(e).toBeInstanceOf(EspoConflictError);
    const c = e as EspoConflictError;
    expect(c.conflict).toBe('duplicate');
    expect(c.duplicates?.length).toBeGreaterThan(0);
    expect(c.duplicates?.[0]?.id).toBe('6b0b27ca97d408ec1');
    expect(c.userMessage).toContain('6b0b27ca97d408ec1');
    // record data stays in `duplicates`, out of the message
    expect(c.userMessage).not.toContain('john.doe@example.com');
  });

  it('409 fieldAlreadyExists names the field', () => {
    const e = recordedError('fieldManager.create.duplicateName');
    expect(e).toBeInstanceOf(EspoConflictError);
    expect((e as EspoConflictError).conflict).toBe('fieldAlreadyExists');
    expect(e.userMessage).toMatch(/"cMcpNote" already exists in Lead/);
    expect(e.translation?.label).toBe('fieldAlreadyExists');
  });

  it('409 modified asks to read again', () => {
    const e = errorFromResponse({ status: 409, headers: { 'x-status-reason': 'modified' }, body: { values: {}, versionNumber: 3 } }, ctx({ method: 'PUT' }));
    expect((e as EspoConflictError).conflict).toBe('modified');
    expect(e.userMessage).toMatch(/Read it again/);
  });

  it('400 field validation names the field and check', () => {
    const e = recordedError('lead.create.validation.badEnum');
    expect(e).toBeInstanceOf(EspoValidationError);
    const v = e as EspoValidationError;
    expect([v.entityType, v.field, v.validation]).toEqual(['Lead', 'status', 'valid']);
    expect(v.userMessage).toMatch(/field "status" on Lead/);
    expect(recordedError('fieldManager.create.noType').userMessage).toMatch(/No type\./);
    expect(recordedError('lead.list.where.badAttribute').userMessage).toMatch(/Not existing attribute 'noSuchAttr' in where\./);
  });

  it('500 with and without a reason', () => {
    const withReason = recordedError('fieldManager.read.Lead.missing');
    expect(withReason).toBeInstanceOf(EspoServerError);
    expect(withReason.userMessage).toMatch(/Can't read field defs Lead\.noSuchField\./);
    const bare = recordedError('fieldManager.update.varchar.put.labelOnly');
    expect(bare).toBeInstanceOf(EspoServerError);
    expect(bare.reason).toBeUndefined();
    expect(bare.userMessage).toMatch(/gave no reason/);
    expect(bare.userMessage).toMatch(/without "type"/);
  });

  it('503, 502 and 504 are retryable unavailability', () => {
    const m = errorFromResponse({ status: 503, headers: {}, body: { message: 'Application is in maintenance mode.' } }, ctx());
    expect(m).toBeInstanceOf(EspoUnavailableError);
    expect(m.retryable).toBe(true);
    expect(m.userMessage).toMatch(/maintenance mode\./);
    for (const status of [502, 504]) {
      const g = errorFromResponse({ status, headers: {}, body: '<html>Bad gateway</html>' }, ctx());
      expect(g).toBeInstanceOf(EspoUnavailableError);
      expect(g.retryable).toBe(true);
    }
    for (const status of [400, 401, 403, 404, 409, 500]) {
      expect(errorFromResponse({ status, headers: {}, body: null }, ctx()).retryable, String(status)).toBe(false);
    }
  });

  it('a redirect says which URL to configure, without its query', () => {
    const e = errorFromResponse({ status: 301, headers: { location: 'https://crm.example.com/api/v1/Lead?x=SECRET' }, body: null }, ctx({ origin: 'http://crm.example.com' }));
    expect(e.code).toBe('redirect');
    expect(e.userMessage).toContain('https://crm.example.com/api/v1/Lead');
    expect(e.userMessage).not.toContain('SECRET');
  });

  it('never shows a raw body; a JSON message only as a short single-line excerpt', () => {
    const secret = 'Espo-Authorization: YWRtaW46cGFzc3dvcmQ=';
    const raw = errorFromResponse({ status: 500, headers: {}, body: `<html>${secret}</html>` }, ctx());
    expect(raw.userMessage).not.toContain(secret);
    const long = 'x'.repeat(1000);
    const json = errorFromResponse({ status: 500, headers: {}, body: { message: `line1\nline2 ${long}` } }, ctx());
    expect(json.userMessage).toContain('line1 line2');
    expect(json.userMessage.length).toBeLessThan(600);
    expect(json.userMessage).not.toContain('\n');
  });
});

describe('errorFromTransport', () => {
  const sys = (code: string) => Object.assign(new Error(`connect ${code} 127.0.0.1:1`), { code });

  it('maps connection, DNS and reset failures to EspoNetworkError with a phase', () => {
    const refused = errorFromTransport(sys('ECONNREFUSED'), ctx({ origin: 'http://127.0.0.1:1' }));
    expect(refused).toBeInstanceOf(EspoNetworkError);
    expect(refused.phase).toBe('connect');
    expect(refused.retryable).toBe(true);
    expect(refused.userMessage).toMatch(/refused/);
    expect(refused.userMessage).toContain('http://127.0.0.1:1');

    const dns = errorFromTransport(sys('ENOTFOUND'), ctx());
    expect(dns.phase).toBe('dns');
    expect(dns.retryable).toBe(false);

    const reset = errorFromTransport({ code: 'UND_ERR_SOCKET', cause: sys('ECONNRESET') }, ctx());
    expect(reset.phase).toBe('exchange');
    expect(reset.retryable).toBe(true);

    const tls = errorFromTransport(sys('DEPTH_ZERO_SELF_SIGNED_CERT'), ctx());
    expect(tls.phase).toBe('tls');
    expect(tls.retryable).toBe(false);
  });

  it('maps undici timeouts to EspoTimeoutError with the phase that timed out', () => {
    const cases: Array<[string, string]> = [['UND_ERR_CONNECT_TIMEOUT', 'connect'], ['UND_ERR_HEADERS_TIMEOUT', 'headers'], ['UND_ERR_BODY_TIMEOUT', 'body']];
    for (const [code, phase] of cases) {
      const e = errorFromTransport(sys(code), ctx(), { connectMs: 1000, headersMs: 2000, bodyMs: 3000 });
      expect(e, code).toBeInstanceOf(EspoTimeoutError);
      expect(e.phase, code).toBe(phase);
    }
    expect(errorFromTransport(sys('UND_ERR_HEADERS_TIMEOUT'), ctx(), { headersMs: 2000 }).userMessage).toMatch(/did not answer GET Lead within 2 s/);
  });
});

describe('isAdminRoute', () => {
  it('knows the admin routes', () => {
    expect(isAdminRoute('GET', 'Admin/fieldManager/Lead/x')).toBe(true);
    expect(isAdminRoute('PUT', 'Lead/layout/list')).toBe(true);
    expect(isAdminRoute('GET', 'Lead/layout/list')).toBe(false);
    expect(isAdminRoute('GET', 'Metadata/action/get')).toBe(true);
    expect(isAdminRoute('GET', 'Lead')).toBe(false);
    expect(isAdminRoute('PATCH', 'Settings')).toBe(true);
  });
});
