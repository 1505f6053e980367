/**
 * What a caller is told when a tenant's secret cannot be read. On stdio (and the CLI) the caller is the
 * operator: the actionable message, with the missing variable or file, as it is (it never holds a
 * secret). Over HTTP the caller is remote: where the server keeps its secrets is not theirs to see, so
 * they get a reference, and the server log has the detail under that reference.
 */
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startHttpStack, textOf, type HttpStack } from '../helpers/http.js';
import { startHarness, type Harness } from '../helpers/harness.js';

const TOKEN = 'tok-secrets-0123456789abcdef0123456';
const FILE_KEY = 'file:vault/filekey-api-key';
const FILE_PW = 'file:vault/filekey-admin-pw';
const ENV_KEY = 'ENVKEY_MISSING_API_KEY';
const ENV_PW = 'ENVKEY_MISSING_ADMIN_PW';
/** What must never reach a remote caller: the files' paths and the variables' names. */
const OPERATOR_DETAILS = ['vault/', 'filekey-api-key', 'filekey-admin-pw', ENV_KEY, ENV_PW, 'does not exist', 'not set', 'espocrm-mcp-http-'];

const REFERENCE = (what: string, tenant: string) =>
  new RegExp(`the ${what} of tenant "${tenant}" cannot be read on the server \\(reference ([0-9a-f]{8})\\): the operator can look it up in the server log`);

describe('a secret that cannot be read, over HTTP', () => {
  let stack: HttpStack;
  const lines: string[] = [];
  beforeAll(async () => {
    const logger = pino({ level: 'debug' }, new Writable({ write: (chunk, _enc, cb) => (lines.push(String(chunk)), cb()) }));
    stack = await startHttpStack([{ id: 'filekey' }, { id: 'envkey' }], {
      http: { tokens: [{ name: 'host', token: 'env:MCP_TOKEN', tenants: '*' }] },
      env: { MCP_TOKEN: TOKEN },
      tenantsExtra: {
        filekey: { apiKey: FILE_KEY, admin: { username: 'admin', password: FILE_PW } },
        envkey: { apiKey: `env:${ENV_KEY}`, admin: { username: 'admin', password: `env:${ENV_PW}` } },
      },
      logger,
    });
  });
  afterAll(async () => stack?.close());

  /** The warn line the operator gets for a reference, with the full detail. */
  const logged = (ref: string) =>
    lines.map((l) => JSON.parse(l) as { level: number; ref?: string; detail?: string }).find((l) => l.ref === ref && l.level === 40);

  const noOperatorDetail = (shown: string, what: string) => {
    for (const detail of OPERATOR_DETAILS) expect(shown, `${what}: ${detail}`).not.toContain(detail);
  };

  it('check_tenant names the secret and a reference, never the path or the variable; the log has them under that reference', async () => {
    const client = await stack.connect(bearer(TOKEN));
    for (const [tenant, keyDetail, pwDetail] of [
      ['filekey', /the file \/.*\/vault\/filekey-api-key does not exist/, /the file \/.*\/vault\/filekey-admin-pw does not exist/],
      ['envkey', new RegExp(`the environment variable ${ENV_KEY} is not set`), new RegExp(`the environment variable ${ENV_PW} is not set`)],
    ] as const) {
      const res = await client.callTool({ name: 'check_tenant', arguments: { tenant } });
      const shown = `${textOf(res)}\n${JSON.stringify(res.structuredContent)}`;
      noOperatorDetail(shown, tenant);
      const structured = res.structuredContent as { ok: boolean; apiKey: { status: string; message: string }; admin: { status: string; message: string } };
      expect(structured.ok).toBe(false);
      expect(structured.apiKey.status).toBe('failed');
      expect(structured.admin.status).toBe('failed');
      const keyRef = REFERENCE('API key', tenant).exec(structured.apiKey.message)?.[1];
      const pwRef = REFERENCE('admin password', tenant).exec(structured.admin.message)?.[1];
      expect(keyRef, structured.apiKey.message).toBeDefined();
      expect(pwRef, structured.admin.message).toBeDefined();
      expect(logged(keyRef!)?.detail).toMatch(keyDetail);
      expect(logged(pwRef!)?.detail).toMatch(pwDetail);
    }
  });

  it('describe_entity and a tenant resource answer with the reference instead of "Unexpected error"', async () => {
    const client = await stack.connect(bearer(TOKEN));
    for (const tenant of ['filekey', 'envkey']) {
      const res = await client.callTool({ name: 'describe_entity', arguments: { tenant, entity: 'Lead' } });
      expect(res.isError).toBe(true);
      const text = textOf(res);
      noOperatorDetail(text, tenant);
      expect(text).not.toMatch(/Unexpected error/);
      const ref = REFERENCE('admin password', tenant).exec(text)?.[1];
      expect(ref, text).toBeDefined();
      expect(logged(ref!)?.detail).toMatch(/does not exist|is not set/);

      const read = await client.readResource({ uri: `espocrm://tenants/${tenant}/entities/Lead` }).then(
        () => '(read)',
        (err: unknown) => String(err),
      );
      noOperatorDetail(read, `${tenant} resource`);
      expect(read).toMatch(REFERENCE('admin password', tenant));
    }
  });
});

describe('a secret that cannot be read, on stdio', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'envkey' }], {
      tenantOverrides: { envkey: { apiKey: `env:${ENV_KEY}`, admin: { username: 'admin', password: `env:${ENV_PW}` } } },
    });
  });
  afterAll(async () => h?.close());

  it('check_tenant and describe_entity show the actionable message, with the variable to set', async () => {
    const check = await h.call('check_tenant', { tenant: 'envkey' });
    expect(check.text).toContain(`tenant "envkey" apiKey: the environment variable ${ENV_KEY} is not set`);
    expect(check.text).toContain(`tenant "envkey" adminPassword: the environment variable ${ENV_PW} is not set`);
    const describe = await h.call('describe_entity', { tenant: 'envkey', entity: 'Lead' });
    expect(describe.isError).toBe(true);
    expect(describe.text).not.toMatch(/Unexpected error|reference/);
    expect(describe.text).toContain(`tenant "envkey" adminPassword: the environment variable ${ENV_PW} is not set — set it in the MCP client's "env" block`);
  });
});
