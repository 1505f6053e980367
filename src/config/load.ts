import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { loadDotEnv, loadDotEnvBeside } from './dotenv.js';
import { tenantsFromEnv } from './env-convention.js';
import { ConfigError } from './errors.js';
import { findJsonSyntaxError } from './json-syntax.js';
import type { ServerConfig } from './types.js';
import { validateTenantsFile } from './validate.js';

export { loadDotEnv, loadDotEnvBeside };

export interface LoadConfigOptions {
  /** `--config PATH`; relative to `cwd`. */
  configPath?: string;
  /** Defaults to `process.env`; `.env` is loaded into it. */
  env?: NodeJS.ProcessEnv;
  /** Defaults to `process.cwd()`. */
  cwd?: string;
  /**
   * Load `.env` from `cwd` first, then the one beside tenants.json (default true); neither overrides
   * a variable already set.
   */
  dotenv?: boolean;
}

export interface ConfigLocation {
  path: string;
  /** Named by `--config` or `ESPOCRM_MCP_CONFIG`: then a missing file is an error, not a fallback. */
  explicit: boolean;
  /** How it was chosen, for messages. */
  via: '--config' | 'ESPOCRM_MCP_CONFIG' | 'default';
}

/** Which tenants.json applies: `--config`, else `ESPOCRM_MCP_CONFIG`, else `./tenants.json`. */
export function locateConfig(opts: { configPath?: string; env?: NodeJS.ProcessEnv; cwd?: string }): ConfigLocation {
  const cwd = opts.cwd ?? process.cwd();
  if (opts.configPath) return { path: resolve(cwd, opts.configPath), explicit: true, via: '--config' };
  const fromEnv = (opts.env ?? process.env).ESPOCRM_MCP_CONFIG;
  if (fromEnv) return { path: resolve(cwd, fromEnv), explicit: true, via: 'ESPOCRM_MCP_CONFIG' };
  return { path: resolve(cwd, 'tenants.json'), explicit: false, via: 'default' };
}

const NO_TENANTS =
  'no tenants configured. Either create tenants.json (copy tenants.example.json; ' +
  '`espocrm-admin-mcp tenants import-env` turns an existing .env into one) and pass it with --config or ' +
  'ESPOCRM_MCP_CONFIG, or define tenants in the environment or a .env file: ESPO_BASE_URL, ESPO_API_KEY, ' +
  'ESPO_USERNAME and ESPO_PASSWORD form the tenant "default", and <PREFIX>_ESPO_BASE_URL etc. (e.g. ' +
  'DAMATH_ESPO_BASE_URL) form the tenant "<prefix>" (e.g. "damath")';

/**
 * The server's configuration: tenants.json when there is one (see `locateConfig`), else the tenants
 * the environment defines in the `.env` convention. Throws `ConfigError`.
 */
export async function loadConfig(opts: LoadConfigOptions = {}): Promise<ServerConfig> {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  if (opts.dotenv !== false) loadDotEnv(cwd, env);
  const location = locateConfig({ configPath: opts.configPath, env, cwd });
  if (opts.dotenv !== false) loadDotEnvBeside(location.path, cwd, env);
  const text = await readConfigText(location);
  if (text !== undefined) return parseConfigText(text, location.path);
  const fromEnv = tenantsFromEnv(env, cwd);
  if (!fromEnv) throw new ConfigError(NO_TENANTS);
  return fromEnv;
}

/** Parses and validates the text of a tenants.json found at `path`. */
export function parseConfigText(text: string, path: string): ServerConfig {
  const body = text.replace(/^\uFEFF/, '');
  let raw: unknown;
  try {
    raw = JSON.parse(body);
  } catch {
    const at = findJsonSyntaxError(body);
    throw new ConfigError(at ? `not valid JSON at line ${at.line}, column ${at.column}: ${at.problem}` : 'not valid JSON', { source: path });
  }
  return validateTenantsFile(raw, { source: path, baseDir: dirname(path) });
}

async function readConfigText(location: ConfigLocation): Promise<string | undefined> {
  try {
    return await readFile(location.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      if (!location.explicit) return undefined;
      throw new ConfigError(
        `the config file ${location.path} (from ${location.via}) does not exist — check the path, or copy ` +
          'tenants.example.json there and edit it',
      );
    }
    if (code === 'EISDIR') throw new ConfigError(`${location.path} is a folder; expected the path of a tenants.json file`);
    throw new ConfigError(`cannot read the config file ${location.path} (${code ?? 'error'})`);
  }
}

/**
 * The configuration `serve` runs with when it cannot load the real one: no tenants, and the error
 * with its fix (`configError`), which every tool call, resource read and the instructions show, so a
 * user of a stdio client sees it where they are instead of "Connection closed".
 */
export function brokenConfig(err: ConfigError, location: ConfigLocation): ServerConfig {
  return { tenants: [], source: location.path, baseDir: dirname(location.path), configError: configErrorText(err, location) };
}

/** The configuration error as `tenants list` prints it, and how to get out of it. */
export function configErrorText(err: ConfigError, location: ConfigLocation): string {
  const configFlag = location.explicit || err.source !== undefined ? ` --config ${location.path}` : '';
  const check = `espocrm-admin-mcp tenants list${configFlag}`;
  const fix =
    err.source !== undefined
      ? `Fix: correct ${err.source} as the error says (tenants.example.json shows every option), check it with \`${check}\` ` +
        '(it prints this same error until the file is right)'
      : `Fix: do what the error says (\`espocrm-admin-mcp tenants add ID${configFlag}\` writes a tenants.json for you), check it with \`${check}\``;
  return [
    'The configuration could not be loaded, so this server has no tenant to work on. The error:',
    `error: ${err.message}`,
    `${fix}, then restart this MCP server (in a desktop client: restart the client or reload its MCP servers).`,
  ].join('\n');
}
