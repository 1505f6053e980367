/**
 * resources/list at agency scale: 250 configured tenants whose CRMs do not answer. The list comes by
 * pages of 100 with a cursor, holds the tenants list and one entry per visible tenant, and never waits
 * on a CRM (every CRM here is unreachable, and the answer is immediate). A made-up cursor is refused.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ProtocolError, type Client } from '@modelcontextprotocol/client';
import { serveInMemory } from '../helpers/harness.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { confirmTokensOn, openSqliteStore, type Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/log/logger.js';
import type { TenantConfig } from '../../src/config/types.js';

const N = 250;
let dir: string;
let registry: TenantRegistry;
let served: Awaited<ReturnType<typeof serveInMemory>>;
let client: Client;
let audit: Store;

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-list-'));
  // Port 9 (discard) on loopback: nothing listens, a CRM call would fail after a connect attempt.
  const tenants: TenantConfig[] = Array.from({ length: N }, (_, i) => ({ id: `t${String(i).padStart(3, '0')}`, name: `Client ${i}`, url: `http://127.0.0.1:9/t${i}`, readOnly: false, apiKey: 'env:K' }));
  registry = new TenantRegistry({ tenants, source: 'test' }, { env: { K: 'k' }, baseDir: dir, logger: silentLogger() });
  audit = await openSqliteStore(path.join(dir, 'store.sqlite'));
  served = await serveInMemory({ registry, principal: { name: 'ops', tenants: '*' }, readOnly: false, logger: silentLogger(), store: audit, confirms: await confirmTokensOn(audit) });
  client = served.client;
});

afterAll(async () => {
  await served?.close();
  await registry?.close();
  await audit?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('resources/list with many tenants', () => {
  it('comes in pages of 100 with a cursor, one entry per tenant, without waiting on any CRM', async () => {
    const t0 = performance.now();
    // The SDK client walks every page when given no cursor; the opaque cursor of the first page ('o0') asks for one.
    const all = await client.listResources({}, { cacheMode: 'bypass' });
    const first = await client.listResources({ cursor: 'o0' }, { cacheMode: 'bypass' });
    expect(first.resources.length).toBe(100);
    expect(first.nextCursor).toEqual(expect.any(String));
    const uris = [...first.resources.map((r) => r.uri)];
    let cursor = first.nextCursor;
    let pages = 1;
    while (cursor) {
      const page = await client.listResources({ cursor }, { cacheMode: 'bypass' });
      uris.push(...page.resources.map((r) => r.uri));
      cursor = page.nextCursor;
      pages++;
    }
    const tenantUris = uris.filter((u) => u.startsWith('espocrm://tenants/'));
    expect(tenantUris).toHaveLength(N);
    expect(new Set(uris).size).toBe(uris.length);
    expect(uris).toContain('espocrm://tenants');
    expect(pages).toBe(Math.ceil(uris.length / 100));
    expect(all.resources.map((r) => r.uri)).toEqual(uris);
    // No tenant's CRM was contacted: not one EspoCRM client was even built.
    expect(registry.visible({ name: 'ops', tenants: '*' }).every((t) => (t as unknown as { espo?: unknown }).espo === undefined)).toBe(true);
    // Unreachable CRMs would cost a connect attempt each: the whole walk stays well under one.
    expect(performance.now() - t0).toBeLessThan(5_000);
  });

  it('refuses a cursor it did not give', async () => {
    const err = await client.listResources({ cursor: 'not-a-cursor' }, { cacheMode: 'bypass' }).then(() => undefined, (e: unknown) => e);
    expect(err).toBeInstanceOf(ProtocolError);
    expect((err as ProtocolError).message).toMatch(/Invalid cursor/);
  });
});

describe('list_tenants with many tenants (same server)', () => {
  const call = async (args: Record<string, unknown>) => {
    const res = await client.callTool({ name: 'list_tenants', arguments: args });
    return { isError: Boolean(res.isError), structured: res.structuredContent as { tenants: Array<{ id: string }>; count: number; total: number; nextCursor?: string }, text: (res.content as Array<{ text: string }>)[0]!.text };
  };

  it('pages by 50 by default, with a cursor, and the pages cover every tenant once', async () => {
    const first = await call({});
    expect(first.structured).toMatchObject({ count: 50, total: N, nextCursor: 't50' });
    expect(first.text).toMatch(/^250 tenant\(s\), 1-50 shown:/);
    const ids = first.structured.tenants.map((t) => t.id);
    let cursor = first.structured.nextCursor;
    while (cursor) {
      const page = await call({ cursor, limit: 200 });
      ids.push(...page.structured.tenants.map((t) => t.id));
      cursor = page.structured.nextCursor;
    }
    expect(ids).toHaveLength(N);
    expect(new Set(ids).size).toBe(N);
  });

  it('filters by id or name, in any case', async () => {
    const byId = await call({ query: 'T24' });
    expect(byId.structured.tenants.map((t) => t.id)).toEqual(['t240', 't241', 't242', 't243', 't244', 't245', 't246', 't247', 't248', 't249']);
    const byName = await call({ query: 'client 7' });
    expect(byName.structured.total).toBe(11); // Client 7, 70-79
    expect((await call({ query: 'nobody' })).text).toBe('No tenant matches "nobody".');
  });

  it('refuses a cursor it did not give', async () => {
    const res = await call({ cursor: 'x' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/not one list_tenants gave/);
  });
});
