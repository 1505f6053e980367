import { brokenConfig, loadConfig, loadDotEnv, locateConfig } from '../config/load.js';
import { ConfigError } from '../config/errors.js';
import { createLogger } from '../log/logger.js';
import { TenantRegistry } from '../tenants/registry.js';
import { LOCAL_PRINCIPAL } from '../tenants/policy.js';
import { serveStdio } from '../transports/stdio.js';
import { checkTenant } from '../tools/check_tenant.js';
import { confirmTokensOn, EMPTY_HISTORY, NO_RESULTS, openSqliteStore, openStore } from '../store/index.js';
import type { ServerConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import { dropUnsubstitutedHostVariables, readOnlyFromEnv } from './serve-env.js';

/**
 * The configuration and its tenants. With `serving`, a configuration that cannot be loaded does not stop
 * the server: it starts without tenants and answers every call with the error and its fix
 * (`configError`), so a stdio client shows it instead of "Connection closed".
 */
async function openRegistry(opts: { config?: string; tenant?: string; serving?: boolean }) {
  const cwd = process.cwd();
  dropUnsubstitutedHostVariables(process.env);
  let config: ServerConfig | undefined;
  let failure: ConfigError | undefined;
  try {
    loadDotEnv(cwd, process.env);
    config = await loadConfig({ configPath: opts.config, env: process.env, cwd });
  } catch (err) {
    if (!(err instanceof ConfigError) || opts.serving !== true) throw err;
    failure = err;
  }
  // After the .env files: LOG_LEVEL may come from one.
  const logger = createLogger();
  if (!config) {
    config = brokenConfig(failure!, locateConfig({ configPath: opts.config, env: process.env, cwd }));
    logger.error({ configError: config.configError }, 'the configuration cannot be loaded: serving without tenants, every call answers with the error');
  }
  const baseDir = config.baseDir ?? cwd;
  const pin = config.configError === undefined ? opts.tenant : undefined;
  const registry = new TenantRegistry(config, { env: process.env, baseDir, logger, pin });
  return { config, logger, registry, baseDir };
}

/** The store and the confirm tokens that go with it (signed with its shared key, spent once across its processes). */
async function openState(config: ServerConfig, logger: Logger) {
  // A broken configuration cannot say where the store is: nothing runs, so nothing is kept.
  const store = config.configError === undefined ? await openStore(config, { env: process.env, log: logger }) : await openSqliteStore(':memory:');
  logger.debug({ engine: store.engine, location: store.location }, 'store opened');
  return { store, confirms: await confirmTokensOn(store) };
}

export async function runServe(opts: { config?: string; tenant?: string; readOnly: boolean }): Promise<void> {
  const { config, logger, registry } = await openRegistry({ ...opts, serving: true });
  const { store, confirms } = await openState(config, logger);
  await serveStdio({ registry, principal: LOCAL_PRINCIPAL, readOnly: opts.readOnly || readOnlyFromEnv(process.env), logger, store, confirms });
}

/** `serve --http`: Streamable HTTP with the `http` section's authentication, origins, hosts and limits. */
export async function runServeHttp(opts: { config?: string; tenant?: string; readOnly: boolean; port: number; host: string }): Promise<void> {
  const { config, logger, registry, baseDir } = await openRegistry({ ...opts, serving: true });
  const { store, confirms } = await openState(config, logger);
  // Loaded here only: the HTTP stack (SDK transport, jose) would slow the stdio start-up.
  const { serveHttp } = await import('../transports/http.js');
  try {
    await serveHttp({ registry, readOnly: opts.readOnly || readOnlyFromEnv(process.env), logger, store, confirms, http: config.http, host: opts.host, port: opts.port, env: process.env, baseDir });
  } catch (err) {
    await registry.close().catch(() => undefined);
    await store.close().catch(() => undefined);
    throw err;
  }
}

/** `tenants check [ID]`: runs check_tenant on one or every tenant and prints the results; exit code 0 when all pass. */
export async function runTenantCheck(tenantId: string | undefined, opts: { configPath?: string }): Promise<number> {
  const { logger, registry } = await openRegistry({ config: opts.configPath });
  const targets = tenantId ? [registry.resolve(tenantId, LOCAL_PRINCIPAL)] : registry.visible(LOCAL_PRINCIPAL);
  let failures = 0;
  try {
    for (const tenant of targets) {
      const result = await checkTenant.handler(
        { tenant: tenant.id },
        {
          registry,
          principal: LOCAL_PRINCIPAL,
          tenant,
          signal: AbortSignal.timeout(60_000),
          logger,
          server: { readOnly: false },
          progress: async () => undefined,
          // check_tenant only reads the CRM: no history, no kept results.
          history: EMPTY_HISTORY,
          results: NO_RESULTS,
        },
      );
      process.stdout.write(`${result.text}\n\n`);
      if (!result.structured.ok) failures++;
    }
  } finally {
    await registry.close();
  }
  return failures === 0 ? 0 : 1;
}
