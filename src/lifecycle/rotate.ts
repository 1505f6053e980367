/**
 * Credential rotation (issue 18), shared by `tenants rotate` and the `rotate_credentials` tool:
 *
 * - API key: the API user is whoever the current key is (`GET App/user` as the API user); a new key
 *   (and HMAC secret) is made by `POST UserSecurity/apiKey/generate` as admin and stored at once; the
 *   new one must work and the old one be refused. A lost answer is settled with the OLD key first.
 * - Admin password: a generated password goes to a staging slot (keychain account `…/adminPassword.next`
 *   or the file + `.next`) before `PUT UserSecurity/password` switches it; the new one must log in and
 *   the old one be refused; only then does it replace the stored one. Any failure before the switch
 *   leaves the old password stored and valid; a new one that does not log in is switched back.
 *
 * Never more than one failed login per rotation (EspoCRM locks an IP out after 10 a minute): each
 * check of an old credential is one request on a fresh client, never retried. Messages and reports
 * never hold a secret; they say where secrets are stored.
 */
import { randomBytes, randomInt } from 'node:crypto';
import type { TenantConfig, SecretRef } from '../config/types.js';
import { EspoClient } from '../espo/client.js';
import { EspoAuthError, EspoError } from '../espo/errors.js';
import { getAppUser, users } from '../espo/api/index.js';
import type { UserRecord } from '../espo/api/users.js';
import type { WriteClient } from '../espo/writeAccess.js';
import { mayStillComplete } from '../espo/outcome.js';
import type { Logger } from '../log/logger.js';
import { describeError } from '../errors.js';
import { SecretError } from '../secrets/errors.js';
import { keychainAccount, parseSecretRef } from '../secrets/refs.js';
import { resolveSecret } from '../secrets/resolve.js';
import type { SecretStore } from '../secrets/store.js';
import { deleteSecret, isWritableRef, whereSecretIs, writeSecret } from '../secrets/write.js';

export type RotationTarget = 'apiKey' | 'adminPassword';

export interface RotationEnv {
  tenant: TenantConfig;
  /** The tenant's own client (API key and admin login), cleared for writes after the instance check. */
  writer: WriteClient;
  /** Where secret references resolve: env, the config file's folder, the keychain (the OS one by default). */
  secrets: { env: NodeJS.ProcessEnv; baseDir: string; store?: SecretStore };
  logger?: Logger;
  signal?: AbortSignal;
  /** Builds the throw-away clients that prove a credential (tests may pass their own options). */
  freshClient?: (creds: FreshCredentials) => EspoClient;
}

export interface FreshCredentials {
  apiKey?: string;
  hmacSecret?: string;
  admin?: { username: string; password: string };
}

export interface RotationReport {
  tenant: string;
  what: RotationTarget;
  /** applied: switched, stored and verified; partial: switched, but something after it needs attention. */
  outcome: 'applied' | 'partial';
  summary: string;
  /** Where the new secret(s) are stored, in words (never the value). */
  storedAt: string[];
  /** The new credential logged in (fresh client). */
  newWorks: boolean;
  /** The old credential was refused (null: not checked, e.g. already known). */
  oldRefused: boolean | null;
  /** What happened, in order (no secrets). */
  steps: string[];
  problems: string[];
}

/**
 * A rotation that did not complete. `switched` false: the CRM still takes the old credential and it is
 * still stored (nothing to do but fix the cause). True: the CRM changed, and the message says where the
 * new credential is and what to do.
 */
export class RotationError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly switched: boolean,
    readonly steps: string[] = [],
  ) {
    super(message);
    this.name = 'RotationError';
  }
}

const WHAT_WORDS: Record<RotationTarget, string> = { apiKey: 'API key', adminPassword: 'admin password' };

/** Why this tenant's `what` cannot be rotated as configured (empty: it can). Pure. */
export function rotationBlockers(tenant: TenantConfig, what: RotationTarget): string[] {
  const out: string[] = [];
  const envFix = (field: string, ref: SecretRef) => {
    const parsed = parseSecretRef(ref);
    if (parsed?.kind !== 'env') return `its ${field} reference "${ref}" is not one this server can write`;
    return (
      `its ${field} comes from the environment variable ${parsed.name}, which this server cannot write. Move it to the keychain or a file first ` +
      `(\`espocrm-admin-mcp tenants set-secret ${tenant.id} ${field}\`, then "${field === 'adminPassword' ? 'admin.password' : field}": "keychain" in tenants.json; ` +
      `or a 0600 file and "file:PATH"), or rotate it in EspoCRM by hand and set ${parsed.name} where the server runs`
    );
  };
  if (!tenant.admin) {
    out.push(
      what === 'apiKey'
        ? `tenant "${tenant.id}" has no admin login: EspoCRM makes a new API key only for an admin (add "admin" to the tenant)`
        : `tenant "${tenant.id}" has no admin login to rotate`,
    );
  }
  if (what === 'apiKey') {
    if (tenant.apiKey === undefined) out.push(`tenant "${tenant.id}" has no API key to rotate (no "apiKey" in tenants.json)`);
    else if (!isWritableRef(tenant.apiKey)) out.push(envFix('apiKey', tenant.apiKey));
    if (tenant.hmacSecret !== undefined && !isWritableRef(tenant.hmacSecret)) out.push(envFix('hmacSecret', tenant.hmacSecret));
  } else if (tenant.admin && !isWritableRef(tenant.admin.password)) {
    out.push(envFix('adminPassword', tenant.admin.password));
  }
  return out;
}

/** The staging slot beside a writable reference: keychain account + ".next", or the file + ".next". */
export function stagingRef(ref: SecretRef, tenantId: string, field: string): SecretRef {
  const parsed = parseSecretRef(ref);
  if (parsed?.kind === 'keychain') return `keychain:${parsed.account ?? keychainAccount(tenantId, field)}.next`;
  if (parsed?.kind === 'file') return `file:${parsed.path}.next`;
  throw new SecretError(`tenant "${tenantId}" ${field}: no staging slot for this reference (only keychain and file: references can be written)`, { tenantId, field });
}

const UPPER = 'ABCDEFGHJKLMNPQRSTUVWXYZ';
const LOWER = 'abcdefghijkmnopqrstuvwxyz';
const DIGITS = '23456789';
const SPECIAL = '-_.!@#%+=';

/**
 * A strong password: `length` characters (default 24) from an alphabet that survives shells, JSON and
 * EspoCRM's password rules (no quotes, backslashes, spaces or look-alikes), with at least two letters
 * of each case, two digits and two special characters.
 */
export function generatePassword(length = 24): string {
  if (length < 12) throw new RangeError('a generated password has at least 12 characters');
  const all = UPPER + LOWER + DIGITS + SPECIAL;
  const pick = (set: string) => set[randomInt(set.length)]!;
  const chars = [pick(UPPER), pick(UPPER), pick(LOWER), pick(LOWER), pick(DIGITS), pick(DIGITS), pick(SPECIAL), pick(SPECIAL)];
  while (chars.length < length) chars.push(pick(all));
  for (let i = chars.length - 1; i > 0; i--) {
    const j = randomInt(i + 1);
    [chars[i], chars[j]] = [chars[j]!, chars[i]!];
  }
  return chars.join('');
}

type Attempted = { result: 'ok'; userId: string; userType: string } | { result: 'refused' } | { result: 'error'; error: unknown };

/** One request as the given credential, on a fresh client (never retried): who it is, or refused. */
async function tryCredential(env: RotationEnv, creds: FreshCredentials, auth: 'api' | 'admin'): Promise<Attempted> {
  const client = freshClient(env, creds);
  try {
    const me = await getAppUser(client, auth, { signal: env.signal });
    return { result: 'ok', userId: me.user.id, userType: me.user.type };
  } catch (error) {
    if (error instanceof EspoAuthError && error.status === 401) return { result: 'refused' };
    return { result: 'error', error };
  } finally {
    if (auth === 'admin') await client.logout().catch(() => false);
    await client.close().catch(() => undefined);
  }
}

function freshClient(env: RotationEnv, creds: FreshCredentials): EspoClient {
  if (env.freshClient) return env.freshClient(creds);
  const t = env.tenant;
  return new EspoClient({
    tenantId: t.id,
    url: t.url,
    ...(creds.apiKey !== undefined ? { apiKey: async () => creds.apiKey! } : {}),
    ...(creds.hmacSecret !== undefined ? { hmacSecret: async () => creds.hmacSecret! } : {}),
    ...(creds.admin ? { admin: { username: creds.admin.username, password: async () => creds.admin!.password } } : {}),
    // One attempt: a proof of a credential is never retried (each failure counts toward the lockout).
    retries: { attempts: 1 },
    connections: 1,
    ...(t.limits?.timeoutMs ? { timeouts: { headersMs: t.limits.timeoutMs, bodyMs: t.limits.timeoutMs } } : {}),
    ...(env.logger ? { logger: env.logger } : {}),
  });
}

function secretCtx(env: RotationEnv, field: string) {
  return { tenantId: env.tenant.id, field, baseDir: env.secrets.baseDir, env: env.secrets.env, ...(env.secrets.store ? { store: env.secrets.store } : {}) };
}

function where(env: RotationEnv, ref: SecretRef, field: string): string {
  return whereSecretIs(ref, secretCtx(env, field));
}

/** The store accepts a write where `ref` points: a staging entry written and deleted again. */
async function probeStore(env: RotationEnv, ref: SecretRef, field: string): Promise<void> {
  const staging = stagingRef(ref, env.tenant.id, field);
  try {
    await writeSecret(staging, `probe-${randomBytes(8).toString('hex')}`, secretCtx(env, field));
    await deleteSecret(staging, secretCtx(env, field));
  } catch (err) {
    throw new RotationError(
      `Not rotated: the new ${field} could not be stored (${where(env, staging, field)}: ${describeError(err)}). Nothing was changed in the CRM; fix the store and try again.`,
      'store_unwritable',
      false,
    );
  }
}

async function currentSecret(env: RotationEnv, ref: SecretRef, field: string): Promise<string> {
  try {
    return await resolveSecret(ref, secretCtx(env, field));
  } catch (err) {
    throw new RotationError(`Not rotated: the current ${field} cannot be read (${describeError(err)}). Nothing was changed.`, 'secret_unreadable', false);
  }
}

function blocked(env: RotationEnv, what: RotationTarget): void {
  const b = rotationBlockers(env.tenant, what);
  if (b.length > 0) throw new RotationError(`Cannot rotate the ${WHAT_WORDS[what]} of tenant "${env.tenant.id}": ${b.join('; ')}.`, 'blocked', false);
}

/** Rotates the tenant's API key (and HMAC secret). Throws `RotationError` when it did not complete. */
export async function rotateApiKey(env: RotationEnv): Promise<RotationReport> {
  blocked(env, 'apiKey');
  const t = env.tenant;
  const keyRef = t.apiKey!;
  const secretRef = t.hmacSecret;
  const steps: string[] = [];
  await probeStore(env, keyRef, 'apiKey');
  if (secretRef) await probeStore(env, secretRef, 'hmacSecret');
  steps.push('the secret store accepts writes');

  const old: FreshCredentials = { apiKey: await currentSecret(env, keyRef, 'apiKey'), ...(secretRef ? { hmacSecret: await currentSecret(env, secretRef, 'hmacSecret') } : {}) };
  let me;
  try {
    me = await getAppUser(env.writer, 'api', { signal: env.signal });
  } catch (err) {
    throw new RotationError(
      `Not rotated: the current API key of tenant "${t.id}" does not work (${describeError(err)}), so the API user it belongs to is unknown. ` +
        `Store a working key first (\`espocrm-admin-mcp tenants set-secret ${t.id} apiKey\`, the key is in EspoCRM: Administration > API Users); nothing was changed.`,
      'api_key_unusable',
      false,
    );
  }
  if (me.user.type !== 'api') {
    throw new RotationError(`Not rotated: the apiKey of tenant "${t.id}" authenticates a user of type "${me.user.type}", not an API user. Nothing was changed.`, 'not_api_user', false);
  }
  const userId = me.user.id;
  steps.push(`API user ${userId} identified with the current key`);

  let user: UserRecord;
  let oldRefused: boolean | null = null;
  try {
    user = await users.generateApiKey(env.writer, userId, { signal: env.signal });
  } catch (err) {
    if (!mayStillComplete(err)) {
      throw new RotationError(`Not rotated: EspoCRM refused to make a new key (${describeError(err)}). The old key still works and is still stored.`, 'generate_refused', false, steps);
    }
    // The answer was lost: does the old key still work? (at most this one failed attempt)
    const check = await tryCredential(env, old, 'api');
    if (check.result === 'ok') {
      throw new RotationError(`Not rotated: EspoCRM did not answer (${describeError(err)}); the old key still works and is still stored. Try again later.`, 'generate_lost', false, steps);
    }
    if (check.result !== 'refused') {
      throw new RotationError(
        `Unknown state: EspoCRM did not answer the new key request (${describeError(err)}) and the old key could not be checked (${describeError(check.error)}). ` +
          `The old key is still stored; check with \`espocrm-admin-mcp tenants check ${t.id}\` and rotate again if it is refused.`,
        'generate_unknown',
        false,
        steps,
      );
    }
    // The CRM made a new key and we lost it: the admin reads it back.
    oldRefused = true;
    steps.push('the answer was lost, the old key is refused: reading the new key as admin');
    user = await users.readUser(env.writer, userId, { signal: env.signal }).catch((readErr: unknown) => {
      throw new RotationError(
        `EspoCRM made a new key (the old one is refused) but its answer was lost and reading it back failed (${describeError(readErr)}). ` +
          `Run \`espocrm-admin-mcp tenants rotate ${t.id} --api-key\` again once the CRM answers.`,
        'generate_lost_unread',
        true,
        steps,
      );
    });
  }
  const newCreds: FreshCredentials = { apiKey: user.apiKey ?? undefined, ...(secretRef ? { hmacSecret: user.secretKey ?? undefined } : {}) };
  if (!newCreds.apiKey || (secretRef && !newCreds.hmacSecret)) {
    throw new RotationError(
      `EspoCRM made a new key for API user ${userId} but did not answer it${secretRef ? ' (with its HMAC secret)' : ''}; the old key may be refused already. ` +
        `Copy the key from EspoCRM (Administration > API Users) with \`espocrm-admin-mcp tenants set-secret ${t.id} apiKey\`.`,
      'no_new_key',
      true,
      steps,
    );
  }
  steps.push('EspoCRM made a new key');

  const storedAt: string[] = [];
  try {
    await writeSecret(keyRef, newCreds.apiKey, secretCtx(env, 'apiKey'));
    storedAt.push(where(env, keyRef, 'apiKey'));
    if (secretRef) {
      await writeSecret(secretRef, newCreds.hmacSecret!, secretCtx(env, 'hmacSecret'));
      storedAt.push(where(env, secretRef, 'hmacSecret'));
    }
  } catch (err) {
    throw new RotationError(
      `EspoCRM made a new key (the old one no longer works) but it could not be stored (${describeError(err)}). ` +
        `Fix the store, then run \`espocrm-admin-mcp tenants rotate ${t.id} --api-key\` again (the admin makes another key).`,
      'store_failed',
      true,
      steps,
    );
  }
  steps.push(`stored in ${storedAt.join(' and ')}`);

  const problems: string[] = [];
  const fresh = await tryCredential(env, newCreds, 'api');
  const newWorks = fresh.result === 'ok' && fresh.userId === userId;
  if (fresh.result === 'ok' && fresh.userId !== userId) problems.push(`the new key authenticates another user (${fresh.userId}) than the API user ${userId}`);
  else if (fresh.result === 'refused') problems.push('EspoCRM refuses the new key');
  else if (fresh.result === 'error') problems.push(`the new key could not be checked (${describeError(fresh.error)})`);
  if (oldRefused === null) {
    const stale = await tryCredential(env, old, 'api');
    oldRefused = stale.result === 'refused';
    if (stale.result === 'ok') problems.push('EspoCRM still accepts the old key');
    else if (stale.result === 'error') {
      oldRefused = null;
      problems.push(`the old key could not be checked (${describeError(stale.error)})`);
    }
  }
  steps.push(`new key ${newWorks ? 'works' : 'NOT verified'}; old key ${oldRefused === true ? 'refused' : oldRefused === false ? 'still accepted' : 'not checked'}`);
  const outcome = problems.length === 0 ? 'applied' : 'partial';
  return {
    tenant: t.id,
    what: 'apiKey',
    outcome,
    summary: `rotated the API key of API user ${userId}${secretRef ? ' (and its HMAC secret)' : ''}${problems.length ? `; ${problems.join('; ')}` : ''}`,
    storedAt,
    newWorks,
    oldRefused,
    steps,
    problems,
  };
}

/** Rotates the tenant's admin password. Throws `RotationError` when it did not complete. */
export async function rotateAdminPassword(env: RotationEnv): Promise<RotationReport> {
  blocked(env, 'adminPassword');
  const t = env.tenant;
  const username = t.admin!.username;
  const mainRef = t.admin!.password;
  const field = 'adminPassword';
  const staging = stagingRef(mainRef, t.id, field);
  const steps: string[] = [];
  await probeStore(env, mainRef, field);
  const oldPassword = await currentSecret(env, mainRef, field);
  const newPassword = generatePassword();
  const dropStaging = () => deleteSecret(staging, secretCtx(env, field)).catch(() => false);

  try {
    await writeSecret(staging, newPassword, secretCtx(env, field));
  } catch (err) {
    throw new RotationError(`Not rotated: the new password could not be stored (${describeError(err)}). Nothing was changed.`, 'store_unwritable', false);
  }
  steps.push(`new password staged in ${where(env, staging, field)}`);

  let knownNewWorks = false;
  try {
    const ok = await users.changeOwnPassword(env.writer, oldPassword, newPassword, { signal: env.signal });
    if (!ok) throw new EspoError({ code: 'unexpected_response', userMessage: 'EspoCRM did not answer true to the password change' });
  } catch (err) {
    if (!mayStillComplete(err)) {
      await dropStaging();
      throw new RotationError(`Not rotated: EspoCRM refused the password change (${describeError(err)}). The old password still works and is still stored.`, 'change_refused', false, steps);
    }
    // The answer was lost: does the NEW one log in? (at most this one failed login; a user has one password)
    const check = await tryCredential(env, { admin: { username, password: newPassword } }, 'admin');
    if (check.result === 'refused') {
      await dropStaging();
      throw new RotationError(`Not rotated: EspoCRM did not answer the password change (${describeError(err)}) and did not make it; the old password is still stored. Try again later.`, 'change_lost', false, steps);
    }
    if (check.result !== 'ok') {
      throw new RotationError(
        `Unknown state: EspoCRM did not answer the password change (${describeError(err)}) and the new password could not be checked (${describeError(check.error)}). ` +
          `The old password is still in ${where(env, mainRef, field)} and the new one in ${where(env, staging, field)}: try each in a browser, and keep the one that works ` +
          `(\`espocrm-admin-mcp tenants set-secret ${t.id} adminPassword\`).`,
        'change_unknown',
        true,
        steps,
      );
    }
    knownNewWorks = true;
  }
  steps.push('EspoCRM switched the password');

  const problems: string[] = [];
  let oldRefused: boolean | null = knownNewWorks ? true : null;
  if (!knownNewWorks) {
    const fresh = await tryCredential(env, { admin: { username, password: newPassword } }, 'admin');
    if (fresh.result !== 'ok') {
      // Switch back through the session we still hold; the old password stays the stored one.
      const back = await users.changeOwnPassword(env.writer, newPassword, oldPassword, { signal: env.signal }).then(
        (ok) => ok,
        () => false,
      );
      const why = fresh.result === 'refused' ? 'EspoCRM refused it' : describeError(fresh.error);
      if (back) {
        await dropStaging();
        throw new RotationError(`Not rotated: the new password did not log in (${why}), so it was switched back; the old password works and is still stored.`, 'verify_failed', false, steps);
      }
      throw new RotationError(
        `The password was changed but the new one did not log in (${why}) and switching back failed. The new password is in ${where(env, staging, field)} ` +
          `and the old one in ${where(env, mainRef, field)}: try the new one in a browser and store the one that works (\`espocrm-admin-mcp tenants set-secret ${t.id} adminPassword\`).`,
        'verify_failed_switched',
        true,
        steps,
      );
    }
    const stale = await tryCredential(env, { admin: { username, password: oldPassword } }, 'admin');
    oldRefused = stale.result === 'refused' ? true : stale.result === 'ok' ? false : null;
    if (stale.result === 'ok') problems.push('EspoCRM still accepts the old password');
    else if (stale.result === 'error') problems.push(`the old password could not be checked (${describeError(stale.error)})`);
  }
  steps.push(`new password logs in; old password ${oldRefused === true ? 'refused' : oldRefused === false ? 'still accepted' : 'not checked'}`);

  try {
    await writeSecret(mainRef, newPassword, secretCtx(env, field));
  } catch (err) {
    throw new RotationError(
      `The password was changed and works, but it could not replace the stored one (${describeError(err)}): it is in ${where(env, staging, field)}. ` +
        `Move it there by hand (or \`espocrm-admin-mcp tenants set-secret ${t.id} adminPassword\` with it); until then the server logs in with the old one, which EspoCRM refuses.`,
      'store_failed',
      true,
      steps,
    );
  }
  await dropStaging();
  const storedAt = [where(env, mainRef, field)];
  steps.push(`stored in ${storedAt[0]}; staging slot removed`);
  return {
    tenant: t.id,
    what: 'adminPassword',
    outcome: problems.length === 0 ? 'applied' : 'partial',
    summary: `rotated the password of admin "${username}"${problems.length ? `; ${problems.join('; ')}` : ''}`,
    storedAt,
    newWorks: true,
    oldRefused,
    steps,
    problems,
  };
}

export function rotate(env: RotationEnv, what: RotationTarget): Promise<RotationReport> {
  return what === 'apiKey' ? rotateApiKey(env) : rotateAdminPassword(env);
}

export function describeRotation(what: RotationTarget, tenant: TenantConfig): string {
  return what === 'apiKey'
    ? `make a new API key for the API user of tenant "${tenant.id}" in its CRM (${tenant.url})${tenant.hmacSecret ? ', with a new HMAC secret' : ''}; ` +
        'the old key stops working at once; the new one is stored where the tenant refers to it, checked, and the old one checked refused'
    : `set a new generated password for admin "${tenant.admin?.username ?? '?'}" of tenant "${tenant.id}" (${tenant.url}); ` +
        'it is staged in the store before the switch, checked, and only then replaces the stored one';
}
