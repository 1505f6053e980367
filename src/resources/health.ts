import type { ResourceDefinition } from './catalog.js';
import { completeVariable } from './entities.js';
import { oneVar } from './uris.js';
import { fenceJson, newFence } from '../core/fence.js';
import type { HealthEntry } from '../store/types.js';

/** Checks shown; older ones stay in the store (its newest 1,000 per tenant). */
const SHOWN = 20;

const STEPS = ['reachable', 'siteUrl', 'apiKey', 'admin'] as const;

function stepStatus(result: Record<string, unknown>, step: string): string | undefined {
  const s = result[step];
  return s !== null && typeof s === 'object' && typeof (s as { status?: unknown }).status === 'string' ? (s as { status: string }).status : undefined;
}

function row(e: HealthEntry) {
  const r = e.result;
  const checks = Object.fromEntries(STEPS.flatMap((s) => (stepStatus(r, s) ? [[s, stepStatus(r, s)!]] : [])));
  const problems = Array.isArray(r.problems) ? r.problems.filter((p): p is string => typeof p === 'string') : [];
  return {
    time: e.ts,
    status: e.status,
    ...(e.version !== undefined ? { version: e.version } : {}),
    ...(e.latencyMs !== undefined ? { latencyMs: e.latencyMs } : {}),
    ...(typeof r.breaker === 'string' ? { breaker: r.breaker } : {}),
    checks,
    problems,
  };
}

export const healthResource: ResourceDefinition = {
  name: 'tenant-health',
  uri: 'espocrm://tenants/{tenant}/health',
  template: true,
  title: 'Health checks of a tenant',
  description:
    "A tenant's last 20 recorded health checks, newest first (check_tenant, check_tenants, `tenants check`, `serve --health-every`): " +
    'time, status (ok, degraded, unreachable), EspoCRM version, latency, breaker state, each check and the problems. Calls no CRM.',
  variables: ['tenant'],
  complete: completeVariable,
  async read({ vars, registry, principal, health }) {
    const tenant = registry.resolve(oneVar(vars.tenant), principal);
    const entries = await health.healthHistory(tenant.id, SHOWN);
    // Versions and problems come from the CRM (its version, its error messages): fenced.
    const fence = newFence();
    return {
      tenant: tenant.id,
      ...(entries.length
        ? { untrustedData: fence.notice('versions and problems (they may quote the CRM\'s messages)') }
        : { note: `No check recorded yet: check_tenant {"tenant": "${tenant.id}"} or check_tenants records one.` }),
      checks: entries.map((e) => fenceJson(row(e), fence, { keys: /^(version|problems)$/ })),
    };
  },
};
