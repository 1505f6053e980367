import { existsSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { createRequire } from 'node:module';
import { ConfigError } from './errors.js';

/**
 * Loads `.env` from `cwd` into `env`, without overriding variables already set. Quiet and without
 * debug output: dotenv's messages would otherwise reach stdout, which is the MCP stdio transport.
 * Returns the file and the variables it added, or undefined when there is no `.env`.
 */
export function loadDotEnv(
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
  file = '.env',
): { path: string; loaded: string[] } | undefined {
  const path = resolve(cwd, file);
  if (!existsSync(path)) return undefined;
  const before = new Set(Object.keys(env));
  // Loaded only when there is a file to read (most MCP clients pass their variables in the environment).
  const { config } = createRequire(import.meta.url)('dotenv') as typeof import('dotenv');
  // Every option explicit: dotenv otherwise takes DOTENV_DEBUG / DOTENV_OVERRIDE from the environment.
  const result = config({ path, processEnv: env, quiet: true, debug: false, override: false });
  if (result.error) {
    const code = (result.error as NodeJS.ErrnoException).code ?? 'error';
    throw new ConfigError(`${path}: cannot read the .env file (${code})`);
  }
  return { path, loaded: Object.keys(result.parsed ?? {}).filter((k) => !before.has(k)) };
}

/**
 * Loads the `.env` beside tenants.json (`configPath`), after the working directory's and without
 * overriding anything already set: a desktop client starts the server in a folder the user cannot
 * choose, so `serve --config /path/tenants.json` finds `/path/.env`. Nothing when that folder is `cwd`
 * (its `.env` was loaded already) or has no `.env`.
 */
export function loadDotEnvBeside(
  configPath: string,
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): { path: string; loaded: string[] } | undefined {
  const folder = dirname(resolve(cwd, configPath));
  if (folder === resolve(cwd)) return undefined;
  return loadDotEnv(folder, env);
}
