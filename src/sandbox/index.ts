/**
 * The EspoCRM sandbox: a loopback HTTP server that behaves like EspoCRM 9.x (reports 9.1.7) for
 * what the admin MCP server needs, quirks included. Several independent instances can run in one
 * process, each with its own port, data, credentials and siteUrl.
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { FaultInjector, type FaultRule } from './faults.js';
import { generateDataset, type DuplicateTruth } from './generator.js';
import { randomSecret } from './ids.js';
import { RecordStore } from './records/index.js';
import type { SandboxRequestLogEntry } from './requestLog.js';
import { createRequestListener } from './server.js';
import { SandboxState } from './state.js';

export type { FaultKind, FaultRule } from './faults.js';
export type { SandboxRequestLogEntry } from './requestLog.js';
export type { DuplicateTruth } from './generator.js';
export { SandboxState } from './state.js';

export interface SandboxOptions {
  /** 0 (default) picks a free port */
  port?: number;
  /** default 127.0.0.1 */
  host?: string;
  /** generator seed (default 1) */
  seed?: number;
  /** generated records (defaults: 40 leads, 20 contacts, 10 accounts) */
  leads?: number;
  contacts?: number;
  accounts?: number;
  duplicateClusters?: number;
  /** default: user `admin` with a random password */
  admin?: { username: string; password: string };
  /** key of the built-in API user (`sandbox-api`); random by default */
  apiKey?: string;
  /** key and secret of the built-in HMAC API user (`sandbox-api-hmac`); random by default */
  hmac?: { apiKey: string; secret: string };
  /** the `siteUrl` setting; default http://host:port */
  siteUrl?: string;
  /** reported EspoCRM version (default 9.1.7) */
  version?: string;
  /** failed-login lockout; default { maxFailed: 10, windowMs: 60000 }; false disables it */
  lockout?: { maxFailed: number; windowMs: number } | false;
  /** a label, e.g. a tenant id */
  name?: string;
}

export interface SandboxCredentials {
  admin: { username: string; password: string };
  apiKey: string;
  hmac: { apiKey: string; secret: string };
}

export interface Sandbox {
  name: string;
  /** origin the sandbox listens on, e.g. http://127.0.0.1:PORT */
  url: string;
  /** url + '/api/v1' */
  apiUrl: string;
  credentials: SandboxCredentials;
  /** the generator's ground truth: the duplicate clusters it planted, and its homonyms (not duplicates) */
  truth: DuplicateTruth;
  /** every request received, in order (no secrets) */
  requests: SandboxRequestLogEntry[];
  faults: { add(rule: FaultRule): void; clear(): void };
  state: SandboxState;
  close(): Promise<void>;
}

export async function startSandbox(opts: SandboxOptions = {}): Promise<Sandbox> {
  const host = opts.host ?? '127.0.0.1';
  const credentials: SandboxCredentials = {
    admin: opts.admin ? { ...opts.admin } : { username: 'admin', password: randomSecret(12) },
    apiKey: opts.apiKey ?? randomSecret(16),
    hmac: opts.hmac ? { ...opts.hmac } : { apiKey: randomSecret(16), secret: randomSecret(16) },
  };
  const state = new SandboxState({
    name: opts.name ?? 'sandbox',
    version: opts.version ?? '9.1.7',
    siteUrl: opts.siteUrl ?? '',
    lockout: opts.lockout ?? { maxFailed: 10, windowMs: 60_000 },
    admin: credentials.admin,
    apiKey: credentials.apiKey,
    hmac: credentials.hmac,
    createRecordStore: (catalog) => new RecordStore(catalog),
  });
  const dataset = generateDataset({
    seed: opts.seed ?? 1,
    leads: opts.leads ?? 40,
    contacts: opts.contacts ?? 20,
    accounts: opts.accounts ?? 10,
    catalog: state.metadata,
    ...(opts.duplicateClusters !== undefined ? { duplicateClusters: opts.duplicateClusters } : {}),
  });
  for (const entityType of ['Account', 'Contact', 'Lead'] as const) state.records.insert(entityType, dataset.records[entityType]);

  const faults = new FaultInjector();
  const requests: SandboxRequestLogEntry[] = [];
  const hanging = new Set<ServerResponse>();
  const server = createServer(createRequestListener({ state, faults, requests, hanging }));
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  state.siteUrl = opts.siteUrl ?? url;

  let closing: Promise<void> | undefined;
  return {
    name: state.name,
    url,
    apiUrl: `${url}/api/v1`,
    credentials,
    truth: dataset.truth,
    requests,
    faults: { add: (rule) => faults.add(rule), clear: () => faults.clear() },
    state,
    close() {
      closing ??= new Promise<void>((resolve) => {
        for (const res of hanging) res.destroy();
        hanging.clear();
        server.close(() => resolve());
        server.closeAllConnections();
      });
      return closing;
    },
  };
}
