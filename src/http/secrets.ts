import type { SecretRef } from '../config/types.js';
import { resolveSecret, SecretError } from '../secrets/index.js';

export interface HttpSecretContext {
  env: NodeJS.ProcessEnv;
  /** Folder relative `file:` references are resolved against (the config file's folder). */
  baseDir: string;
}

const HOLDER = 'http';
const FIELD = 'secret';

/**
 * Resolves a secret of the `http` section (a bearer token, the HS256 secret). Errors name the config
 * location instead of a tenant, and never hold the secret.
 */
export async function resolveHttpSecret(ref: SecretRef, where: string, ctx: HttpSecretContext): Promise<string> {
  try {
    return await resolveSecret(ref, { tenantId: HOLDER, field: FIELD, env: ctx.env, baseDir: ctx.baseDir });
  } catch (err) {
    if (err instanceof SecretError) {
      const prefix = `tenant "${HOLDER}" ${FIELD}: `;
      throw new SecretError(`${where}: ${err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message}`, { tenantId: HOLDER, field: FIELD });
    }
    throw err;
  }
}
