import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { tenantArg } from './args.js';
import { describeError } from '../errors.js';
import { describeFor } from '../secrets/callers.js';
import type { EspoClient } from '../espo/client.js';

const Step = z.object({
  status: z.enum(['ok', 'failed', 'not_configured', 'skipped']),
  message: z.string(),
  latencyMs: z.number().optional(),
});

async function timed<T>(fn: () => Promise<T>): Promise<{ value?: T; error?: unknown; ms: number }> {
  const start = performance.now();
  try {
    const value = await fn();
    return { value, ms: Math.round(performance.now() - start) };
  } catch (error) {
    return { error, ms: Math.round(performance.now() - start) };
  }
}

type AppUser = { user?: { type?: string; userName?: string }; settings?: { version?: string } };

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
    const tenant = ctx.tenant;
    const cfg = tenant.config;
    const client: EspoClient = tenant.client();
    const signal = ctx.signal;
    const problems: string[] = [];
    // A secret that cannot be read: its reference (a path, a variable) is for the operator; over HTTP
    // the caller sees which secret and a reference into the server log instead.
    const describe = (err: unknown) => describeFor(err, ctx.principal, ctx.logger, describeError);

    // Reachability without credentials: an unauthenticated GET Settings never counts toward the login lockout.
    const reach = await timed(() => client.request({ method: 'GET', path: 'Settings', auth: 'none', signal }));
    const reachable = reach.error
      ? { status: 'failed' as const, message: describe(reach.error), latencyMs: reach.ms }
      : { status: 'ok' as const, message: 'the CRM answered', latencyMs: reach.ms };
    if (reach.error) problems.push(`not reachable: ${reachable.message}`);

    let version: string | undefined;
    const skipped = (why: string) => ({ status: 'skipped' as const, message: why });

    let apiKey: z.infer<typeof Step>;
    if (!cfg.apiKey && !cfg.hmacSecret) {
      apiKey = { status: 'not_configured', message: 'no API key configured; record reads use the admin login' };
    } else if (reach.error) {
      apiKey = skipped('the CRM is not reachable');
    } else {
      const r = await timed(() => client.request<AppUser>({ method: 'GET', path: 'App/user', auth: 'api', signal }));
      if (r.error) {
        apiKey = { status: 'failed', message: describe(r.error), latencyMs: r.ms };
        problems.push(`API key: ${apiKey.message}`);
      } else {
        version ??= r.value?.body?.settings?.version;
        apiKey = { status: 'ok', message: `API user "${r.value?.body?.user?.userName ?? '?'}" authenticated`, latencyMs: r.ms };
      }
    }

    let admin: z.infer<typeof Step>;
    if (!cfg.admin) {
      admin = { status: 'not_configured', message: 'no admin login configured; schema, layout and rebuild tools are unavailable' };
    } else if (reach.error) {
      admin = skipped('the CRM is not reachable');
    } else {
      const r = await timed(() => client.request<AppUser>({ method: 'GET', path: 'App/user', auth: 'admin', signal }));
      if (r.error) {
        admin = { status: 'failed', message: describe(r.error), latencyMs: r.ms };
        problems.push(`admin login: ${admin.message}`);
      } else {
        version ??= r.value?.body?.settings?.version;
        admin = { status: 'ok', message: `admin "${cfg.admin.username}" logged in (token reused for later calls)`, latencyMs: r.ms };
      }
    }

    if (!version && !reach.error && (apiKey.status === 'ok' || admin.status === 'ok')) {
      const about = await timed(() =>
        client.request<{ version?: string }>({ method: 'GET', path: 'App/about', auth: admin.status === 'ok' ? 'admin' : 'api', signal }),
      );
      version = about.value?.body?.version;
    }

    let siteUrl: z.infer<typeof Step> & { expected: string; reported?: string };
    if (apiKey.status !== 'ok' && admin.status !== 'ok') {
      siteUrl = { ...skipped('needs a working API key or admin login'), expected: tenant.guard.expected() };
    } else {
      const g = await timed(() => tenant.guard.check({ signal, fresh: true }));
      if (g.error || !g.value) {
        siteUrl = { status: 'failed', message: describe(g.error), expected: tenant.guard.expected(), latencyMs: g.ms };
        problems.push(`siteUrl: ${siteUrl.message}`);
      } else {
        siteUrl = {
          status: g.value.ok ? 'ok' : 'failed',
          message: g.value.message,
          expected: g.value.expected,
          ...(g.value.reported ? { reported: g.value.reported } : {}),
          latencyMs: g.ms,
        };
        if (!g.value.ok) problems.push(`siteUrl: ${g.value.message} (writes are blocked)`);
      }
    }

    const ok = problems.length === 0;
    const line = (label: string, s: z.infer<typeof Step>) =>
      `${s.status === 'ok' ? 'ok  ' : s.status === 'failed' ? 'FAIL' : '--  '} ${label}: ${s.message}${s.latencyMs !== undefined ? ` (${s.latencyMs} ms)` : ''}`;
    const text = [
      `Tenant ${cfg.id} (${cfg.name}): ${ok ? 'all checks passed' : `${problems.length} problem(s)`}${version ? `, EspoCRM ${version}` : ''}`,
      line('reachable', reachable),
      line('siteUrl', siteUrl),
      line('API key', apiKey),
      line('admin login', admin),
      ...(problems.length ? ['Problems:', ...problems.map((p) => `- ${p}`)] : []),
    ].join('\n');
    return {
      structured: { tenant: cfg.id, ok, ...(version ? { version } : {}), reachable, siteUrl, apiKey, admin, problems },
      text,
    };
  },
});
