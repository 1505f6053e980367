/**
 * The built server (`dist/cli.js`, so `npm run build` first; `npm test` does) driven over stdio by the
 * MCP Inspector CLI, as a user would smoke-test it: list tools, resources, templates and prompts, read
 * a tenant resource and call check_tenant against a sandbox CRM, asserting on the JSON it prints.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI, startSandboxes, tenantsJson } from '../helpers/stack.js';
import type { Sandbox } from '../../src/sandbox/index.js';

const INSPECTOR_DIR = fileURLToPath(new URL('../../node_modules/@modelcontextprotocol/inspector/', import.meta.url));

interface Run {
  code: number;
  json: { result?: Record<string, unknown>; error?: unknown };
  stderr: string;
}

let inspector: string;
let sandboxes: Record<string, Sandbox>;
let dir: string;
let configPath: string;
let env: Record<string, string>;

/** `inspector --cli --method <method> [args] --format json -e ... -- node dist/cli.js serve --config tenants.json` */
function inspect(method: string, args: string[] = []): Promise<Run> {
  const envArgs = Object.entries({ ...env, XDG_STATE_HOME: dir }).flatMap(([k, v]) => ['-e', `${k}=${v}`]);
  // The server command goes after "--": its own --config would otherwise be read as the Inspector's.
  const argv = [inspector, '--cli', '--method', method, ...args, '--format', 'json', ...envArgs, '--', process.execPath, CLI, 'serve', '--config', configPath];
  return new Promise((resolve, reject) => {
    execFile(process.execPath, argv, { cwd: dir, timeout: 60_000, maxBuffer: 16 * 2 ** 20 }, (err, stdout, stderr) => {
      const code = err ? (typeof err.code === 'number' ? err.code : -1) : 0;
      try {
        resolve({ code, json: JSON.parse(stdout) as Run['json'], stderr });
      } catch {
        reject(new Error(`inspector ${method} printed no JSON (exit ${code}): ${stdout.slice(0, 500)} ${stderr.slice(0, 500)}`));
      }
    });
  });
}

beforeAll(async () => {
  const pkg = JSON.parse(await readFile(path.join(INSPECTOR_DIR, 'package.json'), 'utf8')) as { bin: Record<string, string> };
  inspector = path.join(INSPECTOR_DIR, pkg.bin.inspector ?? pkg.bin['mcp-inspector']!);
  const tenants = [{ id: 'acme', name: 'Acme Logistics' }, { id: 'beta', name: 'Beta Coaching' }];
  sandboxes = await startSandboxes(tenants);
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-inspector-'));
  const cfg = tenantsJson(tenants, sandboxes);
  env = cfg.env;
  configPath = path.join(dir, 'tenants.json');
  await writeFile(configPath, JSON.stringify(cfg.json, null, 2));
}, 60_000);

afterAll(async () => {
  await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('the built server driven by the MCP Inspector CLI', { timeout: 90_000 }, () => {
  it('tools/list: every tool with its title, annotations and schemas', async () => {
    const { code, json } = await inspect('tools/list');
    expect(code).toBe(0);
    const tools = json.result!.tools as Array<{ name: string; title?: string; annotations?: Record<string, unknown>; inputSchema: unknown; outputSchema?: unknown }>;
    const names = tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['list_tenants', 'check_tenant', 'describe_entity', 'create_custom_field', 'edit_layout', 'undo_change']));
    for (const t of tools) {
      expect(t.title, t.name).toBeTruthy();
      expect(t.annotations?.readOnlyHint, t.name).toBeTypeOf('boolean');
      expect(t.outputSchema, t.name).toBeTruthy();
    }
  });

  it('a client pinned to 2026-07-28 (--protocol-era modern) lists the tools and calls one', async () => {
    const list = await inspect('tools/list', ['--protocol-era', 'modern']);
    expect(list.code, JSON.stringify(list.json)).toBe(0);
    expect((list.json.result!.tools as Array<{ name: string }>).map((t) => t.name)).toContain('check_tenant');
    const call = await inspect('tools/call', ['--protocol-era', 'modern', '--tool-name', 'list_tenants']);
    expect(call.code, JSON.stringify(call.json)).toBe(0);
    expect(JSON.stringify(call.json.result)).toContain('acme');
  });

  it('resources/list and resources/templates/list: the tenants and the guides, and the templates for entities, layouts, changes, health, snapshots, comparisons and drift', async () => {
    const list = await inspect('resources/list');
    expect(list.code).toBe(0);
    const uris = (list.json.result!.resources as Array<{ uri: string }>).map((r) => r.uri);
    expect(uris).toEqual(
      expect.arrayContaining(['espocrm://tenants', 'espocrm://tenants/acme', 'espocrm://tenants/beta', 'espocrm://guide/layout-operations']),
    );
    // Entities and layouts are not enumerated (that would wait on every CRM): the templates and completion find them.
    expect(uris.filter((u) => u.includes('/entities/'))).toEqual([]);
    const templates = await inspect('resources/templates/list');
    expect(templates.code).toBe(0);
    expect((templates.json.result!.resourceTemplates as Array<{ uriTemplate: string }>).map((t) => t.uriTemplate)).toEqual([
      'espocrm://tenants/{tenant}',
      'espocrm://tenants/{tenant}/entities/{entity}',
      'espocrm://tenants/{tenant}/entities/{entity}/layouts/{layout}',
      'espocrm://tenants/{tenant}/changes',
      'espocrm://tenants/{tenant}/health',
      'espocrm://tenants/{tenant}/snapshots',
      'espocrm://tenants/{tenant}/compare/{other}',
      'espocrm://fleet/drift/{blueprint}',
    ]);
  });

  it('prompts/list: setup_sector_fields and crm_health_review with their arguments', async () => {
    const { code, json } = await inspect('prompts/list');
    expect(code).toBe(0);
    const prompts = json.result!.prompts as Array<{ name: string; arguments: Array<{ name: string; required: boolean }> }>;
    expect(prompts.map((p) => p.name)).toEqual(['setup_sector_fields', 'crm_health_review']);
    expect(prompts[0]!.arguments.map((a) => [a.name, a.required])).toEqual([
      ['tenant', false],
      ['sector', true],
    ]);
  });

  it('resources/read of a tenant: identity, version, policy and entities from its CRM', async () => {
    const { code, json } = await inspect('resources/read', ['--uri', 'espocrm://tenants/acme']);
    expect(code).toBe(0);
    const [content] = json.result!.contents as Array<{ uri: string; mimeType: string; text: string }>;
    expect(content!.mimeType).toBe('application/json');
    const tenant = JSON.parse(content!.text) as { id: string; name: string; version: string; policy: { readOnly: boolean }; entities: Array<{ name: string; uri: string }> };
    expect(tenant).toMatchObject({ id: 'acme', name: 'Acme Logistics', version: '9.1.7', policy: { readOnly: false } });
    expect(tenant.entities).toEqual(expect.arrayContaining([{ name: 'Lead', customizable: true, custom: false, uri: 'espocrm://tenants/acme/entities/Lead' }]));
  });

  it('tools/call check_tenant: all checks pass against the sandbox; a tool error exits with 5', async () => {
    const ok = await inspect('tools/call', ['--tool-name', 'check_tenant', '--tool-arg', 'tenant=acme']);
    expect(ok.code).toBe(0);
    const structured = ok.json.result!.structuredContent as { tenant: string; ok: boolean; version: string; admin: { status: string } };
    expect(structured).toMatchObject({ tenant: 'acme', ok: true, version: '9.1.7', admin: { status: 'ok' } });
    expect(sandboxes.acme!.requests.some((r) => r.path.includes('App/user'))).toBe(true);

    const unknown = await inspect('tools/call', ['--tool-name', 'check_tenant', '--tool-arg', 'tenant=nope']);
    expect(unknown.code).toBe(5);
    const text = JSON.stringify(unknown.json);
    expect(text).toContain('Unknown tenant \\"nope\\"');
    // no secret of the configuration reaches the output
    for (const secret of Object.values(env)) expect(`${text}${ok.stderr}${unknown.stderr}`).not.toContain(secret);
  });
});
