/**
 * `drift BLUEPRINT` through the built CLI (dist/cli.js) against sandboxes: one tenant in sync (the
 * transport blueprint's field made with create_custom_field through the server), one drifted (no
 * field), one unreachable (a loopback port with nothing listening). Exit codes for a scheduler: 0 all
 * in sync, 1 drifted or unreachable, 2 the command could not run. Nothing is written.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type Harness } from '../helpers/harness.js';
import { tenantsJson, type StackTenant, deadPort, runCli } from '../helpers/stack.js';


const TENANTS: StackTenant[] = [{ id: 'insync' }, { id: 'drifted' }];

let h: Harness;
let dir: string;
let env: Record<string, string>;
let config: string;


const cli = (args: string[]) => runCli(args, { cwd: dir, env });

type Row = { tenant: string; status: string; differences: Array<{ kind: string; field?: string; layout?: string; summary: string }>; reason?: string };

beforeAll(async () => {
  h = await startHarness(TENANTS);
  const r = await h.call('create_custom_field', {
    tenant: 'insync', entity: 'Lead', name: 'secteur', type: 'enum', label: 'Secteur',
    options: ['', 'Transport routier', 'Logistique', 'Messagerie', 'Déménagement'], addToLayouts: ['detail', 'list'],
  });
  expect(r.isError, r.text).toBe(false);
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-drift-cli-'));
  const t = tenantsJson(TENANTS, h.sandboxes);
  env = { ...t.env, DOWN_ESPO_API_KEY: 'down-key-canary-5521' };
  const tenants = { ...(t.json.tenants as Record<string, unknown>), down: { name: 'Down', url: `http://127.0.0.1:${await deadPort()}`, apiKey: 'env:DOWN_ESPO_API_KEY' } };
  config = path.join(dir, 'tenants.json');
  await writeFile(config, JSON.stringify({ tenants }, null, 2));
}, 60_000);

afterAll(async () => {
  await h?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('drift', () => {
  it('--json over every tenant: in_sync, drifted with its differences, unreachable with the reason; exit 1; nothing written', async () => {
    const marks = Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.requests.length]));
    const { code, stdout, stderr } = await cli(['drift', 'transport', '--json', '--config', config]);
    expect(code, stderr).toBe(1);
    const out = JSON.parse(stdout) as { blueprint: { name: string; origin: string }; summary: Record<string, number>; tenants: Row[] };
    expect(out.blueprint).toMatchObject({ name: 'transport' });
    expect(out.summary).toEqual({ total: 3, in_sync: 1, drifted: 1, unreachable: 1, skipped: 0 });
    expect(out.tenants.map((r) => [r.tenant, r.status])).toEqual([
      ['insync', 'in_sync'],
      ['drifted', 'drifted'],
      ['down', 'unreachable'],
    ]);
    expect(out.tenants[1]!.differences.map((d) => [d.kind, d.field, d.layout ?? null])).toEqual([
      ['field_missing', 'cSecteur', null],
      ['placement_missing', 'cSecteur', 'detail'],
      ['placement_missing', 'cSecteur', 'list'],
    ]);
    expect(out.tenants[2]!.reason).toMatch(/^could not be read: /);
    expect(stderr).toMatch(/^down: could not be read: /m);
    for (const [id, sb] of Object.entries(h.sandboxes)) expect(writesIn(sb.requests.slice(marks[id])), id).toEqual([]);
    for (const secret of [...Object.values(env), ...Object.values(h.sandboxes).map((sb) => sb.credentials.admin.password)]) {
      expect(stdout + stderr).not.toContain(secret);
    }
  });

  it('exit 0 when every tenant named is in sync; the table on stdout', async () => {
    const ok = await cli(['drift', 'transport', '--tenants', 'insync', '--config', config]);
    expect(ok.code, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/^TENANT\s+STATUS\s+DIFFERENCES\s+REASON$/m);
    expect(ok.stdout).toMatch(/^insync\s+in_sync\s+-$/m);
    expect(ok.stdout).toContain('blueprint "transport", 1 tenant(s): 1 in sync, 0 drifted, 0 unreachable, 0 skipped');

    const drifted = await cli(['drift', 'transport', '--tenants', 'drifted,insync', '--config', config]);
    expect(drifted.code).toBe(1);
    expect(drifted.stdout).toMatch(/^drifted\s+drifted\s+3$/m);
    expect(drifted.stdout).toContain('drifted:\n  - Lead: no field cSecteur (enum)\n  - Lead.cSecteur is not on the detail layout');
  });

  it('takes a blueprint file by path: an option the tenant lacks is drift', async () => {
    const file = path.join(dir, 'more-options.json');
    await writeFile(file, JSON.stringify({ name: 'more', entities: { Lead: { fields: [{ name: 'secteur', type: 'enum', options: ['Logistique', 'Fret aérien'] }] } } }));
    const r = await cli(['drift', './more-options.json', '--tenants', 'insync', '--json', '--config', config]);
    expect(r.code, r.stderr).toBe(1);
    const out = JSON.parse(r.stdout) as { blueprint: { origin: string }; tenants: Row[] };
    expect(out.blueprint.origin).toBe('file');
    expect(out.tenants[0]!.differences).toEqual([expect.objectContaining({ kind: 'options_missing', field: 'cSecteur', summary: 'Lead.cSecteur: option missing: "Fret aérien"' })]);
  });

  it('exit 2 with what to do when the command cannot run; no CRM is asked', async () => {
    const marks = Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.requests.length]));
    const missing = await cli(['drift', 'no-such', '--config', config]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no blueprint named "no-such".*Available: .*transport/s);
    const ghost = await cli(['drift', 'transport', '--tenants', 'ghost', '--config', config]);
    expect(ghost.code).toBe(2);
    expect(ghost.stderr).toMatch(/ghost/);
    const conc = await cli(['drift', 'transport', '--concurrency', '0', '--config', config]);
    expect(conc.code).toBe(2);
    expect(conc.stderr).toMatch(/--concurrency: expected a whole number from 1 to 32/);
    const empty = await cli(['drift', 'transport', '--tenants', ',', '--config', config]);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--tenants: expected tenant ids separated by commas, or "all"/);
    for (const [id, sb] of Object.entries(h.sandboxes)) expect(sb.requests.length, id).toBe(marks[id]);
  });
});
