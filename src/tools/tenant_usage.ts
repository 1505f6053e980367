import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { tenantArg } from './args.js';
import { describeError } from '../errors.js';
import { describeFor } from '../secrets/callers.js';
import { cancelledError } from '../reads/recordScan.js';
import { DEFAULT_MONTHS, MAX_MONTHS, readTenantUsage, USER_TYPES, type TenantUsage, type UsageCount } from '../reads/usage.js';

const TOOL = 'tenant_usage';

const Count = z.object({
  count: z.number().nullable().describe('null when not counted; error or note says why.'),
  error: z.string().optional(),
  note: z.string().optional(),
});

export const tenantUsage = defineTool({
  name: TOOL,
  title: 'Tenant usage',
  description:
    "Count what a tenant uses. Use it for billing or to size a client's CRM. Returns active users by type (regular, admin, " +
    'api, portal; needs the admin login), records per main entity, and leads created per calendar month (UTC) for the last ' +
    'N months. Counts only, read-only; a failed count is reported on its item. Example: tenant_usage {"tenant": "damath", "months": 12}.',
  kind: 'read',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    months: z.number().int().min(1).max(MAX_MONTHS).optional().describe(`Months of leads, the current one included (default ${DEFAULT_MONTHS}).`),
  },
  output: {
    tenant: z.string(),
    at: z.string().describe('When counted (ISO, UTC).'),
    timezone: z.literal('UTC'),
    activeUsers: z.object(Object.fromEntries(USER_TYPES.map((t) => [t, Count])) as Record<(typeof USER_TYPES)[number], typeof Count>).nullable()
      .describe('null without an admin login.'),
    records: z.record(z.string(), Count).describe('Per entity type, e.g. Lead.'),
    leadsPerMonth: z.array(Count.extend({ month: z.string(), from: z.string(), to: z.string() })).describe('Oldest first; the current month is partial.'),
    missing: z.number().describe('Counts missing (failed, or not counted by the CRM).'),
    failed: z.number().describe('Counts that failed.'),
    notes: z.array(z.string()),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    let usage: TenantUsage;
    try {
      usage = await readTenantUsage(ctx.tenant, {
        months: args.months ?? DEFAULT_MONTHS,
        signal: ctx.signal,
        describe: (err) => describeFor(err, ctx.principal, ctx.logger, describeError),
        progress: (done, total) => void ctx.progress(done, total).catch(() => undefined),
      });
    } catch (err) {
      if (ctx.signal.aborted) throw cancelledError(TOOL, 'while counting');
      throw err;
    }
    return { structured: usage, text: renderUsage(usage) };
  },
});

const shown = (c: UsageCount) => (c.count === null ? `not counted (${c.error ?? c.note ?? 'unknown'})` : String(c.count));

function renderUsage(u: TenantUsage): string {
  const lines = [`Usage of tenant "${u.tenant}" at ${u.at} (months in UTC)${u.missing ? `; ${u.missing} count(s) missing` : ''}.`];
  if (u.activeUsers) lines.push(`Active users: ${USER_TYPES.map((t) => `${t} ${shown(u.activeUsers![t])}`).join(', ')}.`);
  const entities = Object.entries(u.records);
  if (entities.length) lines.push(`Records: ${entities.map(([e, c]) => `${e} ${shown(c)}`).join(', ')}.`);
  if (u.leadsPerMonth.length) lines.push(`Leads created per month: ${u.leadsPerMonth.map((m) => `${m.month} ${shown(m)}`).join(', ')}.`);
  for (const n of u.notes) lines.push(`note: ${n}`);
  return lines.join('\n');
}
