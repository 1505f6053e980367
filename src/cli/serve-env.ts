/**
 * Settings a host passes through the environment rather than flags: Claude Desktop bundles (MCPB)
 * and containers cannot add `--read-only` conditionally, so `ESPOCRM_MCP_READ_ONLY` does it.
 */

export const READ_ONLY_ENV = 'ESPOCRM_MCP_READ_ONLY';

const TRUE = new Set(['true', '1', 'yes', 'on']);
const FALSE = new Set(['false', '0', 'no', 'off', '']);

/** `ESPOCRM_MCP_READ_ONLY`: true/1/yes/on or false/0/no/off/empty. Anything else is an error, not a silent "writable". */
export function readOnlyFromEnv(env: NodeJS.ProcessEnv): boolean {
  const raw = env[READ_ONLY_ENV];
  if (raw === undefined) return false;
  const value = raw.trim().toLowerCase();
  if (TRUE.has(value)) return true;
  if (FALSE.has(value)) return false;
  throw new Error(`${READ_ONLY_ENV} must be true or false (also accepted: 1/0, yes/no, on/off), not "${raw.slice(0, 40)}"`);
}

/** `${user_config.KEY}` as an MCPB host leaves it when an optional field has no value and no default. */
const UNSUBSTITUTED = /^\$\{user_config\.[^}]*\}$/;

/**
 * Removes the variables an MCPB host passed without substituting them, so an empty optional field
 * means "not set" (e.g. no tenants.json) instead of a literal `${user_config.tenants_file}` path.
 * Returns the names removed.
 */
export function dropUnsubstitutedHostVariables(env: NodeJS.ProcessEnv): string[] {
  const removed: string[] = [];
  for (const [name, value] of Object.entries(env)) {
    if (value !== undefined && UNSUBSTITUTED.test(value)) {
      delete env[name];
      removed.push(name);
    }
  }
  return removed;
}
