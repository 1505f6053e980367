/**
 * A test-only write tool, added to the catalogue with `vi.mock` by the HTTP tests: it creates a Lead
 * in the tenant's CRM (a real write, visible in the sandbox) and reports progress (streamed over SSE);
 * the write pipeline gives it the instance guard and the audit line, as it does every write tool.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ToolDefinition } from '../../src/tools/define.js';
import { tenantArg } from '../../src/tools/args.js';
import { records } from '../../src/espo/api/index.js';

export const PROBE_WRITE = 'probe_write';

/**
 * Written the obvious way: a plan, an apply that writes through the client it is handed, a verify.
 * Guard, audit (and a confirm token, for a destructive tool) come from the write pipeline.
 */
export const probeWrite = defineWriteTool({
  name: PROBE_WRITE,
  title: 'Probe write (test only)',
  description: 'Creates a Lead named after `label` in the tenant CRM. Test only.',
  kind: 'write',
  tenantScoped: true,
  input: { tenant: tenantArg, label: z.string().max(60).optional() },
  output: { tenant: z.string(), id: z.string(), siteUrl: z.string() },
  annotations: annotationsFor('write'),
  async plan(args) {
    // a unique name: EspoCRM refuses a create that looks like a duplicate
    const lastName = `${args.label ?? 'Probe'} ${randomUUID().slice(0, 8)}`;
    return { action: 'write', value: lastName, summary: `plan: create Lead ${lastName}`, confirm: false, preview: () => ({ structured: { tenant: '', id: '', siteUrl: '' } }) };
  },
  async apply(lastName, ctx) {
    await ctx.progress(1, 2, 'instance guard passed');
    const created = await records.create(ctx.writer, 'Lead', { lastName }, { auth: 'admin', signal: ctx.signal });
    await ctx.progress(2, 2, 'written');
    return String(created.id);
  },
  async verify(_lastName, id, ctx) {
    return {
      outcome: 'applied',
      summary: `created Lead ${id}`,
      changes: [],
      result: () => ({ structured: { tenant: ctx.tenant.id, id, siteUrl: ctx.tenant.guard.expected() } }),
    };
  },
}) as unknown as ToolDefinition;

/** The catalogue module with the probe added; for `vi.mock('../../src/tools/catalog.js', withProbe)`. */
export async function withProbe(importOriginal: () => Promise<typeof import('../../src/tools/catalog.js')>) {
  const orig = await importOriginal();
  return {
    ...orig,
    allTools: () => [...orig.allTools(), probeWrite],
    writeTools: () => [...orig.writeTools(), { name: PROBE_WRITE, kind: 'write' as const }],
  };
}
