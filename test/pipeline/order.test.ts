/**
 * The write pipeline, end to end through MCP against sandbox CRMs: every write tool runs policy →
 * (plan) → confirm → guard → apply → verify → audit in that order; a write tool written the obvious
 * way (the probes below: a plan, an apply that writes with the client it is handed, a verify) gets the
 * confirm token, the instance guard and the audit line without asking for them; a refused guard or a
 * bad token stops before anything is written. And, at the type level, a CRM write needs a WriteClient.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@modelcontextprotocol/client';
import { startSandbox, type Sandbox } from '../../src/sandbox/index.js';
import { serveInMemory } from '../helpers/harness.js';
import { TenantRegistry } from '../../src/tenants/registry.js';
import { LOCAL_PRINCIPAL } from '../../src/tenants/policy.js';
import { confirmTokensOn, openSqliteStore, type Store } from '../../src/store/index.js';
import { silentLogger } from '../../src/log/logger.js';
import { annotationsFor, defineWriteTool, type ToolDefinition } from '../../src/tools/define.js';
import { tenantArg } from '../../src/tools/args.js';
import { layouts, records } from '../../src/espo/api/index.js';
import type { EspoClient } from '../../src/espo/client.js';
import type { PipelineStep } from '../../src/pipeline/run.js';
import { vi } from 'vitest';

/** A destructive probe: deletes the Lead it is given. Says nothing about confirmation, guard or audit. */
const probeDelete = defineWriteTool({
  name: 'probe_delete',
  title: 'Probe delete (test only)',
  description: 'Deletes a Lead. Test only.',
  kind: 'destructive',
  tenantScoped: true,
  input: { tenant: tenantArg, id: z.string(), confirm: z.string().optional() },
  output: { id: z.string(), deleted: z.boolean().optional(), confirmToken: z.string().optional() },
  annotations: annotationsFor('destructive'),
  async plan(args, ctx) {
    const lead = await records.read(ctx.tenant.client(), 'Lead', args.id, { auth: 'admin', signal: ctx.signal });
    return {
      action: 'write',
      value: args.id,
      summary: `plan: delete Lead ${args.id}`,
      binding: { args: { id: args.id }, state: String(lead.modifiedAt) },
      preview: (token) => ({ structured: { id: args.id, ...(token ? { confirmToken: token.token } : {}) } }),
    };
  },
  async apply(id, ctx) {
    return records.delete(ctx.writer, 'Lead', id, { auth: 'admin', signal: ctx.signal });
  },
  async verify(id, deleted) {
    return { outcome: 'applied', summary: `deleted Lead ${id}`, changes: [], result: () => ({ structured: { id, deleted } }) };
  },
}) as unknown as ToolDefinition;

const { probeWrite } = await import('../helpers/probe.js');

vi.mock('../../src/tools/catalog.js', async (importOriginal) => {
  const orig = await importOriginal<typeof import('../../src/tools/catalog.js')>();
  const { probeWrite: write } = await import('../helpers/probe.js');
  return {
    ...orig,
    allTools: () => [...orig.allTools(), write, probeDelete],
    writeTools: () => [...orig.writeTools(), { name: 'probe_write', kind: 'write' as const }, { name: 'probe_delete', kind: 'destructive' as const }],
  };
});

let sandboxes: Record<'ok' | 'moved', Sandbox>;
let dir: string;
let audit: Store;
let registry: TenantRegistry;
let client: Client;
let served: Awaited<ReturnType<typeof serveInMemory>>;
const steps: Array<{ step: PipelineStep; tool: string }> = [];

beforeAll(async () => {
  const [ok, moved] = await Promise.all([startSandbox({ leads: 3, contacts: 0, accounts: 0, seed: 3 }), startSandbox({ leads: 3, contacts: 0, accounts: 0, seed: 4 })]);
  sandboxes = { ok, moved };
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-pipeline-'));
  const env: Record<string, string> = {};
  const tenant = (id: 'ok' | 'moved', extra: Record<string, unknown> = {}) => {
    const sb = sandboxes[id];
    env[`${id.toUpperCase()}_KEY`] = sb.credentials.apiKey;
    env[`${id.toUpperCase()}_PW`] = sb.credentials.admin.password;
    return { id, name: id, url: sb.url, readOnly: false, apiKey: `env:${id.toUpperCase()}_KEY`, admin: { username: sb.credentials.admin.username, password: `env:${id.toUpperCase()}_PW` }, ...extra };
  };
  // "moved": the tenant expects another siteUrl than its CRM reports (a CRM answering to copied credentials).
  const configs = [tenant('ok'), tenant('moved', { siteUrl: 'https://crm.other-client.example' })];
  const logger = silentLogger();
  registry = new TenantRegistry({ tenants: configs as never, source: 'test' }, { env, baseDir: dir, logger });
  audit = await openSqliteStore(path.join(dir, 'store.sqlite'));
  served = await serveInMemory({ registry, principal: LOCAL_PRINCIPAL, readOnly: false, logger, store: audit, confirms: await confirmTokensOn(audit), onWriteStep: (step, tool) => steps.push({ step, tool }) });
  client = served.client;
});

afterAll(async () => {
  await served?.close();
  await registry?.close();
  await audit?.close();
  await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function call(name: string, args: Record<string, unknown>) {
  steps.length = 0;
  const auditBefore = (await audit.read()).length;
  const res = await client.callTool({ name, arguments: args });
  const text = ((res.content ?? []) as Array<{ text?: string }>).map((c) => c.text ?? '').join('\n');
  return { isError: Boolean(res.isError), text, structured: (res.structuredContent ?? {}) as Record<string, unknown>, steps: steps.map((s) => s.step), lines: (await audit.read()).slice(auditBefore) };
}

const leadCount = (sb: Sandbox): number => (sb.state.records as unknown as { count(entity: string): number }).count('Lead');
const writesTo = (sb: Sandbox) => sb.requests.filter((r) => r.method !== 'GET').length;

describe('the write pipeline', () => {
  it('runs a write tool as plan, guard, apply, verify, audit, and records one line', async () => {
    const before = leadCount(sandboxes.ok);
    const res = await call('probe_write', { tenant: 'ok', label: 'Order' });
    expect(res.isError, res.text).toBe(false);
    expect(res.steps).toEqual(['plan', 'guard', 'apply', 'verify', 'audit']);
    expect(res.lines).toEqual([expect.objectContaining({ tool: 'probe_write', tenant: 'ok', outcome: 'applied', summary: `created Lead ${res.structured.id}` })]);
    expect(leadCount(sandboxes.ok)).toBe(before + 1);
  });

  it('gives a destructive tool written the obvious way a confirm step: plan first, apply only with its token', async () => {
    const id = sandboxes.ok.state.records.create('Lead', { lastName: `Victim ${randomUUID().slice(0, 6)}` }, { skipDuplicateCheck: true }).id as string;
    const plan = await call('probe_delete', { tenant: 'ok', id });
    expect(plan.isError, plan.text).toBe(false);
    expect(plan.steps).toEqual(['plan', 'confirm', 'audit']);
    expect(plan.lines.map((l) => l.outcome)).toEqual(['planned']);
    expect(plan.structured.confirmToken).toMatch(/\S{20,}/);

    const forged = await call('probe_delete', { tenant: 'ok', id, confirm: 'not-a-token' });
    expect(forged.isError).toBe(true);
    expect(forged.text).toMatch(/^Refused: /);
    expect(forged.steps).toEqual(['plan', 'confirm', 'audit']);
    expect(forged.lines.map((l) => l.outcome)).toEqual(['refused']);

    const applied = await call('probe_delete', { tenant: 'ok', id, confirm: plan.structured.confirmToken });
    expect(applied.isError, applied.text).toBe(false);
    expect(applied.steps).toEqual(['plan', 'confirm', 'guard', 'apply', 'verify', 'audit']);
    expect(applied.lines.map((l) => l.outcome)).toEqual(['applied']);
    expect(() => sandboxes.ok.state.records.read('Lead', id, { isAdmin: false })).toThrow(/does not exist/);

    const replay = await call('probe_delete', { tenant: 'ok', id, confirm: plan.structured.confirmToken });
    expect(replay.isError).toBe(true);
    expect(replay.steps).not.toContain('apply');
  });

  it('stops at the instance guard before any write, and records the refusal', async () => {
    const writes = writesTo(sandboxes.moved);
    const res = await call('probe_write', { tenant: 'moved' });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Write refused on tenant "moved": the CRM reports siteUrl/);
    expect(res.steps).toEqual(['plan', 'guard', 'audit']);
    expect(res.lines).toEqual([expect.objectContaining({ tool: 'probe_write', outcome: 'refused' })]);
    expect(writesTo(sandboxes.moved)).toBe(writes);
  });

  it('runs every write tool of the catalogue through the same steps (a dry run stops after the plan)', async () => {
    const field = `ord${randomUUID().slice(0, 6)}`;
    const dry = await call('create_custom_field', { tenant: 'ok', entity: 'Lead', name: field, type: 'varchar', label: 'Ord', dryRun: true });
    expect(dry.steps).toEqual(['plan', 'audit']);
    expect(dry.lines.map((l) => l.outcome)).toEqual(['dry_run']);
    const created = await call('create_custom_field', { tenant: 'ok', entity: 'Lead', name: field, type: 'varchar', label: 'Ord' });
    expect(created.isError, created.text).toBe(false);
    expect(created.steps).toEqual(['plan', 'guard', 'apply', 'verify', 'audit']);
    expect(created.lines).toEqual([expect.objectContaining({ outcome: 'applied', changeId: created.structured.changeId })]);
    const again = await call('create_custom_field', { tenant: 'ok', entity: 'Lead', name: field, type: 'varchar', label: 'Ord' });
    expect(again.steps).toEqual(['plan', 'audit']);
    expect(again.lines.map((l) => l.outcome)).toEqual(['unchanged']);
    const moved = await call('create_custom_field', { tenant: 'moved', entity: 'Lead', name: field, type: 'varchar', label: 'Ord' });
    expect(moved.isError).toBe(true);
    expect(moved.steps).toEqual(['plan', 'guard', 'audit']);
  });
});

// Type level (checked by `npm run typecheck`): writing to a CRM needs the WriteClient that only the
// pipeline hands out; a plain client does not compile.
export function _typeLevel(plain: EspoClient): void {
  // @ts-expect-error a layout save needs a WriteClient
  void layouts.put(plain, 'Lead', 'detail', []);
  // @ts-expect-error a record merge needs a WriteClient
  void records.merge(plain, 'Lead', 'a', ['b']);
  void layouts.get(plain, 'Lead', 'detail');
}
void probeWrite;
