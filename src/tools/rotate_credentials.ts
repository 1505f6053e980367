import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ApplyContext } from './define.js';
import { confirmArg, tenantArg } from './args.js';
import { fingerprint } from '../core/confirm.js';
import { untrusted } from '../core/fence.js';
import { getAppUser } from '../espo/api/index.js';
import { WriteFailure } from '../pipeline/failure.js';
import { describeRotation, rotate, rotationBlockers, RotationError, type RotationReport, type RotationTarget } from '../lifecycle/rotate.js';

const TOOL = 'rotate_credentials';

const WORDS: Record<RotationTarget, string> = { apiKey: 'API key', adminPassword: 'admin password' };

interface Planned {
  what: RotationTarget;
  base: { tenant: string; what: RotationTarget };
}

/** The rotation core's environment inside a tool call: the tenant's own client, cleared by the pipeline. */
function envOf(ctx: ApplyContext) {
  return { tenant: ctx.tenant.config, writer: ctx.writer, secrets: ctx.tenant.secretScope, logger: ctx.logger, signal: ctx.signal };
}

export const rotateCredentials = defineWriteTool({
  name: TOOL,
  title: 'Rotate a credential',
  description:
    "Replace a tenant's API key (apiKey: EspoCRM makes a new one, the old one stops working at once) or admin password (adminPassword: " +
    'a generated one). Use it when a secret may have leaked, someone left, or on a schedule. Destructive, two calls: without "confirm" it returns the plan and a token; then the same call with "confirm": <token>. ' +
    'The new secret is stored where tenants.json refers to it (keychain or file, not env:), checked, and the old one checked refused. ' +
    'The result says where it is stored, never the secret. Example: rotate_credentials {"tenant": "damath", "what": "apiKey"}.',
  kind: 'destructive',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    what: z.enum(['apiKey', 'adminPassword']).describe('apiKey: the API user\'s key (and HMAC secret); adminPassword: the admin login\'s password.'),
    confirm: confirmArg,
  },
  output: {
    tenant: z.string(),
    what: z.enum(['apiKey', 'adminPassword']),
    status: z.enum(['planned', 'blocked', 'rotated', 'partial']).describe('planned: nothing changed yet, confirm with the token. blocked: cannot be rotated as configured (see blockers).'),
    plan: z.string().describe('What applying does.'),
    blockers: z.array(z.string()),
    storedAt: z.array(z.string()).optional().describe('Where the new secret is stored (never the value).'),
    newWorks: z.boolean().optional(),
    oldRefused: z.boolean().nullable().optional(),
    steps: z.array(z.string()).optional(),
    problems: z.array(z.string()),
    confirmToken: z.string().optional().describe('Pass as "confirm" (with the same tenant and what) to rotate.'),
    expiresAt: z.string().optional(),
  },
  annotations: annotationsFor('destructive'),
  refusal: 'Not rotated',
  async plan(args, ctx) {
    const what = args.what;
    const cfg = ctx.tenant.config;
    const blockers = rotationBlockers(cfg, what);
    // Who the credential is now (the API user, or the admin): the plan names it, and a CRM that does not
    // answer, or a credential it refuses, stops the plan here.
    const me = await getAppUser(ctx.tenant.client(), what === 'apiKey' && cfg.apiKey ? 'api' : 'admin', { signal: ctx.signal });
    const who = what === 'apiKey' ? `API user ${untrusted(me.user.userName)} (${me.user.id})` : `admin ${untrusted(me.user.userName)}`;
    if (what === 'apiKey' && cfg.apiKey && me.user.type !== 'api') blockers.push(`the apiKey authenticates a user of type ${untrusted(me.user.type)}, not an API user`);
    const plan = `${describeRotation(what, cfg)}; the credential is now ${who}`;
    const base = { tenant: ctx.tenant.id, what };
    const value: Planned = { what, base };
    const refs = { apiKey: cfg.apiKey, hmacSecret: cfg.hmacSecret, admin: cfg.admin };
    return {
      action: 'write' as const,
      value,
      summary: `plan: rotate the ${WORDS[what]}`,
      confirm: true,
      // Bound to the references as configured: a changed tenants.json invalidates the token.
      binding: { args: { what }, state: fingerprint({ refs, user: me.user.id }) },
      ...(blockers.length ? { blocked: blockers.join('; ') } : {}),
      preview: (token?: { token: string; expiresAt: string }) => {
        const structured = {
          ...base,
          status: blockers.length ? ('blocked' as const) : ('planned' as const),
          plan,
          blockers,
          problems: [],
          ...(token ? { confirmToken: token.token, expiresAt: token.expiresAt } : {}),
        };
        const text = [
          blockers.length ? `BLOCKED: the ${WORDS[what]} of tenant "${ctx.tenant.id}" cannot be rotated as configured.` : `PLAN (nothing changed yet): ${plan}.`,
          ...blockers.map((b) => `blocker: ${b}`),
          ...(token ? [`To rotate, call ${TOOL} again with the same tenant and what and "confirm": "${token.token}" (valid until ${token.expiresAt}).`] : []),
        ].join('\n');
        return { structured, text };
      },
    };
  },
  async apply(p, ctx): Promise<RotationReport> {
    try {
      return await rotate(envOf(ctx), p.what);
    } catch (err) {
      if (!(err instanceof RotationError)) throw err;
      // Switched or not, the secrets read so far may be stale now.
      if (err.switched) ctx.tenant.reloadSecrets();
      throw new WriteFailure(err.message, `rotate_${err.code}`, err.switched ? 'partial' : 'failed', `rotate the ${WORDS[p.what]} ${err.switched ? 'incomplete' : 'failed'}`);
    }
  },
  async verify(p, report, ctx) {
    // The core proved the new secret with a fresh client; this server's client reads it from the store from now on.
    ctx.tenant.reloadSecrets();
    return {
      outcome: report.outcome,
      summary: report.summary,
      changes: [],
      result: () => {
        const structured = {
          ...p.base,
          status: report.outcome === 'applied' ? ('rotated' as const) : ('partial' as const),
          plan: describeRotation(p.what, ctx.tenant.config),
          blockers: [],
          storedAt: report.storedAt,
          newWorks: report.newWorks,
          oldRefused: report.oldRefused,
          steps: report.steps,
          problems: report.problems,
        };
        const text = [
          `${report.outcome === 'applied' ? 'Rotated' : 'Rotated, with problems:'} the ${WORDS[p.what]} of tenant "${p.base.tenant}".`,
          `Stored in ${report.storedAt.join(' and ')}.`,
          `New ${WORDS[p.what]} works: ${report.newWorks ? 'yes' : 'NO'}; old one refused: ${report.oldRefused === null ? 'not checked' : report.oldRefused ? 'yes' : 'NO'}.`,
          ...report.problems.map((x) => `problem: ${x}`),
          'This server uses the new secret from now on; other processes re-read it on their next refused login.',
        ].join('\n');
        return { structured, text };
      },
    };
  },
});
