/**
 * What a caller is shown when a secret cannot be read. A `SecretError` says where the reference points
 * (a file's path, an environment variable's name, a keychain account) and how to fix it: the operator's
 * business. On stdio and the CLI the caller *is* the operator, so the message is shown as it is (it
 * never holds a secret). Over HTTP the caller is remote: it learns which secret of which tenant is
 * missing and a reference, and the full message goes to the server log at warn under that reference.
 */
import { randomUUID } from 'node:crypto';
import type { Logger } from '../log/logger.js';
import type { Principal } from '../tenants/policy.js';
import { SecretError } from './errors.js';

const FIELD_NAMES: Record<string, string> = {
  apiKey: 'API key',
  hmacSecret: 'HMAC secret',
  adminPassword: 'admin password',
};

/** The `SecretError` behind a failure (itself, or a cause a few levels down), if any. */
export function secretErrorIn(err: unknown): SecretError | undefined {
  let current: unknown = err;
  for (let depth = 0; depth < 5 && current instanceof Error; depth++) {
    if (current instanceof SecretError) return current;
    current = current.cause;
  }
  return undefined;
}

/** Whether the caller reached the server over the network (HTTP sets `via`; stdio's principal has none). */
export function isRemoteCaller(principal: Principal): boolean {
  return principal.via !== undefined;
}

/** The message for `err` as this caller may see it; for a remote caller, logs the detail under the reference it shows. */
export function secretErrorFor(err: SecretError, principal: Principal, log: Logger): string {
  if (!isRemoteCaller(principal)) return err.message;
  const ref = randomUUID().slice(0, 8);
  log.warn({ ref, tenant: err.tenantId, field: err.field, caller: principal.name, detail: err.message }, 'a secret cannot be read (the remote caller sees only the reference)');
  const what = (err.field !== undefined ? FIELD_NAMES[err.field] : undefined) ?? 'a secret';
  const whose = err.tenantId !== undefined ? ` of tenant "${err.tenantId}"` : '';
  return `the ${what}${whose} cannot be read on the server (reference ${ref}): the operator can look it up in the server log`;
}

/**
 * A failure described for this caller: a secret problem through `secretErrorFor`, anything else by
 * `describe` (the usual safe description).
 */
export function describeFor(err: unknown, principal: Principal, log: Logger, describe: (err: unknown) => string): string {
  const secret = secretErrorIn(err);
  return secret ? secretErrorFor(secret, principal, log) : describe(err);
}
