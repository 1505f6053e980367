/**
 * `espocrm-admin-mcp sandbox`: runs one sandbox standalone and prints where it is and how to log
 * in. This is a CLI mode of its own (not the MCP stdio server), so it writes to stdout.
 */
import { startSandbox, type Sandbox } from './index.js';
import { describeVersionBehaviour } from './versions.js';

export interface SandboxCliOptions {
  port?: number;
  leads?: number;
  seed?: number;
  host?: string;
  /** reported EspoCRM version (validated by the CLI with `parseSandboxVersion`); default 9.1.7 */
  version?: string;
}

export function describeSandbox(sandbox: Sandbox): string {
  const { admin, apiKey, hmac } = sandbox.credentials;
  const espoAuth = Buffer.from(`${admin.username}:${admin.password}`).toString('base64');
  return [
    `EspoCRM sandbox (reports EspoCRM ${sandbox.state.version}) listening on ${sandbox.url}`,
    '',
    `  API base URL    ${sandbox.apiUrl}`,
    `  siteUrl         ${sandbox.state.siteUrl}`,
    `  admin user      ${admin.username}`,
    `  admin password  ${admin.password}`,
    `  API key         ${apiKey}   (API user sandbox-api: reads Lead, Contact, Account)`,
    `  HMAC key        ${hmac.apiKey}`,
    `  HMAC secret     ${hmac.secret}   (API user sandbox-api-hmac)`,
    '',
    `As EspoCRM ${sandbox.state.version}:`,
    ...describeVersionBehaviour(sandbox.state.version).map((line) => `  ${line}`),
    '',
    'Try:',
    `  curl -s -H 'X-Api-Key: ${apiKey}' '${sandbox.apiUrl}/Lead?maxSize=2&select=id,name'`,
    `  curl -s -H 'Espo-Authorization: ${espoAuth}' '${sandbox.apiUrl}/App/user'`,
    `  curl -s -u '${admin.username}:${admin.password}' '${sandbox.apiUrl}/Metadata?key=entityDefs.Lead.fields.status'`,
    '',
    'Press Ctrl+C to stop.',
    '',
  ].join('\n');
}

/** Starts the sandbox, prints its URL and credentials, and stops it on SIGINT or SIGTERM. */
export async function runSandboxCli(opts: SandboxCliOptions = {}): Promise<Sandbox> {
  const sandbox = await startSandbox({
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    ...(opts.leads !== undefined ? { leads: opts.leads } : {}),
    ...(opts.seed !== undefined ? { seed: opts.seed } : {}),
    ...(opts.host !== undefined ? { host: opts.host } : {}),
    ...(opts.version !== undefined ? { version: opts.version } : {}),
  });
  process.stdout.write(describeSandbox(sandbox));
  const close = sandbox.close.bind(sandbox);
  const stop = () => void sandbox.close().then(() => process.stdout.write('Sandbox stopped.\n'));
  // closing (by a signal or by the caller) also removes the signal handlers
  sandbox.close = () => {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
    return close();
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
  return sandbox;
}
