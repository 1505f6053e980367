/**
 * A test-only write tool, added to the catalogue with `vi.mock` by the HTTP tests: it passes the
 * instance guard, creates a Lead in the tenant's CRM (a real write, visible in the sandbox), reports
 * progress (streamed over SSE) and records an audit line, like every write tool does.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { annotationsFor, defineTool, type ToolDefinition } from '../../src/tools/define.js';
import { tenantArg } from '../../src/tools/common.js';
import { guardWrite, recordWrite } from '../../src/tools/write.js';

export const PROBE_WRITE = 'probe_write';

export const probeWrite = defineTool({
  name: PROBE_WRITE,
  title: 'Probe write (test only)',
  description: 'Creates a Lead named after `label` in the tenant CRM. Test only.',
  kind: 'write',
  tenantScoped: true,
  input: { tenant: tenantArg, label: z.string().max(60).optional() },
  output: { tenant: z.string(), id: z.string(), siteUrl: z.string() },
  annotations: annotationsFor('write'),
  async handler(args, ctx) {
    await guardWrite(ctx);
    await ctx.progress(1, 2, 'instance guard passed');
    const res = await ctx.tenant.client().request<{ id: string }>({
      method: 'POST',
      path: 'Lead',
      // a unique name: EspoCRM refuses a create that looks like a duplicate
      body: { lastName: `${args.label ?? 'Probe'} ${randomUUID().slice(0, 8)}` },
      auth: 'admin',
      signal: ctx.signal,
    });
    await ctx.progress(2, 2, 'written');
    recordWrite(ctx, { tool: PROBE_WRITE, args, outcome: 'applied', summary: `created Lead ${res.body.id}` });
    return { structured: { tenant: ctx.tenant.id, id: res.body.id, siteUrl: ctx.tenant.guard.expected() } };
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
