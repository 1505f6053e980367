import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { ToolError } from '../errors.js';
import { untrusted } from '../core/fence.js';
import { decideTool } from '../tenants/policy.js';
import type { TenantContext } from '../tenants/registry.js';
import { checkFleet, DEFAULT_FLEET_CONCURRENCY, healthDescriber, recordChecks, type TenantHealth } from '../reads/health.js';

const StepStatus = z.enum(['ok', 'failed', 'not_configured', 'skipped']);

const Row = z.object({
  tenant: z.string(),
  status: z.enum(['ok', 'degraded', 'unreachable']),
  version: z.string().optional(),
  latencyMs: z.number(),
  reachable: StepStatus,
  siteUrl: StepStatus,
  apiKey: StepStatus,
  admin: StepStatus,
  breaker: z.enum(['closed', 'open', 'halfOpen']),
  problems: z.array(z.string()),
});

/** One row of the fleet table: the statuses of each check, and the problems. */
export function fleetRow(h: TenantHealth): z.infer<typeof Row> {
  return {
    tenant: h.tenant,
    status: h.status,
    ...(h.version !== undefined ? { version: h.version } : {}),
    latencyMs: h.latencyMs,
    reachable: h.reachable.status,
    siteUrl: h.siteUrl.status,
    apiKey: h.apiKey.status,
    admin: h.admin.status,
    breaker: h.breaker,
    problems: h.problems,
  };
}

export function fleetSummary(rows: ReadonlyArray<{ status: string }>): { total: number; ok: number; degraded: number; unreachable: number } {
  const n = (s: string) => rows.filter((r) => r.status === s).length;
  return { total: rows.length, ok: n('ok'), degraded: n('degraded'), unreachable: n('unreachable') };
}

const cell = (s: string) => (s === 'not_configured' ? '--' : s);

export const checkTenants = defineTool({
  name: 'check_tenants',
  title: 'Check many tenants',
  description:
    'Check every tenant (or those named) at once, as check_tenant does each. Use it for a fleet overview or when several CRMs fail. ' +
    'Returns a row per tenant (status ok/degraded/unreachable, version, latency, each check, breaker state, problems) and a summary; ' +
    'each result is kept (resource espocrm://tenants/{tenant}/health). One try per login. Example: check_tenants {"tenants": ["damath", "acme"]}.',
  kind: 'read',
  tenantScoped: false,
  input: {
    tenants: z.array(z.string().min(1).max(64)).max(500).optional().describe('Tenant ids; all of yours when absent.'),
    concurrency: z.number().int().min(1).max(32).optional().describe(`Tenants checked at once (default ${DEFAULT_FLEET_CONCURRENCY}).`),
  },
  output: {
    tenants: z.array(Row),
    summary: z.object({ total: z.number().int(), ok: z.number().int(), degraded: z.number().int(), unreachable: z.number().int() }),
    skipped: z.array(z.string()).optional().describe('Tenants where check_tenant is not allowed (tools.include/exclude).'),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const visible = ctx.registry.visible(ctx.principal);
    // Named tenants: each resolved (unknown and forbidden ones refused alike), then in configuration order.
    const named = args.tenants && args.tenants.length > 0 ? new Set(args.tenants.map((id) => ctx.registry.resolve(id, ctx.principal).id)) : undefined;
    const wanted = named ? visible.filter((t) => named.has(t.id)) : visible;
    // The checks on each tenant are check_tenant's: a tenant where check_tenant is not allowed is not checked.
    const allowed = (t: TenantContext) => decideTool({ name: 'check_tenant', kind: 'read' }, t.config, ctx.principal, ctx.server);
    const skipped = wanted.filter((t) => !allowed(t).allowed);
    if (named && skipped.length > 0) {
      throw new ToolError(`Not checked: ${allowed(skipped[0]!).reason}. Leave "${skipped[0]!.id}" out of "tenants".`, 'forbidden');
    }
    const targets = wanted.filter((t) => allowed(t).allowed);
    const checks = await checkFleet(targets, {
      ...(args.concurrency !== undefined ? { concurrency: args.concurrency } : {}),
      signal: ctx.signal,
      describe: healthDescriber(ctx.principal, ctx.logger),
      onResult: (c, done, total) => ctx.progress(done, total, `${c.shown.tenant}: ${c.shown.status}`).catch(() => undefined),
    });
    await recordChecks(ctx.health, checks, ctx.logger);
    const rows = checks.map((c) => fleetRow(c.shown));
    const summary = fleetSummary(rows);
    const text = [
      `${summary.total} tenant(s) checked: ${summary.ok} ok, ${summary.degraded} degraded, ${summary.unreachable} unreachable.`,
      ...(rows.length
        ? [
            '| tenant | status | version | latency | reachable | siteUrl | API key | admin | breaker |',
            ...rows.map((r) => `| ${r.tenant} | ${r.status} | ${r.version ? untrusted(r.version) : '-'} | ${r.latencyMs} ms | ${cell(r.reachable)} | ${cell(r.siteUrl)} | ${cell(r.apiKey)} | ${cell(r.admin)} | ${r.breaker} |`),
          ]
        : []),
      ...(rows.some((r) => r.problems.length) ? ['Problems:', ...rows.flatMap((r) => r.problems.map((p) => `- ${r.tenant}: ${p}`))] : []),
      ...(skipped.length ? [`Not checked (check_tenant not allowed there): ${skipped.map((t) => t.id).join(', ')}.`] : []),
    ].join('\n');
    return {
      structured: { tenants: rows, summary, ...(skipped.length ? { skipped: skipped.map((t) => t.id) } : {}) },
      text,
    };
  },
});
