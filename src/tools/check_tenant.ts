import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { tenantArg } from './args.js';
import { untrusted } from '../core/fence.js';
import { checkTenantHealth, healthDescriber, recordChecks, type HealthStep } from '../reads/health.js';

export const Step = z.object({
  status: z.enum(['ok', 'failed', 'not_configured', 'skipped']),
  message: z.string(),
  latencyMs: z.number().optional(),
});

/** One check's line: "ok   label: message (12 ms)". */
export function stepLine(label: string, s: HealthStep): string {
  return `${s.status === 'ok' ? 'ok  ' : s.status === 'failed' ? 'FAIL' : '--  '} ${label}: ${s.message}${s.latencyMs !== undefined ? ` (${s.latencyMs} ms)` : ''}`;
}

export const checkTenant = defineTool({
  name: 'check_tenant',
  title: 'Check a tenant',
  description:
    "Check a tenant's EspoCRM. Use it when a tool fails to connect or log in, or after setting a tenant up. Returns each check " +
    '(reachable, version, expected siteUrl: a mismatch blocks writes, API key, admin login) with its result and time. Read-only; one ' +
    'try per login. Example: check_tenant {"tenant": "damath"}.',
  kind: 'read',
  tenantScoped: true,
  input: { tenant: tenantArg },
  output: {
    tenant: z.string(),
    ok: z.boolean().describe('True when every configured check passed.'),
    version: z.string().optional().describe('EspoCRM version, e.g. "9.1.7".'),
    reachable: Step,
    siteUrl: Step.extend({ expected: z.string(), reported: z.string().optional() }),
    apiKey: Step,
    admin: Step,
    problems: z.array(z.string()),
  },
  annotations: annotationsFor('read'),
  async handler(_args, ctx) {
    const cfg = ctx.tenant.config;
    // The same checks as check_tenants (src/reads/health.ts); a secret that cannot be read is described
    // for this caller (its reference for the operator on stdio, a log reference over HTTP).
    const check = await checkTenantHealth(ctx.tenant, { signal: ctx.signal, timeoutMs: 60_000, describe: healthDescriber(ctx.principal, ctx.logger) });
    await recordChecks(ctx.health, [check], ctx.logger);
    const { ok, version, reachable, siteUrl, apiKey, admin, problems } = check.shown;
    const text = [
      `Tenant ${cfg.id} (${cfg.name}): ${ok ? 'all checks passed' : `${problems.length} problem(s)`}${version ? `, EspoCRM ${untrusted(version)}` : ''}`,
      stepLine('reachable', reachable),
      stepLine('siteUrl', siteUrl),
      stepLine('API key', apiKey),
      stepLine('admin login', admin),
      ...(problems.length ? ['Problems:', ...problems.map((p) => `- ${p}`)] : []),
    ].join('\n');
    return {
      structured: { tenant: cfg.id, ok, ...(version ? { version } : {}), reachable, siteUrl, apiKey, admin, problems },
      text,
    };
  },
});
