/**
 * The secret canary: every secret a test gives the server carries one marker, unique per run, so a leak
 * of any of them is found wherever it lands (a tool result, an error, a resource, a log, the audit log),
 * in clear, base64 (alone or as Basic `user:secret` credentials) or URL-encoded. Used by the canary
 * suites over the built binary (test/e2e/canary.test.ts, test/reliability/canary.test.ts).
 */
import { randomBytes } from 'node:crypto';
import type { SandboxOptions } from '../../src/sandbox/index.js';
import type { StackTenant } from './stack.js';

/** Usernames a secret could be paired with in Basic credentials. */
const BASIC_USERS = ['admin', 'mcp-admin'];

export interface Canary {
  /** The marker every secret carries. */
  marker: string;
  secrets: {
    /** The admin password and API key of the tenant whose secrets work. */
    goodPassword: string;
    goodKey: string;
    /** What the server is told for the tenant whose secrets are wrong. */
    wrongPassword: string;
    wrongKey: string;
    /** A bearer token for the HTTP transport. */
    httpToken: string;
  };
  /** The names of the secrets found in `text` (and `canary` for the bare marker); empty when none is. */
  leaks(text: string): string[];
}

export function newCanary(): Canary {
  const marker = `CANARY${randomBytes(6).toString('hex')}`;
  const secrets = {
    goodPassword: `${marker}adm`,
    goodKey: `${marker}key`,
    wrongPassword: `${marker}wrongpw`,
    wrongKey: `${marker}wrongkey`,
    httpToken: `${marker}httptoken0123456789abcdef`,
  };
  const b64 = (s: string) => Buffer.from(s).toString('base64');
  return {
    marker,
    secrets,
    leaks(text) {
      const found: string[] = [];
      for (const [name, value] of Object.entries(secrets)) {
        const forms = [value, b64(value), encodeURIComponent(value), ...BASIC_USERS.map((user) => b64(`${user}:${value}`))];
        if (forms.some((f) => text.includes(f))) found.push(name);
      }
      if (text.includes(marker)) found.push('canary');
      return found;
    },
  };
}

/**
 * Two tenants: `good`, whose sandbox has the canary's admin password and API key (the server is given
 * them), and `bad`, for which the server is given the wrong ones.
 */
export function canaryTenants(canary: Canary, sandbox: { good?: SandboxOptions; bad?: SandboxOptions } = {}): StackTenant[] {
  const { secrets } = canary;
  return [
    { id: 'good', sandbox: { ...sandbox.good, admin: { username: 'admin', password: secrets.goodPassword }, apiKey: secrets.goodKey } },
    { id: 'bad', adminPassword: secrets.wrongPassword, apiKey: secrets.wrongKey, ...(sandbox.bad ? { sandbox: sandbox.bad } : {}) },
  ];
}
