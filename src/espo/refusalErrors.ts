/**
 * EspoCRM's refusals as typed errors: 401 (the credential was refused; what to fix depends on which
 * credential the request carried) and 403 (login lockout, not an admin, or roles that do not allow it).
 */
import { EspoAuthError, EspoForbiddenError } from './errors.js';
import type { ResponseFacts } from './errorFacts.js';

/** Admin-only routes: a bare 403 on them means "this user is not an admin". */
export function isAdminRoute(method: string, path: string): boolean {
  const p = path.replace(/^\/+/, '');
  if (/^(Admin|FieldManager|EntityManager|Layout)\//.test(p)) return true;
  if (p.startsWith('Metadata/action/')) return true;
  if (method !== 'GET' && /^[A-Za-z0-9_]+\/layout\//.test(p)) return true;
  if (method !== 'GET' && p === 'Settings') return true;
  return false;
}

/** 401: the credential was refused, or a second step (2FA) is required. */
export function authError({ res, ctx, reason }: ResponseFacts): EspoAuthError {
  const base = { status: res.status, reason, context: ctx, credential: ctx.authKind };
  return new EspoAuthError({ ...base, ...authRefusal(ctx, reason) });
}

function authRefusal(ctx: ResponseFacts['ctx'], reason: string | undefined): { code: string; userMessage: string } {
  const tenant = `tenant "${ctx.tenantId}"`;
  const user = ctx.username ? ` (user "${ctx.username}")` : '';
  const cooldown = Math.round((ctx.passwordCooldownMs ?? 60_000) / 1000);

  if (reason === 'second-step-required') {
    return {
      code: 'second_step_required',
      userMessage:
        `The admin user${user} of ${tenant} has two-factor authentication enabled, so an unattended password login cannot complete. ` +
        'Use a dedicated admin user without 2FA for this server (in EspoCRM: the user > Security).',
    };
  }
  switch (ctx.authKind) {
    case 'password':
      return {
        code: 'auth_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the admin login${user}: wrong user name or password, or the user is inactive. ` +
          `Check admin.username in the tenant config and store the right password (\`espocrm-admin-mcp tenants set-secret ${ctx.tenantId} admin.password\`). ` +
          `No new password attempt is made for ${cooldown} s, to stay clear of EspoCRM's lockout (10 failed logins per minute per IP).`,
      };
    case 'apiKey':
      return {
        code: 'auth_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the API key (401). Check that the API user exists, is active and uses the "API Key" authentication method, ` +
          `and store its key (\`espocrm-admin-mcp tenants set-secret ${ctx.tenantId} apiKey\`). Each refused key counts towards EspoCRM's failed-login lockout.`,
      };
    case 'hmac':
      return {
        code: 'auth_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the HMAC-signed request (401). Check that the API user uses the "HMAC" authentication method and that ` +
          `both its API key and secret key are stored (\`tenants set-secret ${ctx.tenantId} apiKey\` / \`hmacSecret\`).`,
      };
    case 'token':
      return {
        code: 'token_refused',
        userMessage:
          `EspoCRM of ${tenant} refused the admin session token right after a fresh login${user}. ` +
          'Something on the server side invalidates new tokens (another client logging in as the same user with authTokenPreventConcurrent?). Use a dedicated admin user for this server.',
      };
    case 'none':
      return {
        code: 'auth_required',
        userMessage: `EspoCRM of ${tenant} requires authentication for ${ctx.method} ${ctx.path} (401).`,
      };
  }
}

/** 403: a refused password login, a refusal without a reason, or one EspoCRM explains. */
export function forbiddenError(f: ResponseFacts): EspoForbiddenError {
  const { ctx, reason, base, tenant, request } = f;
  if (ctx.authKind === 'password') return loginBlockedError(f);
  if (!reason) return unexplainedForbiddenError(f);
  return new EspoForbiddenError({
    ...base,
    code: 'forbidden',
    userMessage: `EspoCRM of ${tenant} refused ${request} with 403: ${reason}${/access\.?$/i.test(reason) ? " Check the roles of the user (Administration > Roles)." : ''}`,
  });
}

/** 403 on the password login: almost always EspoCRM's IP lockout after failed logins. */
function loginBlockedError({ reason, base, tenant }: ResponseFacts): EspoForbiddenError {
  return new EspoForbiddenError({
    ...base,
    code: 'login_blocked',
    userMessage:
      `EspoCRM of ${tenant} refused the admin login with 403${reason ? ` (${reason})` : ''}. ` +
      'Most likely it locked this IP address out after too many failed logins (more than 10 within 60 s, ' +
      'counting every client behind the same IP): wait 60 s, and check the stored admin password before trying again. ' +
      "If it persists, this IP may be outside EspoCRM's IP whitelist (Administration > Authentication).",
  });
}

/** 403 without a reason: on an admin route the user is no admin; elsewhere its roles forbid it. */
function unexplainedForbiddenError({ ctx, base, tenant, request }: ResponseFacts): EspoForbiddenError {
  const apiUser = ctx.authKind === 'apiKey' || ctx.authKind === 'hmac';
  const adminRoute = isAdminRoute(ctx.method, ctx.path);
  if (apiUser && adminRoute) {
    return new EspoForbiddenError({
      ...base,
      code: 'not_admin',
      userMessage:
        `EspoCRM of ${tenant} refused ${request} with 403: the API user is not an admin, and EspoCRM never lets API users be admins. ` +
        'Configure an admin login (admin.username and admin.password) for this tenant; admin routes use it.',
    });
  }
  return new EspoForbiddenError({
    ...base,
    code: adminRoute ? 'not_admin' : 'forbidden',
    userMessage: adminRoute
      ? `EspoCRM of ${tenant} refused ${request} with 403: the user is not an admin. Admin routes need a user of type "admin" in EspoCRM.`
      : `EspoCRM of ${tenant} refused ${request} with 403 and gave no reason: the user's roles do not allow it` +
        (apiUser ? ', or EspoCRM locked this IP out after too many failed logins (then wait 60 s).' : '.'),
  });
}
