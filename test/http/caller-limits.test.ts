/**
 * What a caller may send that is not tied to a tenant (lists, list_tenants, list_changes, initialize,
 * discovery): limited per caller, a JSON-RPC batch counting each of its messages; and batches refused
 * where the protocol version removed them (2025-06-18 and later), capped where it did not. Raw POSTs
 * through the real HTTP stack, and an SDK client for what a chat host sees.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, startHttpStack, type HttpStack, type RawResponse } from '../helpers/http.js';

interface RpcMessage {
  id?: number | string | null;
  result?: { isError?: boolean; [k: string]: unknown };
  error?: { code: number; message: string; data?: { retryAfterSeconds?: number } };
}

/** The JSON-RPC messages of a response, JSON or SSE. */
function messagesOf(res: RawResponse): RpcMessage[] {
  if (String(res.headers['content-type']).startsWith('text/event-stream')) {
    return res.body
      .split('\n')
      .filter((l) => l.startsWith('data: '))
      .map((l) => JSON.parse(l.slice(6)) as RpcMessage);
  }
  const parsed = JSON.parse(res.body) as RpcMessage | RpcMessage[];
  return Array.isArray(parsed) ? parsed : [parsed];
}

const request = (id: number, method: string, params: Record<string, unknown> = {}) => ({ jsonrpc: '2.0', id, method, params });
const toolsList = (id: number) => request(id, 'tools/list');
const callTool = (id: number, name: string, args: Record<string, unknown>) => request(id, 'tools/call', { name, arguments: args });
const initialize = (id: number, protocolVersion: string) => request(id, 'initialize', { protocolVersion, capabilities: {}, clientInfo: { name: 'raw', version: '1' } });
const v = (version: string) => ({ 'MCP-Protocol-Version': version });

const TOKENS = { a: 'tok-caller-a-0123456789abcdef0123', b: 'tok-caller-b-0123456789abcdef0123', c: 'tok-caller-c-0123456789abcdef0123', d: 'tok-caller-d-0123456789abcdef0123' };

describe('JSON-RPC batches over HTTP', () => {
  let stack: HttpStack;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }], {
      http: { tokens: [{ name: 'host', token: 'env:MCP_TOKEN', tenants: '*' }], limits: { perCallerRatePerMinute: 10_000 } },
      env: { MCP_TOKEN: TOKENS.a },
    });
  });
  afterAll(async () => stack?.close());

  it('refuses a batch on the protocol versions that removed batching (2025-06-18 and later) with 400 and a clear error', async () => {
    for (const version of ['2025-06-18', '2025-11-25', '2026-07-28']) {
      const res = await stack.post([toolsList(1), toolsList(2)], { ...bearer(TOKENS.a), ...v(version) });
      expect(res.status, version).toBe(400);
      const [message, ...more] = messagesOf(res);
      expect(more, version).toEqual([]);
      expect(message!.error, version).toMatchObject({ code: -32600 });
      expect(message!.error!.message, version).toBe(
        `Invalid Request: JSON-RPC batches are not part of protocol version ${version} (they were removed in 2025-06-18); send each message in its own POST.`,
      );
    }
    // an initialize in a batch that negotiates such a version is refused the same way
    const init = await stack.post([initialize(1, '2025-06-18')], bearer(TOKENS.a));
    expect(init.status).toBe(400);
    expect(messagesOf(init)[0]!.error!.message).toMatch(/batches are not part of protocol version 2025-06-18/);
  });

  it('serves a batch of up to 20 on 2025-03-26 (or with no version header) and refuses a larger one', async () => {
    for (const headers of [v('2025-03-26'), {}]) {
      const batch = Array.from({ length: 20 }, (_, i) => toolsList(i + 1));
      const ok = await stack.post(batch, { ...bearer(TOKENS.a), ...headers });
      expect(ok.status).toBe(200);
      const answers = messagesOf(ok);
      expect(answers.map((m) => m.id).sort((x, y) => Number(x) - Number(y))).toEqual(batch.map((m) => m.id));
      expect(answers.every((m) => m.result !== undefined)).toBe(true);
      const big = await stack.post([...batch, toolsList(21)], { ...bearer(TOKENS.a), ...headers });
      expect(big.status).toBe(400);
      expect(messagesOf(big)).toEqual([
        {
          jsonrpc: '2.0',
          id: null,
          error: { code: -32600, message: 'Invalid Request: a JSON-RPC batch may hold at most 20 messages here, this one holds 21; send fewer at once.' },
        },
      ]);
    }
  });
});

describe('bodies the transport reads before the SDK', () => {
  let stack: HttpStack;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }], { http: { tokens: [{ name: 'host', token: 'env:MCP_TOKEN', tenants: '*' }] }, env: { MCP_TOKEN: TOKENS.a } });
  });
  afterAll(async () => stack?.close());

  it('refuses a body over 1 MiB with 413 (unread) and hands anything else to the SDK as it came', async () => {
    const huge = await stack.post(callTool(1, 'list_tenants', { query: 'x'.repeat(1024 * 1024) }), bearer(TOKENS.a));
    expect(huge.status).toBe(413);
    expect(messagesOf(huge)[0]!.error!.message).toBe('Payload Too Large: Request body must not exceed 1048576 bytes');
    const under = await stack.post(callTool(5, 'list_tenants', { query: 'x'.repeat(900 * 1024) }), { ...bearer(TOKENS.a), ...v('2025-03-26') });
    expect(under.status).toBe(200);
    const notRpc = await stack.post('not a JSON-RPC message', bearer(TOKENS.a));
    expect(notRpc.status).toBe(400);
    const single = await stack.post(callTool(2, 'list_tenants', { query: 'dam' }), { ...bearer(TOKENS.a), ...v('2025-03-26') });
    expect(single.status).toBe(200);
    expect(messagesOf(single)[0]).toMatchObject({ id: 2, result: { structuredContent: { count: 1 } } });
  });
});

describe('the per-caller limit on requests not tied to a tenant', () => {
  let stack: HttpStack;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }, { id: 'coach-vero' }], {
      http: {
        tokens: Object.entries(TOKENS).map(([name]) => ({ name, token: `env:MCP_TOKEN_${name.toUpperCase()}`, tenants: '*' })),
        limits: { perCallerRatePerMinute: 6, maxBatchSize: 4 },
      },
      env: Object.fromEntries(Object.entries(TOKENS).map(([name, token]) => [`MCP_TOKEN_${name.toUpperCase()}`, token])),
    });
  });
  afterAll(async () => stack?.close());

  const post = (token: string, body: unknown) => stack.post(body, { ...bearer(token), ...v('2025-03-26') });

  it('over the rate, a caller gets 429 with Retry-After and a JSON-RPC error saying when to retry; tenant calls and other callers go on', async () => {
    for (let i = 1; i <= 6; i++) expect((await post(TOKENS.a, toolsList(i))).status, `request ${i}`).toBe(200);
    const over = await post(TOKENS.a, toolsList(7));
    expect(over.status).toBe(429);
    const retryAfter = Number(over.headers['retry-after']);
    expect(retryAfter).toBeGreaterThanOrEqual(1);
    expect(retryAfter).toBeLessThanOrEqual(120);
    const [refusal] = messagesOf(over);
    expect(refusal!.id).toBe(7);
    expect(refusal!.error!.code).toBe(-32000);
    expect(refusal!.error!.data).toEqual({ retryAfterSeconds: retryAfter });
    expect(refusal!.error!.message).toBe(
      `Too many requests from "a": at most 6 requests a minute that are not tied to a tenant (lists, list_tenants, list_changes, initialize, discovery). Retry in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`,
    );

    // every request not tied to a tenant is refused now, however it is spelled
    const untied: Array<[string, unknown]> = [
      ['list_tenants', callTool(8, 'list_tenants', {})],
      ['list_changes', callTool(9, 'list_changes', {})],
      ['resources/list', request(10, 'resources/list')],
      ['prompts/list', request(11, 'prompts/list')],
      ['resources/templates/list', request(12, 'resources/templates/list')],
      ['initialize', initialize(13, '2025-03-26')],
      ['the tenants resource', request(14, 'resources/read', { uri: 'espocrm://tenants' })],
      ['a guide', request(15, 'resources/read', { uri: 'espocrm://guide/field-types' })],
      ['an unknown tenant', callTool(16, 'check_tenant', { tenant: 'nope' })],
      ['an unknown tenant resource', request(17, 'resources/read', { uri: 'espocrm://tenants/nope' })],
      ['an unknown tool', callTool(18, 'no_such_tool', { tenant: 'damath' })],
      ['ping', request(19, 'ping')],
    ];
    for (const [name, body] of untied) expect((await post(TOKENS.a, body)).status, name).toBe(429);

    // calls tied to a tenant are counted by that tenant's limits, not by the caller's
    const tenantCall = await post(TOKENS.a, callTool(20, 'check_tenant', { tenant: 'damath' }));
    expect(tenantCall.status).toBe(200);
    expect(messagesOf(tenantCall)[0]!.result!.isError).toBeFalsy();
    for (const uri of ['espocrm://tenants/coach-vero', 'espocrm://tenants/dam%61th/entities/Lead']) {
      const read = await post(TOKENS.a, request(21, 'resources/read', { uri }));
      expect(read.status, uri).toBe(200);
      expect(messagesOf(read)[0]!.result, uri).toBeDefined();
    }

    // the limit is the caller's: another token is untouched
    expect((await post(TOKENS.b, toolsList(1))).status).toBe(200);
  });

  it('counts each message of a batch, and caps batches at the configured size', async () => {
    const batch = (n: number, from = 1) => Array.from({ length: n }, (_, i) => toolsList(from + i));
    const tooBig = await post(TOKENS.c, batch(5));
    expect(tooBig.status).toBe(400);
    expect(messagesOf(tooBig)[0]!.error!.message).toMatch(/at most 4 messages here, this one holds 5/);
    expect((await post(TOKENS.c, batch(4))).status).toBe(200);
    expect((await post(TOKENS.c, batch(2, 5))).status).toBe(200);
    const over = await post(TOKENS.c, batch(1, 7));
    expect(over.status).toBe(429);
    expect(messagesOf(over)[0]!.id).toBeNull(); // a batch: no single id to answer
  });

  it('an SDK client sees the refusal with the time to retry', async () => {
    const client = await stack.connect(bearer(TOKENS.d));
    let refused: unknown;
    // (not tools/list: a 2026-07-28 client keeps that list for its cache time)
    for (let i = 0; i < 8 && refused === undefined; i++) await client.callTool({ name: 'list_tenants', arguments: {} }).catch((err: unknown) => (refused = err));
    expect(refused).toMatchObject({ status: 429 });
    expect(String(refused)).toMatch(/Too many requests from \\"d\\".*Retry in \d+ seconds?/);
  });
});

describe("a caller's byte budget", () => {
  let stack: HttpStack;
  beforeAll(async () => {
    stack = await startHttpStack([{ id: 'damath' }], {
      http: {
        tokens: [
          { name: 'flooder', token: 'env:MCP_FLOOD', tenants: '*' },
          { name: 'other', token: 'env:MCP_OTHER', tenants: '*' },
        ],
        limits: { perCallerBytesPerMinute: 65_536, perCallerRatePerMinute: 10_000 },
      },
      env: { MCP_FLOOD: TOKENS.a, MCP_OTHER: TOKENS.b },
    });
  });
  afterAll(async () => stack?.close());

  it('refuses a caller past its bytes a minute with 429 and Retry-After, before reading the body; other callers are served', async () => {
    const big = (id: number) => callTool(id, 'list_tenants', { query: 'x'.repeat(40_000) });
    const first = await stack.post(big(1), { ...bearer(TOKENS.a), ...v('2025-11-25') });
    expect(first.status).toBe(200);
    const second = await stack.post(big(2), { ...bearer(TOKENS.a), ...v('2025-11-25') });
    expect(second.status).toBe(429);
    expect(Number(second.headers['retry-after'])).toBeGreaterThan(0);
    expect(messagesOf(second)[0]!.error!.message).toMatch(/^Too much data from "flooder": at most 64 KiB of requests a minute\. Retry in \d+ seconds?\.$/);
    const small = await stack.post(toolsList(3), { ...bearer(TOKENS.a), ...v('2025-11-25') });
    expect(small.status).toBe(200); // a refused body is not counted: what fits in what is left still goes
    const other = await stack.post(big(4), { ...bearer(TOKENS.b), ...v('2025-11-25') });
    expect(other.status).toBe(200);
  });
});
