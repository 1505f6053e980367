/**
 * `espocrm-admin-mcp demo`: the main job end to end on the built-in sandbox. Two sandbox CRMs stand
 * in for two client businesses; the real server binary is spawned over stdio with a tenants.json that
 * references their secrets through environment variables, and an MCP client walks through the steps.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Client } from '@modelcontextprotocol/client';
import { StdioClientTransport } from '@modelcontextprotocol/client/stdio';
import { startSandbox, type Sandbox } from '../sandbox/index.js';

type CallResult = { isError?: boolean; content?: Array<{ type: string; text?: string }>; structuredContent?: Record<string, unknown> };

const bold = (s: string) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const dim = (s: string) => (process.stdout.isTTY ? `\x1b[2m${s}\x1b[0m` : s);

function indent(text: string, by = '    '): string {
  return text
    .split('\n')
    .map((l) => by + l)
    .join('\n');
}

export interface DemoTenant {
  id: string;
  name: string;
  sandbox: Sandbox;
  envPrefix: string;
}

/** The tenants.json and environment that point the server at sandbox tenants, secrets by env: reference. */
export function sandboxTenantsConfig(tenants: DemoTenant[]): { json: unknown; env: Record<string, string> } {
  const env: Record<string, string> = {};
  const config: Record<string, unknown> = {};
  for (const t of tenants) {
    env[`${t.envPrefix}_ESPO_API_KEY`] = t.sandbox.credentials.apiKey;
    env[`${t.envPrefix}_ESPO_PASSWORD`] = t.sandbox.credentials.admin.password;
    config[t.id] = {
      name: t.name,
      url: t.sandbox.url,
      apiKey: `env:${t.envPrefix}_ESPO_API_KEY`,
      admin: { username: t.sandbox.credentials.admin.username, password: `env:${t.envPrefix}_ESPO_PASSWORD` },
      defaultCountry: 'FR',
    };
  }
  return { json: { tenants: config }, env };
}

export async function runDemo(opts: { cliPath: string }): Promise<number> {
  const out = (s = '') => process.stdout.write(`${s}\n`);
  const dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-admin-mcp-demo-'));
  const sandboxes: Sandbox[] = [];
  let client: Client | undefined;
  let step = 0;
  const heading = (title: string) => out(`\n${bold(`${++step}. ${title}`)}`);
  try {
    out(bold('espocrm-admin-mcp demo: two client CRMs (sandboxes), one MCP server over stdio'));
    const damath = await startSandbox({ seed: 7, leads: 300, contacts: 120, accounts: 60, name: 'damath' });
    sandboxes.push(damath);
    const vero = await startSandbox({ seed: 11, leads: 150, contacts: 60, accounts: 30, name: 'coach-vero' });
    sandboxes.push(vero);
    const tenants: DemoTenant[] = [
      { id: 'damath', name: 'Damath Overseas', sandbox: damath, envPrefix: 'DAMATH' },
      { id: 'coach-vero', name: 'Coach Véro', sandbox: vero, envPrefix: 'COACH_VERO' },
    ];
    const { json, env } = sandboxTenantsConfig(tenants);
    const configPath = path.join(dir, 'tenants.json');
    // The demo's changes go to a store of its own, removed with the demo's folder: never the user's real one.
    await writeFile(configPath, JSON.stringify({ ...(json as object), store: { path: path.join(dir, 'store.sqlite') } }, null, 2));
    out(dim(`   sandbox "damath" at ${damath.url}, sandbox "coach-vero" at ${vero.url}`));
    out(dim(`   tenants.json at ${configPath} (secrets are env: references, never literals)`));

    const transport = new StdioClientTransport({
      command: process.execPath,
      args: [opts.cliPath, 'serve', '--config', configPath],
      env: { ...(process.env as Record<string, string>), ...env, LOG_LEVEL: 'warn' },
      stderr: 'pipe',
    });
    // The current protocol revision (2026-07-28, stateless); 2025-era clients are served too.
    client = new Client({ name: 'espocrm-admin-mcp-demo', version: '1.0.0' }, { versionNegotiation: { mode: { pin: '2026-07-28' } } });
    await client.connect(transport);
    const c = client;

    const call = async (name: string, args: Record<string, unknown>): Promise<CallResult> => {
      out(dim(`   -> ${name} ${JSON.stringify(args)}`));
      const res = (await c.callTool({ name, arguments: args })) as CallResult;
      const text = res.content?.find((b) => b.type === 'text')?.text ?? '';
      out(indent(`${res.isError ? 'ERROR: ' : ''}${text}`));
      return res;
    };

    heading('Connect and list the tools');
    const info = c.getServerVersion();
    out(indent(`server ${info?.name} ${info?.version}`));
    out(indent(`instructions:\n${indent(c.getInstructions() ?? '', '  ')}`));
    const { tools } = await c.listTools();
    out(indent(tools.map((t) => `${t.name.padEnd(22)} ${t.annotations?.readOnlyHint ? 'read ' : 'write'}  ${t.title ?? ''}`).join('\n')));

    heading('List the tenants this client may use');
    await call('list_tenants', {});

    heading('Check each tenant (reachable, version, siteUrl, API key, admin login)');
    let failed = 0;
    for (const t of tenants) {
      const res = await call('check_tenant', { tenant: t.id });
      if (res.isError || res.structuredContent?.ok !== true) failed++;
    }

    heading('Read a tenant as an MCP resource');
    const resource = await c.readResource({ uri: 'espocrm://tenants/damath' });
    const first = resource.contents[0];
    out(indent(first && 'text' in first ? String(first.text).slice(0, 800) : '(empty)'));

    heading('An unknown tenant is refused with the choices');
    await call('check_tenant', { tenant: 'acme' });

    const must = (res: CallResult, what: string) => {
      if (res.isError) {
        failed++;
        out(indent(`(step failed: ${what})`));
      }
      return res;
    };

    heading('Create the enum field "Secteur" on Lead, placed on the detail and list layouts');
    const secteur = {
      tenant: 'damath', entity: 'Lead', name: 'secteur', type: 'enum', label: 'Secteur',
      options: ['Transport', 'Logistique', 'Industrie', 'Services'], default: 'Transport',
      addToLayouts: ['detail', 'list'],
    };
    must(await call('create_custom_field', { ...secteur, dryRun: true }), 'dry run of create_custom_field');
    must(await call('create_custom_field', secteur), 'create_custom_field');

    heading('The same call again answers "unchanged" (idempotent), and nothing is written');
    const again = must(await call('create_custom_field', secteur), 'create_custom_field again');
    if (again.structuredContent?.status !== 'unchanged') failed++;

    heading('Add a field to the first panel of the detail layout and as a list column, with the diff');
    must(await call('create_custom_field', { tenant: 'damath', entity: 'Lead', name: 'potentiel', type: 'int', label: 'Potentiel (k€)', min: 0 }), 'create potentiel');
    const plan = must(
      await call('edit_layout', { tenant: 'damath', entity: 'Lead', layout: 'detail', dryRun: true, operations: [{ op: 'add_field', field: 'cPotentiel', panel: 0 }] }),
      'edit_layout dry run',
    );
    must(
      await call('edit_layout', {
        tenant: 'damath', entity: 'Lead', layout: 'detail', baseFingerprint: plan.structuredContent?.baseFingerprint,
        operations: [{ op: 'add_field', field: 'cPotentiel', panel: 0 }],
      }),
      'edit_layout detail',
    );
    const listEdit = must(
      await call('edit_layout', { tenant: 'damath', entity: 'Lead', layout: 'list', operations: [{ op: 'add_field', field: 'cPotentiel', after: 'cSecteur', width: 10 }] }),
      'edit_layout list',
    );

    heading('Rebuild the CRM and verify it answers with the new fields');
    must(await call('rebuild', { tenant: 'damath' }), 'rebuild');

    heading('Every write has a changeId: undo the list column');
    must(await call('undo_change', { tenant: 'damath', changeId: listEdit.structuredContent?.changeId }), 'undo_change');

    heading('Find the seeded duplicate records, and show the plan of one merge (nothing is merged)');
    const dups = must(await call('find_duplicates', { tenant: 'damath', limit: 5 }), 'find_duplicates');
    const top = (dups.structuredContent?.clusters as Array<{ entity: string; ids: string[]; keep: { id: string } }> | undefined)?.[0];
    if (top) {
      must(
        await call('merge_duplicates', { tenant: 'damath', entity: top.entity, keepId: top.keep.id, mergeIds: top.ids.filter((id) => id !== top.keep.id) }),
        'merge_duplicates plan',
      );
    } else {
      failed++;
      out(indent('(step failed: find_duplicates found no cluster in the seeded data)'));
    }

    out(`\n${bold(failed === 0 ? 'Demo finished: every step passed.' : `Demo finished with ${failed} failed check(s).`)}`);
    return failed === 0 ? 0 : 1;
  } catch (err) {
    out(`\nDemo failed: ${err instanceof Error ? err.message : String(err)}`);
    return 1;
  } finally {
    await client?.close().catch(() => undefined);
    await Promise.all(sandboxes.map((s) => s.close()));
    await rm(dir, { recursive: true, force: true });
  }
}
