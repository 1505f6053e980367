import { mkdtempSync, readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ConfigError } from '../../src/config/errors.js';
import { loadConfig, parseConfigText } from '../../src/config/load.js';
import { loadDotEnv } from '../../src/config/dotenv.js';

const CANARY = 'sk-CANARY-4f1d9a7e';

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), 'espo-config-'));
}

function writeConfig(dir: string, content: unknown, name = 'tenants.json'): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? content : JSON.stringify(content, null, 2));
  return path;
}

/** The ConfigError a config produces; fails the test when it loads. */
async function configError(content: unknown, env: NodeJS.ProcessEnv = {}): Promise<ConfigError> {
  const dir = tempDir();
  const path = writeConfig(dir, content);
  try {
    await loadConfig({ configPath: path, env, cwd: dir });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

const damath = (extra: Record<string, unknown> = {}) => ({
  tenants: { damath: { url: 'https://damath-crm.example.com', apiKey: 'env:DAMATH_ESPO_API_KEY', ...extra } },
});

describe('tenants.json', () => {
  it('loads a valid file, applies defaults and keeps references as written', async () => {
    const dir = tempDir();
    const path = writeConfig(dir, {
      $comment: 'top-level comment',
      defaults: { readOnly: true, defaultCountry: 'fr', limits: { concurrency: 2, timeoutMs: 5000 } },
      audit: { path: 'audit/log.jsonl' },
      http: { allowedOrigins: ['https://chat.example.com'] },
      tenants: {
        damath: {
          $comment: 'tenant comment',
          name: 'Damath Overseas',
          url: 'https://damath-crm.example.com/api/v1',
          apiKey: 'env:DAMATH_ESPO_API_KEY',
          hmacSecret: 'keychain',
          admin: { username: 'admin', password: 'keychain:damath-admin' },
          readOnly: false,
          tools: { $comment: 'x', exclude: ['merge_duplicates'] },
          defaultCountry: 'IN',
          limits: { concurrency: 8 },
          description: 'client',
        },
        'coach-vero': { url: 'http://127.0.0.1:8080', admin: { username: 'vero', password: 'file:secrets/vero' } },
      },
    });
    const config = await loadConfig({ configPath: path, env: {}, cwd: '/' });
    expect(config.source).toBe(path);
    expect(config.baseDir).toBe(dir);
    expect(config.http).toEqual({ tokens: [], allowedOrigins: ['https://chat.example.com'], allowedHosts: [], limits: { perTenantRatePerMinute: 120 } });
    expect(config.audit).toEqual({ path: join(dir, 'audit/log.jsonl') });
    expect(config.tenants.map((t) => t.id)).toEqual(['damath', 'coach-vero']);
    const [d, v] = config.tenants;
    expect(d).toEqual({
      id: 'damath',
      name: 'Damath Overseas',
      url: 'https://damath-crm.example.com/api/v1',
      apiKey: 'env:DAMATH_ESPO_API_KEY',
      hmacSecret: 'keychain',
      admin: { username: 'admin', password: 'keychain:damath-admin' },
      readOnly: false,
      tools: { exclude: ['merge_duplicates'] },
      defaultCountry: 'IN',
      limits: { concurrency: 8, timeoutMs: 5000 },
      description: 'client',
    });
    // Defaults fill what the tenant leaves out; the country code is normalised to upper case.
    expect(v).toEqual({
      id: 'coach-vero',
      name: 'coach-vero',
      url: 'http://127.0.0.1:8080',
      admin: { username: 'vero', password: 'file:secrets/vero' },
      readOnly: true,
      defaultCountry: 'FR',
      limits: { concurrency: 2, timeoutMs: 5000 },
    });
  });

  it('defaults readOnly to false and concurrency to 4', async () => {
    const dir = tempDir();
    const config = await loadConfig({ configPath: writeConfig(dir, damath()), env: {}, cwd: dir });
    expect(config.tenants[0]).toMatchObject({ readOnly: false, limits: { concurrency: 4 } });
    expect(config.tenants[0]!.limits!.timeoutMs).toBeUndefined();
  });

  it('accepts tenants.example.json, which has the four tenants of the existing setup', () => {
    const path = resolve(import.meta.dirname, '../../tenants.example.json');
    const config = parseConfigText(readFileSync(path, 'utf8'), path);
    expect(config.tenants.map((t) => t.id)).toEqual(['macrea-admin', 'damath', 'coach-vero', 'michele-care']);
    expect(config.tenants.map((t) => t.name)).toEqual(['Macrea', 'Damath Overseas', 'Coach Véro', 'Michèle Care']);
    const refs = config.tenants.flatMap((t) => [t.apiKey, t.hmacSecret, t.admin?.password]).filter(Boolean) as string[];
    for (const kind of ['env:', 'keychain', 'file:']) expect(refs.some((r) => r.startsWith(kind))).toBe(true);
    expect(config.tenants.filter((t) => t.readOnly).map((t) => t.id)).toEqual(['michele-care']);
    expect(config.tenants.some((t) => t.tools?.include)).toBe(true);
    expect(config.tenants.some((t) => t.tools?.exclude)).toBe(true);
  });

  it('names the path, what it found and what it expected for a bad URL', async () => {
    const err = await configError({ tenants: { damath: { url: 'damath-crm', apiKey: 'keychain' } } });
    expect(err.message).toContain(
      'tenants.damath.url: expected an http(s) URL, found "damath-crm" — write the CRM\'s address, e.g. "https://crm.example.com"',
    );
  });

  it('reports a missing url', async () => {
    const err = await configError({ tenants: { damath: { apiKey: 'keychain' } } });
    expect(err.message).toContain('tenants.damath.url: missing: expected an http(s) URL');
  });

  it('refuses a URL with credentials in it without repeating it', async () => {
    const err = await configError(damath({ url: `https://admin:${CANARY}@crm.example.com` }));
    expect(err.message).toContain('tenants.damath.url: must not contain a user name or password');
    expect(err.message).not.toContain(CANARY);
  });

  it('suggests the intended option for an unknown key', async () => {
    const err = await configError(damath({ readonly: true }));
    expect(err.message).toContain('tenants.damath: unknown option "readonly" — did you mean "readOnly"?');
    const top = await configError({ tenant: {} });
    expect(top.message).toContain('(top level): unknown option "tenant" — did you mean "tenants"?');
    const nested = await configError(damath({ limits: { concurency: 2 } }));
    expect(nested.message).toContain('tenants.damath.limits: unknown option "concurency" — did you mean "concurrency"?');
  });

  it('refuses a literal secret, says how to fix it and never echoes it', async () => {
    const err = await configError(damath({ apiKey: CANARY }));
    expect(err.message).toContain('tenants.damath.apiKey: a literal secret is not allowed');
    expect(err.message).toContain('tenants set-secret damath apiKey');
    expect(err.message).toContain('"apiKey": "keychain"');
    expect(err.message).toContain('"apiKey": "env:DAMATH_ESPO_API_KEY"');
    expect(err.message).not.toContain(CANARY);

    const admin = await configError(damath({ admin: { username: 'admin', password: CANARY } }));
    expect(admin.message).toContain('tenants.damath.admin.password: a literal secret');
    expect(admin.message).toContain('tenants set-secret damath adminPassword');
    expect(admin.message).toContain('"password": "env:DAMATH_ESPO_PASSWORD"');
    expect(admin.message).not.toContain(CANARY);

    const coach = await configError({ tenants: { 'coach-vero': { url: 'https://x.example.com', hmacSecret: CANARY, apiKey: 'keychain' } } });
    expect(coach.message).toContain('"hmacSecret": "env:COACH_VERO_ESPO_HMAC_SECRET"');
    expect(coach.message).not.toContain(CANARY);

    // The store's database URL is nobody's tenant secret: no set-secret, no bare "keychain" offered.
    const store = await configError({ ...damath({}), store: { url: `postgres://mcp:${CANARY}@db.example.com/mcp` } });
    expect(store.message).toContain('store.url: a literal secret is not allowed here');
    expect(store.message).toContain('"url": "env:ESPOCRM_MCP_DATABASE_URL"');
    expect(store.message).toContain('"keychain:ACCOUNT"');
    expect(store.message).not.toContain('set-secret');
    expect(store.message).not.toContain(CANARY);
  });

  it('describes a non-string secret by its kind only', async () => {
    const err = await configError(damath({ apiKey: 4242424242 }));
    expect(err.message).toContain('tenants.damath.apiKey: expected a secret reference written as a string');
    expect(err.message).toContain('found a number');
    expect(err.message).not.toContain('4242424242');
  });

  it('explains a malformed reference', async () => {
    const err = await configError(damath({ apiKey: 'env:' }));
    expect(err.message).toContain('tenants.damath.apiKey: "env:" must be followed by an environment variable name');
    const kc = await configError(damath({ apiKey: 'keychain:' }));
    expect(kc.message).toContain('"keychain:" must be followed by an account name');
    const file = await configError(damath({ apiKey: 'file:' }));
    expect(file.message).toContain('"file:" must be followed by a path');
  });

  it('validates tenant ids', async () => {
    const err = await configError({ tenants: { Coach_Vero: { url: 'https://x.example.com', apiKey: 'keychain' } } });
    expect(err.message).toContain('tenants.Coach_Vero: tenant id "Coach_Vero" is not valid: expected lower-case letters, digits and dashes, e.g. "coach-vero"');
  });

  it('needs at least one tenant and an object', async () => {
    expect((await configError({ tenants: {} })).message).toContain('tenants: expected at least one tenant, found an empty object');
    expect((await configError({})).message).toContain('tenants: missing: expected an object of tenants by id');
    expect((await configError([])).message).toContain('(top level): expected an object with "tenants", found a list');
    expect((await configError({ tenants: { damath: 'https://x' } })).message).toContain(
      'tenants.damath: expected an object of the tenant\'s options',
    );
  });

  it('checks numbers, booleans, country codes and tool names', async () => {
    expect((await configError(damath({ limits: { concurrency: 64 } }))).message).toContain(
      'tenants.damath.limits.concurrency: expected a whole number from 1 to 32, found 64',
    );
    expect((await configError(damath({ limits: { concurrency: 1.5 } }))).message).toContain('found 1.5');
    expect((await configError(damath({ readOnly: 'yes' }))).message).toContain('tenants.damath.readOnly: expected true or false, found "yes"');
    expect((await configError(damath({ defaultCountry: 'UK' }))).message).toContain(
      'tenants.damath.defaultCountry: expected an ISO 3166-1 alpha-2 country code, found "UK" — did you mean "GB"?',
    );
    expect((await configError(damath({ defaultCountry: 'XX' }))).message).toContain('found "XX"');
    expect((await configError({ ...damath(), defaults: { defaultCountry: 'France' } })).message).toContain(
      'defaults.defaultCountry: expected an ISO 3166-1 alpha-2 country code',
    );
    expect((await configError(damath({ tools: { include: ['describe_entity', 'Get-Layout'] } }))).message).toContain(
      'tenants.damath.tools.include[1]: expected a tool name in snake_case',
    );
  });

  it('needs credentials, and an API key with an HMAC secret', async () => {
    expect((await configError({ tenants: { damath: { url: 'https://x.example.com' } } })).message).toContain(
      'tenants.damath: no credentials',
    );
    expect((await configError({ tenants: { damath: { url: 'https://x.example.com', hmacSecret: 'keychain', admin: { username: 'a', password: 'keychain' } } } })).message).toContain(
      'tenants.damath.hmacSecret: needs "apiKey" too',
    );
  });

  it('lists every problem at once', async () => {
    const err = await configError({ tenants: { damath: { url: 'nope', apiKey: CANARY, readOnly: 1 } } });
    expect(err.problems).toHaveLength(3);
    expect(err.message).toContain('(3 problems)');
    expect(err.message).not.toContain(CANARY);
  });

  it('locates a JSON syntax error without quoting the file', async () => {
    const err = await configError(`{\n  "tenants": {\n    "damath": { "url": "https://x.example.com", "apiKey": ${CANARY} }\n  }\n}\n`);
    expect(err.message).toMatch(/not valid JSON at line 3, column 59: expected a value/);
    expect(err.message).not.toContain(CANARY);
    const trailing = await configError('{ "tenants": { }, }');
    expect(trailing.message).toContain('line 1, column 19: a trailing comma before "}" is not allowed in JSON');
  });

  it('reads the path from ESPOCRM_MCP_CONFIG, relative to cwd', async () => {
    const dir = tempDir();
    mkdirSync(join(dir, 'conf'));
    writeConfig(join(dir, 'conf'), damath(), 'mine.json');
    const config = await loadConfig({ env: { ESPOCRM_MCP_CONFIG: 'conf/mine.json' }, cwd: dir });
    expect(config.source).toBe(join(dir, 'conf', 'mine.json'));
    expect(config.baseDir).toBe(join(dir, 'conf'));
  });

  it('treats a missing explicit config as an error, not a fallback', async () => {
    const dir = tempDir();
    const env = { ESPO_BASE_URL: 'https://crm.example.com', ESPO_API_KEY: 'x' };
    await expect(loadConfig({ configPath: 'missing.json', env, cwd: dir })).rejects.toThrow(
      `the config file ${join(dir, 'missing.json')} (from --config) does not exist`,
    );
    await expect(loadConfig({ env: { ...env, ESPOCRM_MCP_CONFIG: 'gone.json' }, cwd: dir })).rejects.toThrow('(from ESPOCRM_MCP_CONFIG) does not exist');
  });

  it('prefers ./tenants.json over the environment', async () => {
    const dir = tempDir();
    writeConfig(dir, damath());
    const config = await loadConfig({ env: { ESPO_BASE_URL: 'https://other.example.com', ESPO_API_KEY: 'x' }, cwd: dir });
    expect(config.tenants.map((t) => t.id)).toEqual(['damath']);
  });

  it('explains both ways to configure tenants when there are none', async () => {
    const err = await loadConfig({ env: {}, cwd: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    const message = (err as Error).message;
    expect(message).toContain('no tenants configured');
    expect(message).toContain('tenants.json');
    expect(message).toContain('tenants import-env');
    expect(message).toContain('ESPO_BASE_URL');
    expect(message).toContain('DAMATH_ESPO_BASE_URL');
  });
});

describe('tenants from the environment', () => {
  const env = {
    ESPO_BASE_URL: 'https://crm.example.com',
    ESPO_API_KEY: `${CANARY}-default-key`,
    ESPO_USERNAME: 'admin',
    ESPO_PASSWORD: `${CANARY}-default-pw`,
    DAMATH_ESPO_BASE_URL: 'https://damath.example.com/api/v1',
    DAMATH_ESPO_API_KEY: `${CANARY}-damath-key`,
    DAMATH_ESPO_HMAC_SECRET: `${CANARY}-damath-hmac`,
    DAMATH_ESPO_SITE_URL: 'https://damath.example.com',
    COACH_VERO_ESPO_BASE_URL: 'https://vero.example.com',
    COACH_VERO_ESPO_USERNAME: 'vero',
    COACH_VERO_ESPO_PASSWORD: `${CANARY}-vero-pw`,
    UNRELATED: 'x',
  };

  it('builds tenants from ESPO_*, DAMATH_ESPO_* and COACH_VERO_ESPO_*, with env: references only', async () => {
    const dir = tempDir();
    const config = await loadConfig({ env: { ...env }, cwd: dir });
    expect(config.source).toBe('environment');
    expect(config.baseDir).toBe(dir);
    expect(config.tenants).toEqual([
      {
        id: 'default',
        name: 'default',
        url: 'https://crm.example.com',
        apiKey: 'env:ESPO_API_KEY',
        admin: { username: 'admin', password: 'env:ESPO_PASSWORD' },
        readOnly: false,
        limits: { concurrency: 4 },
      },
      {
        id: 'coach-vero',
        name: 'coach-vero',
        url: 'https://vero.example.com',
        admin: { username: 'vero', password: 'env:COACH_VERO_ESPO_PASSWORD' },
        readOnly: false,
        limits: { concurrency: 4 },
      },
      {
        id: 'damath',
        name: 'damath',
        url: 'https://damath.example.com/api/v1',
        siteUrl: 'https://damath.example.com',
        apiKey: 'env:DAMATH_ESPO_API_KEY',
        hmacSecret: 'env:DAMATH_ESPO_HMAC_SECRET',
        readOnly: false,
        limits: { concurrency: 4 },
      },
    ]);
    expect(JSON.stringify(config)).not.toContain(CANARY);
  });

  it('names the variables of a half-defined tenant', async () => {
    const err = await loadConfig({ env: { DAMATH_ESPO_BASE_URL: 'https://d.example.com', DAMATH_ESPO_PASSWORD: 'pw' }, cwd: tempDir() }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toContain('DAMATH_ESPO_PASSWORD is set but DAMATH_ESPO_USERNAME is not');
    expect((err as Error).message).toContain('neither DAMATH_ESPO_API_KEY nor DAMATH_ESPO_USERNAME');
    expect((err as Error).message).not.toContain('pw"');
  });

  it('names the variable of a bad URL', async () => {
    const err = await loadConfig({ env: { DAMATH_ESPO_BASE_URL: 'damath-crm', DAMATH_ESPO_API_KEY: 'k' }, cwd: tempDir() }).catch((e: unknown) => e);
    expect((err as Error).message).toContain('DAMATH_ESPO_BASE_URL: expected an http(s) URL, found "damath-crm"');
  });

  it('ignores empty base URLs', async () => {
    const config = await loadConfig({ env: { ESPO_BASE_URL: '', DAMATH_ESPO_BASE_URL: 'https://d.example.com', DAMATH_ESPO_API_KEY: 'k' }, cwd: tempDir() });
    expect(config.tenants.map((t) => t.id)).toEqual(['damath']);
  });
});

describe('.env', () => {
  afterEach(() => {
    vi.restoreAllMocks();
    delete process.env.DOTENV_DEBUG;
    delete process.env.DOTENV_QUIET;
  });

  it('is loaded from cwd quietly, without overriding variables already set', async () => {
    const dir = tempDir();
    writeFileSync(
      join(dir, '.env'),
      'DAMATH_ESPO_BASE_URL=https://damath.example.com\nDAMATH_ESPO_API_KEY=from-dotenv\nDAMATH_ESPO_USERNAME=from-dotenv\n',
    );
    // dotenv reads these from process.env; its debug output would go to stdout.
    process.env.DOTENV_DEBUG = 'true';
    process.env.DOTENV_QUIET = 'false';
    const stdout = vi.spyOn(process.stdout, 'write');
    const stderr = vi.spyOn(process.stderr, 'write');
    const env: NodeJS.ProcessEnv = { DAMATH_ESPO_USERNAME: 'already-set' };
    const config = await loadConfig({ env, cwd: dir });
    expect(stdout).not.toHaveBeenCalled();
    expect(stderr).not.toHaveBeenCalled();
    expect(env.DAMATH_ESPO_API_KEY).toBe('from-dotenv');
    expect(env.DAMATH_ESPO_USERNAME).toBe('already-set');
    expect(config.tenants[0]).toMatchObject({ id: 'damath', apiKey: 'env:DAMATH_ESPO_API_KEY', admin: { username: 'already-set' } });
  });

  it('loadDotEnv says what it added, and nothing without a .env', () => {
    const dir = tempDir();
    expect(loadDotEnv(dir, {})).toBeUndefined();
    writeFileSync(join(dir, '.env'), 'A=1\nB=2\n');
    const env: NodeJS.ProcessEnv = { A: 'kept' };
    expect(loadDotEnv(dir, env)).toEqual({ path: join(dir, '.env'), loaded: ['B'] });
    expect(env).toEqual({ A: 'kept', B: '2' });
  });
});
