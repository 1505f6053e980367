export type { SecretRef, ServerConfig, TenantConfig } from './types.js';
export { ConfigError } from './errors.js';
export { loadConfig, loadDotEnv, locateConfig, parseConfigText, type ConfigLocation, type LoadConfigOptions } from './load.js';
export { scanEnvConvention, tenantsFromEnv, type EnvTenant } from './env-convention.js';
export { validateTenantsFile, DEFAULT_CONCURRENCY } from './validate.js';
export { TENANT_ID } from './schema.js';
export { planImportEnv, type ImportPlan, type ImportedSecret } from './import-env.js';
