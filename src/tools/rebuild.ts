import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ToolContext } from './define.js';
import { dryRunArg, tenantArg } from './args.js';
import { isRecord } from '../core/values.js';
import { admin, getAppUser } from '../espo/api/index.js';
import { describeError } from '../errors.js';
import { WriteFailure } from '../pipeline/failure.js';
import { currentInstance, sameInstance } from '../reads/instance.js';

const TOOL = 'rebuild';

const Step = z.object({
  step: z.enum(['rebuild', 'clearCache', 'crmAnswers', 'metadata']),
  status: z.enum(['planned', 'ok', 'failed', 'skipped']),
  message: z.string(),
  durationMs: z.number().optional(),
});
type StepT = z.infer<typeof Step>;

/** Up to this many recent field changes of the tenant are checked against the metadata after the rebuild. */
const RECENT_CHANGES = 10;

/** Progress steps of a rebuild. */
const TOTAL = 4;

interface RecentChange {
  kind: 'field_create' | 'field_update' | 'field_delete';
  entity: string;
  field: string;
}

/**
 * The latest applied field change per field (this server's audit), newest first, undone ones left out,
 * and only those made on the instance the tenant points at now: a change recorded on another CRM (a
 * move to a new server, a staging copy) says nothing of this one's metadata.
 */
async function recentFieldChanges(ctx: ToolContext): Promise<{ changes: RecentChange[]; elsewhere: number }> {
  // A blueprint applied to the tenant is one change holding its steps: its field steps count too.
  const entries = await ctx.history.recentChanges(ctx.tenant.id, 200, ['field_create', 'field_update', 'field_delete', 'blueprint']);
  const here = await currentInstance(ctx);
  const out = new Map<string, RecentChange>();
  let elsewhere = 0;
  for (const e of entries) {
    if (!e.change || e.undoneBy) continue;
    if (sameInstance(e.instance, here).same === false) {
      elsewhere++;
      continue;
    }
    // Newest first: a blueprint's steps from its last one back.
    const changes = e.change.kind === 'blueprint' ? [...(e.change.steps ?? [])].reverse() : [e.change];
    for (const c of changes) {
      if (!c.field || (c.kind !== 'field_create' && c.kind !== 'field_update' && c.kind !== 'field_delete')) continue;
      const key = `${c.entity}.${c.field}`;
      if (!out.has(key)) out.set(key, { kind: c.kind, entity: c.entity, field: c.field });
    }
    if (out.size >= RECENT_CHANGES) break;
  }
  return { changes: [...out.values()].slice(0, RECENT_CHANGES), elsewhere };
}

async function timed(fn: () => Promise<string>): Promise<{ ok: boolean; message: string; durationMs: number }> {
  const start = performance.now();
  try {
    const message = await fn();
    return { ok: true, message, durationMs: Math.round(performance.now() - start) };
  } catch (err) {
    return { ok: false, message: describeError(err), durationMs: Math.round(performance.now() - start) };
  }
}

export const rebuildTool = defineWriteTool({
  name: TOOL,
  title: 'Rebuild and clear the cache',
  description:
    "Rebuild a tenant's EspoCRM (as Administration > Rebuild), clear its cache and verify. Use it for stale fields or layouts, or " +
    "changes made elsewhere; not needed after this server's field or layout tools. Soft (never drops columns), idempotent, may " +
    'take minutes. dryRun: true explains. Returns each step with its duration, and problems. Needs the admin login. Example: ' +
    'rebuild {"tenant": "damath"}.',
  kind: 'write',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    clearCache: z.boolean().optional().describe('false: no cache clear after (the rebuild clears it first).'),
    dryRun: dryRunArg,
  },
  output: {
    tenant: z.string(),
    status: z.enum(['planned', 'rebuilt', 'unhealthy']).describe('unhealthy: the rebuild ran but a check afterwards failed (see steps and problems).'),
    steps: z.array(Step),
    durationMs: z.number().describe('Total time of the call, in milliseconds.'),
    healthy: z.boolean().optional(),
    version: z.string().optional(),
    checkedChanges: z.array(z.string()).describe('Recent field changes checked in the metadata, e.g. "Lead.cSecteur present".'),
    problems: z.array(z.string()),
  },
  annotations: annotationsFor('write', { idempotent: true }),
  async plan(args, ctx) {
    const started = performance.now();
    const clear = args.clearCache !== false;
    return {
      action: 'write' as const,
      value: { started, clear },
      summary: 'plan: rebuild',
      confirm: false,
      preview: () => {
        const steps: StepT[] = [
          { step: 'rebuild', status: 'planned', message: 'POST Admin/rebuild: clear the cache, rebuild metadata, soft-rebuild the database schema (adds, never drops)' },
          clear ? { step: 'clearCache', status: 'planned', message: 'POST Admin/clearCache' } : { step: 'clearCache', status: 'skipped', message: 'clearCache: false' },
          { step: 'crmAnswers', status: 'planned', message: 'GET App/user as the admin' },
          { step: 'metadata', status: 'planned', message: 'reload the metadata and check the recent field changes made through this server' },
        ];
        const structured = { tenant: ctx.tenant.id, status: 'planned' as const, steps, durationMs: Math.round(performance.now() - started), checkedChanges: [], problems: [] };
        return { structured, text: ['PLAN (dry run, nothing run):', ...steps.map((s) => `- ${s.step}: ${s.message}`)].join('\n') };
      },
    };
  },
  async apply({ clear }, ctx) {
    const steps: StepT[] = [];
    const problems: string[] = [];
    await ctx.progress(0, TOTAL, 'rebuilding (metadata and database schema)');
    const rb = await timed(async () => ((await admin.rebuild(ctx.writer, { signal: ctx.signal })) ? 'EspoCRM rebuilt' : 'EspoCRM answered without true'));
    steps.push({ step: 'rebuild', status: rb.ok ? 'ok' : 'failed', message: rb.message, durationMs: rb.durationMs });
    if (!rb.ok) {
      // A rebuild is idempotent: whether or not this one ran on the server, running it again is safe.
      throw new WriteFailure(`The rebuild of tenant "${ctx.tenant.id}" failed after ${rb.durationMs} ms: ${rb.message} Nothing else was run; running rebuild again is safe.`, 'rebuild_failed', 'failed', 'rebuild failed');
    }
    await ctx.progress(1, TOTAL, clear ? 'clearing the cache' : 'cache clear skipped');
    if (clear) {
      const cc = await timed(async () => ((await admin.clearCache(ctx.writer, { signal: ctx.signal })) ? 'cache cleared' : 'EspoCRM answered without true'));
      steps.push({ step: 'clearCache', status: cc.ok ? 'ok' : 'failed', message: cc.message, durationMs: cc.durationMs });
      if (!cc.ok) problems.push(`Clearing the cache failed: ${cc.message}`);
    } else {
      steps.push({ step: 'clearCache', status: 'skipped', message: 'clearCache: false' });
    }
    ctx.tenant.metadata.invalidate();
    return { steps, problems };
  },
  async verify({ started, clear }, applied, ctx) {
    const steps = [...applied.steps];
    const problems = [...applied.problems];
    await ctx.progress(2, TOTAL, 'checking that the CRM answers');
    let version: string | undefined;
    const who = await timed(async () => {
      const me = await getAppUser(ctx.tenant.client(), 'admin', { signal: ctx.signal });
      version = typeof me.settings.version === 'string' ? me.settings.version : undefined;
      if (me.user.type !== 'admin' && me.user.type !== 'super-admin') throw new Error(`the admin login is now a user of type "${me.user.type}"`);
      return `the CRM answers; "${me.user.userName}" is an admin${version ? `, EspoCRM ${version}` : ''}`;
    });
    steps.push({ step: 'crmAnswers', status: who.ok ? 'ok' : 'failed', message: who.message, durationMs: who.durationMs });
    if (!who.ok) problems.push(`The CRM does not answer properly after the rebuild: ${who.message}`);

    await ctx.progress(3, TOTAL, 'checking the metadata');
    const checkedChanges: string[] = [];
    const md = await timed(async () => {
      await ctx.tenant.profile.get(ctx.signal);
      const scopes = await ctx.tenant.metadata.get<Record<string, unknown>>('scopes', ctx.signal);
      if (!isRecord(scopes) || !Object.values(scopes).some((s) => isRecord(s) && s.entity === true)) throw new Error('the metadata has no entity types');
      const recent = await recentFieldChanges(ctx);
      if (recent.elsewhere > 0) {
        checkedChanges.push(`${recent.elsewhere} recent field change(s) recorded on another instance (not this tenant's CRM now) left unchecked`);
      }
      for (const c of recent.changes) {
        const def = await ctx.tenant.metadata.get<unknown>(`entityDefs.${c.entity}.fields.${c.field}`, ctx.signal);
        const shouldExist = c.kind !== 'field_delete';
        const ok = isRecord(def) === shouldExist;
        checkedChanges.push(`${c.entity}.${c.field} ${isRecord(def) ? 'present' : 'absent'}${ok ? '' : ` (expected ${shouldExist ? 'present' : 'absent'} after ${c.kind})`}`);
        if (!ok) problems.push(`The metadata does not reflect the last ${c.kind} of ${c.entity}.${c.field}.`);
      }
      return `metadata reloaded (${Object.keys(scopes).length} scopes)${recent.changes.length ? `; ${recent.changes.length} recent field change(s) checked` : ''}`;
    });
    steps.push({ step: 'metadata', status: md.ok ? 'ok' : 'failed', message: md.message, durationMs: md.durationMs });
    if (!md.ok) problems.push(`Reading the metadata after the rebuild failed: ${md.message}`);
    await ctx.progress(4, TOTAL, 'done');

    const healthy = problems.length === 0;
    const durationMs = Math.round(performance.now() - started);
    return {
      // The rebuild ran: an unhealthy check afterwards is reported in the result, not as a failed write.
      outcome: 'applied' as const,
      summary: `rebuild${clear ? ' + clear cache' : ''} in ${durationMs} ms; ${healthy ? 'healthy' : problems.join(' ')}`,
      changes: [],
      result: () => {
        const structured = {
          tenant: ctx.tenant.id,
          status: healthy ? ('rebuilt' as const) : ('unhealthy' as const),
          steps,
          durationMs,
          healthy,
          ...(version ? { version } : {}),
          checkedChanges,
          problems,
        };
        const text = [
          `${healthy ? 'Rebuilt' : 'Rebuilt, but a check FAILED'}: tenant ${ctx.tenant.id} in ${durationMs} ms.`,
          ...steps.map((s) => `- ${s.step}: ${s.status}, ${s.message}${s.durationMs !== undefined ? ` (${s.durationMs} ms)` : ''}`),
          ...problems.map((p) => `problem: ${p}`),
        ].join('\n');
        return { structured, text };
      },
    };
  },
});
