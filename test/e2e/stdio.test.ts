import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { spawnServer, startSandboxes, startStdioStack, type Stack } from '../helpers/stack.js';

type Structured = Record<string, unknown> & { ok?: boolean };

describe('the built binary over stdio, two sandbox tenants from tenants.json', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStdioStack([
      { id: 'damath', name: 'Damath Overseas' },
      { id: 'coach-vero', name: 'Coach Véro' },
    ]);
  });
  afterAll(async () => stack?.close());

  it('speaks the 2026-07-28 revision to a client that asks for it', () => {
    expect(stack.client.getNegotiatedProtocolVersion()).toBe('2026-07-28');
  });

  it('lists the tools with titles, annotations and output schemas', async () => {
    const { tools } = await stack.client.listTools();
    const names = tools.map((t) => t.name);
    expect(names).toContain('list_tenants');
    expect(names).toContain('check_tenant');
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.outputSchema, t.name).toBeTruthy();
      expect(t.annotations?.readOnlyHint, t.name).toBeTypeOf('boolean');
    }
  });

  it('check_tenant passes on both tenants and reports the version and siteUrl', async () => {
    for (const id of ['damath', 'coach-vero']) {
      const res = await stack.client.callTool({ name: 'check_tenant', arguments: { tenant: id } });
      expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
      const s = res.structuredContent as Structured;
      expect(s.tenant).toBe(id);
      expect(s.ok).toBe(true);
      expect(s.version).toBe('9.1.7');
      expect((s.siteUrl as { status: string }).status).toBe('ok');
      expect((s.admin as { status: string }).status).toBe('ok');
      expect((s.apiKey as { status: string }).status).toBe('ok');
    }
    // each tenant was reached on its own sandbox, with one password login only
    for (const id of ['damath', 'coach-vero']) {
      const log = stack.sandboxes[id]!.requests;
      expect(log.some((r) => r.path.includes('App/user'))).toBe(true);
    }
  });

  it('an unknown tenant is refused with the list of tenants the caller may use', async () => {
    const res = await stack.client.callTool({ name: 'check_tenant', arguments: { tenant: 'acme' } });
    expect(res.isError).toBe(true);
    const text = (res.content as Array<{ text: string }>)[0]!.text;
    expect(text).toContain('Unknown tenant "acme"');
    expect(text).toContain('"damath"');
    expect(text).toContain('"coach-vero"');
  });

  it('a call without a tenant is refused when several are visible', async () => {
    const res = await stack.client.callTool({ name: 'check_tenant', arguments: {} });
    expect(res.isError).toBe(true);
    expect((res.content as Array<{ text: string }>)[0]!.text).toMatch(/needs a tenant/);
  });

  it('serves the tenants resources', async () => {
    const list = await stack.client.readResource({ uri: 'espocrm://tenants' });
    const body = JSON.parse(String((list.contents[0] as { text: string }).text)) as { tenants: Array<{ id: string }> };
    expect(body.tenants.map((t) => t.id)).toEqual(['damath', 'coach-vero']);
    const one = await stack.client.readResource({ uri: 'espocrm://tenants/damath' });
    const tenant = JSON.parse(String((one.contents[0] as { text: string }).text)) as { id: string; version: string; entities: Array<{ name: string }> };
    expect(tenant.id).toBe('damath');
    expect(tenant.version).toBe('9.1.7');
    expect(tenant.entities.map((e) => e.name)).toEqual(expect.arrayContaining(['Lead', 'Contact', 'Account']));
    const { resources } = await stack.client.listResources();
    expect(resources.map((r) => r.uri)).toEqual(
      expect.arrayContaining(['espocrm://tenants', 'espocrm://tenants/damath', 'espocrm://tenants/coach-vero']),
    );
  });

  it('completes the tenant variable of the resource template', async () => {
    const res = await stack.client.complete({
      ref: { type: 'ref/resource', uri: 'espocrm://tenants/{tenant}' },
      argument: { name: 'tenant', value: 'coa' },
    });
    expect(res.completion.values).toEqual(['coach-vero']);
  });
});

describe('the built binary over stdio, tenants from the .env convention only', () => {
  it('reads ESPO_* and DAMATH_ESPO_* from a .env file and checks both tenants', async () => {
    const sandboxes = await startSandboxes([{ id: 'default' }, { id: 'damath' }]);
    const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-env-'));
    try {
      const d = sandboxes.default!;
      const m = sandboxes.damath!;
      await writeFile(
        path.join(dir, '.env'),
        [
          `ESPO_BASE_URL=${d.url}/api/v1`,
          `ESPO_API_KEY=${d.credentials.apiKey}`,
          `ESPO_USERNAME=${d.credentials.admin.username}`,
          `ESPO_PASSWORD=${d.credentials.admin.password}`,
          `DAMATH_ESPO_BASE_URL=${m.url}`,
          `DAMATH_ESPO_API_KEY=${m.credentials.apiKey}`,
          `DAMATH_ESPO_USERNAME=${m.credentials.admin.username}`,
          `DAMATH_ESPO_PASSWORD=${m.credentials.admin.password}`,
        ].join('\n'),
      );
      const { client } = await spawnServer({ args: ['serve'], env: {}, cwd: dir });
      try {
        const list = await client.callTool({ name: 'list_tenants', arguments: {} });
        const ids = ((list.structuredContent as { tenants: Array<{ id: string }> }).tenants).map((t) => t.id).sort();
        expect(ids).toEqual(['damath', 'default']);
        for (const id of ids) {
          const res = await client.callTool({ name: 'check_tenant', arguments: { tenant: id } });
          expect(res.isError, JSON.stringify(res.content)).toBeFalsy();
          expect((res.structuredContent as Structured).ok).toBe(true);
        }
      } finally {
        await client.close();
      }
    } finally {
      await Promise.all(Object.values(sandboxes).map((s) => s.close()));
      await rm(dir, { recursive: true, force: true });
    }
  });
});
