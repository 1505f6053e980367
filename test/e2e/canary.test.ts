import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawn } from 'node:child_process';
import { CLI, startStdioStack, type Stack } from '../helpers/stack.js';
import { canaryTenants, newCanary } from '../helpers/canary.js';

/**
 * Every secret carries a unique canary. Whatever the tools do, failed logins included, no canary may
 * appear in a tool result, an error, a resource, or the server's stderr (its log), in clear or base64.
 */
const canary = newCanary();
const { secrets, leaks } = canary;

describe('secret canary over stdio', () => {
  let stack: Stack;
  const outputs: string[] = [];
  beforeAll(async () => {
    // "bad": the server is given wrong secrets for this tenant, every login fails
    stack = await startStdioStack(canaryTenants(canary));
  });
  afterAll(async () => stack?.close());

  it('tool results, errors and resources never contain a secret', async () => {
    const c = stack.client;
    const calls: Array<[string, Record<string, unknown>]> = [
      ['list_tenants', {}],
      ['check_tenant', { tenant: 'good' }],
      ['check_tenant', { tenant: 'bad' }],
      ['check_tenant', { tenant: 'bad' }],
      ['check_tenant', { tenant: 'nope' }],
      ['check_tenant', { tenant: 42 }],
    ];
    for (const [name, args] of calls) outputs.push(JSON.stringify(await c.callTool({ name, arguments: args })));
    for (const uri of ['espocrm://tenants', 'espocrm://tenants/good', 'espocrm://tenants/bad']) {
      outputs.push(JSON.stringify(await c.readResource({ uri })));
    }
    const bad = JSON.parse(outputs[2]!) as { structuredContent: { ok: boolean; admin: { status: string; message: string } } };
    expect(bad.structuredContent.ok).toBe(false);
    expect(bad.structuredContent.admin.status).toBe('failed');
    expect(bad.structuredContent.admin.message).toMatch(/password/i);
    for (const o of outputs) expect(leaks(o)).toEqual([]);
  });

  it("the server's stderr log has no secret, even at debug level", () => {
    const log = stack.stderr();
    expect(log.length).toBeGreaterThan(0);
    expect(leaks(log)).toEqual([]);
  });

  it('a wrong password and a wrong API key are each tried once only, whatever the number of calls', () => {
    // check_tenant ran twice on "bad" and its resource was read once: without the client's cooldown
    // that is three API-key and three password attempts towards EspoCRM's lockout (10 a minute per IP).
    const refused = stack.sandboxes.bad!.requests.filter((r) => r.status === 401);
    expect(refused.map((r) => r.path)).toEqual(['App/user', 'App/user']);
  });

  it('`tenants check` on the command line prints no secret', async () => {
    const configPath = `${stack.dir}/tenants.json`;
    const env = {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
      GOOD_ESPO_API_KEY: secrets.goodKey,
      GOOD_ESPO_PASSWORD: secrets.goodPassword,
      BAD_ESPO_API_KEY: secrets.wrongKey,
      BAD_ESPO_PASSWORD: secrets.wrongPassword,
      LOG_LEVEL: 'debug',
    };
    const { code, text } = await new Promise<{ code: number | null; text: string }>((resolve) => {
      const child = spawn(process.execPath, [CLI, 'tenants', 'check', '--config', configPath], { env, cwd: stack.dir });
      let text = '';
      child.stdout.on('data', (d: Buffer) => (text += d.toString()));
      child.stderr.on('data', (d: Buffer) => (text += d.toString()));
      child.on('close', (code) => resolve({ code, text }));
    });
    expect(code).toBe(1);
    expect(text).toContain('good');
    expect(leaks(text)).toEqual([]);
  });
});
