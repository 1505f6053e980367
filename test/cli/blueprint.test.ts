/**
 * `blueprint plan` and `blueprint apply` through the built CLI (dist/cli.js) against sandboxes: the
 * plan as JSON on stdout (and as text on stderr), a blueprint by file or by name (the bundled
 * transport), apply refused without a terminal unless --yes, apply --yes --json applying the clean
 * tenants and skipping the read-only one, audited in the store with principal "local", and bad options
 * refused before any CRM is called.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { openSqliteStore } from '../../src/store/index.js';
import { startSandboxes, tenantsJson, type StackTenant, runCli } from '../helpers/stack.js';


const TENANTS: StackTenant[] = [
  { id: 'acme', sandbox: { leads: 3, contacts: 0, accounts: 0 } },
  { id: 'beta', sandbox: { leads: 3, contacts: 0, accounts: 0 }, extra: { readOnly: true } },
  { id: 'gamma', sandbox: { leads: 3, contacts: 0, accounts: 0 } },
];

const BLUEPRINT = {
  name: 'cli-test',
  entities: { Lead: { fields: [{ name: 'secteur', type: 'enum', label: 'Secteur', options: ['Transport', 'Logistique'], layouts: ['detail', 'list'] }] } },
};

let dir: string;
let sandboxes: Record<string, Sandbox>;
let env: Record<string, string>;

const cli = (args: string[]) => runCli(args, { cwd: dir, env });

// Writes to the CRM; ending our admin session (a fleet run releasing a tenant it warmed) is not one.
const writes = (id: string, from = 0) => sandboxes[id]!.requests.slice(from).filter((r) => r.method !== 'GET' && r.path !== 'App/destroyAuthToken');
const marks = () => Object.fromEntries(Object.entries(sandboxes).map(([id, sb]) => [id, sb.requests.length]));

beforeAll(async () => {
  sandboxes = await startSandboxes(TENANTS);
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-blueprint-cli-'));
  const t = tenantsJson(TENANTS, sandboxes);
  env = t.env;
  await writeFile(path.join(dir, 'tenants.json'), JSON.stringify(t.json, null, 2));
  await writeFile(path.join(dir, 'bp.json'), JSON.stringify(BLUEPRINT, null, 2));
});
afterAll(async () => {
  await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('blueprint plan|apply', () => {
  it('plan --json prints each tenant\'s plan on stdout and writes nothing', async () => {
    const m = marks();
    const res = await cli(['blueprint', 'plan', 'bp.json', '--tenants', 'all', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const plan = JSON.parse(res.stdout) as { tenants: Array<{ tenant: string; status: string; steps: string[]; reason?: string }>; confirmToken?: string; blueprint: { name: string } };
    expect(plan.blueprint.name).toBe('cli-test');
    expect(plan.tenants.map((t) => [t.tenant, t.status])).toEqual([['acme', 'changes'], ['beta', 'skipped'], ['gamma', 'changes']]);
    expect(plan.tenants[0]!.steps).toEqual(['create Lead.cSecteur (enum)', 'place Lead.cSecteur on the detail layout', 'place Lead.cSecteur on the list layout']);
    expect(plan.tenants[1]!.reason).toMatch(/read-only/);
    for (const id of ['acme', 'beta', 'gamma']) expect(writes(id, m[id]), id).toEqual([]);
  });

  it('plan by name finds the bundled transport blueprint; the text goes to stderr', async () => {
    const res = await cli(['blueprint', 'plan', 'transport', '--tenants', 'acme']);
    expect(res.code, res.stderr).toBe(0);
    expect(res.stdout).toBe('');
    expect(res.stderr).toMatch(/Plan of blueprint "transport" on 1 tenant/);
    expect(res.stderr).toMatch(/acme: changes/);
    expect(res.stderr).toMatch(/create Lead\.cSecteur \(enum\)/);
  });

  it('apply without --yes and without a terminal is refused; nothing is written', async () => {
    const m = marks();
    const res = await cli(['blueprint', 'apply', 'bp.json', '--tenants', 'acme,gamma']);
    expect(res.code).toBe(1);
    expect(res.stderr).toMatch(/no terminal to confirm on: add --yes to apply/);
    // The plan was shown before the question.
    expect(res.stderr).toMatch(/acme: changes/);
    for (const id of ['acme', 'gamma']) expect(writes(id, m[id]), id).toEqual([]);
  });

  it('bad options are refused before any CRM is called', async () => {
    const m = marks();
    const none = await cli(['blueprint', 'plan', 'bp.json', '--tenants', ',']);
    expect(none.code).toBe(1);
    expect(none.stderr).toMatch(/--tenants: give tenant ids separated by commas/);
    const unknown = await cli(['blueprint', 'plan', 'bp.json', '--tenants', 'nobody']);
    expect(unknown.code).toBe(1);
    expect(unknown.stderr).toMatch(/Unknown tenant "nobody"/);
    const badPath = await cli(['blueprint', 'plan', 'missing.json', '--tenants', 'all']);
    expect(badPath.code).toBe(1);
    expect(badPath.stderr).toMatch(/missing\.json does not exist/);
    for (const id of ['acme', 'beta', 'gamma']) expect(sandboxes[id]!.requests.length, id).toBe(m[id]);
  });

  it('apply --yes --json applies the clean tenants (one changeId each), skips the read-only one, audited as local; a second plan is in sync', async () => {
    const res = await cli(['blueprint', 'apply', 'bp.json', '--tenants', 'all', '--yes', '--json']);
    expect(res.code, res.stderr).toBe(0);
    const report = JSON.parse(res.stdout) as { tenants: Array<{ tenant: string; status: string; changeId?: string }>; summary: Record<string, number> };
    expect(report.tenants.map((t) => [t.tenant, t.status])).toEqual([['acme', 'applied'], ['beta', 'skipped'], ['gamma', 'applied']]);
    expect(report.summary).toMatchObject({ total: 3, applied: 2, skipped: 1 });
    expect(res.stderr).toMatch(/Blueprint "cli-test" on 3 tenant\(s\): 2 applied, 1 skipped/);
    for (const id of ['acme', 'gamma']) {
      expect(sandboxes[id]!.state.metadata.fieldDef('Lead', 'cSecteur'), id).toMatchObject({ type: 'enum', options: ['Transport', 'Logistique'] });
      expect(JSON.stringify(sandboxes[id]!.state.layouts.read('Lead', 'list'))).toContain('"cSecteur"');
    }
    expect(writes('beta')).toEqual([]);

    const store = await openSqliteStore(path.join(dir, 'espocrm-admin-mcp', 'store.sqlite'));
    try {
      // Tenants run in parallel: their lines come in the order they finished.
      const lines = (await store.read()).filter((e) => e.tool === 'apply_blueprint').sort((a, b) => a.tenant.localeCompare(b.tenant));
      expect(lines.map((e) => [e.tenant, e.outcome, e.principal])).toEqual([
        ['acme', 'applied', 'local'],
        ['beta', 'refused', 'local'],
        ['gamma', 'applied', 'local'],
      ]);
      expect(lines[0]!.changeId).toBe(report.tenants[0]!.changeId);
      expect(lines[0]!.change?.kind).toBe('blueprint');
    } finally {
      await store.close();
    }

    const again = await cli(['blueprint', 'apply', 'bp.json', '--tenants', 'acme,gamma', '--yes']);
    expect(again.code, again.stderr).toBe(0);
    expect(again.stderr).toMatch(/acme: in_sync/);
    expect(again.stderr).toMatch(/Nothing to apply/);
  });
});
