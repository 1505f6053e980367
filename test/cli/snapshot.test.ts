/**
 * `snapshot` and `snapshot export` through the built CLI (dist/cli.js) against sandboxes: --all --json
 * with two sandboxes and one unreachable tenant (its error in its row, exit code 1), snapshots kept in
 * the store tenants.json names, the id lines on stdout, one tenant by id, and a snapshot exported as a
 * blueprint that parseBlueprint accepts; another tenant's snapshot is not found; no secret in output.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { parseBlueprint } from '../../src/core/blueprint/schema.js';
import { openSqliteStore } from '../../src/store/index.js';
import { startSandboxes, tenantsJson, type StackTenant, deadPort, runCli } from '../helpers/stack.js';


const TENANTS: StackTenant[] = [
  { id: 'acme', sandbox: { leads: 5, contacts: 0, accounts: 0, seed: 31 } },
  { id: 'beta', sandbox: { leads: 5, contacts: 0, accounts: 0, seed: 32, version: '8.1.0' } },
];

let dir: string;
let sandboxes: Record<string, Sandbox>;
let env: Record<string, string>;
let config: string;
let storeFile: string;


const cli = (args: string[]) => runCli(args, { cwd: dir, env });

beforeAll(async () => {
  sandboxes = await startSandboxes(TENANTS);
  // A custom field placed on the list layout, with a label, on each sandbox (acme gets the "c" prefix, beta on 8.1 does not).
  for (const [id, name] of [['acme', 'secteur'], ['beta', 'secteur']] as const) {
    const sb = sandboxes[id]!;
    const res = await fetch(`${sb.url}/api/v1/Admin/fieldManager/Lead`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'Espo-Authorization': Buffer.from(`${sb.credentials.admin.username}:${sb.credentials.admin.password}`).toString('base64') },
      body: JSON.stringify({ name, type: 'enum', label: 'Secteur', options: ['Fret', 'Logistique'] }),
    });
    expect(res.status).toBe(200);
  }
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-snapshot-cli-'));
  const t = tenantsJson(TENANTS, sandboxes);
  env = { ...t.env, DOWN_ESPO_API_KEY: 'down-key-canary-5521' };
  storeFile = path.join(dir, 'store.sqlite');
  const tenants = { ...(t.json.tenants as Record<string, unknown>), down: { name: 'Down', url: `http://127.0.0.1:${await deadPort()}`, apiKey: 'env:DOWN_ESPO_API_KEY' } };
  config = path.join(dir, 'tenants.json');
  await writeFile(config, JSON.stringify({ store: { path: storeFile }, tenants }, null, 2));
}, 60_000);

afterAll(async () => {
  for (const sb of Object.values(sandboxes ?? {})) await sb.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('espocrm-admin-mcp snapshot', () => {
  let acmeId: string;

  it('--all --json: a snapshot per reachable tenant kept in the store, the unreachable one a row with its error; exit 1', async () => {
    const { code, stdout, stderr } = await cli(['snapshot', '--all', '--json', '--config', config]);
    expect(code, stderr).toBe(1);
    const out = JSON.parse(stdout) as { summary: Record<string, number>; tenants: Array<{ tenant: string; ok: boolean; snapshotId?: string; fields?: number; error?: string }> };
    expect(out.summary).toEqual({ total: 3, ok: 2, failed: 1 });
    expect(out.tenants.map((r) => [r.tenant, r.ok])).toEqual([['acme', true], ['beta', true], ['down', false]]);
    expect(out.tenants[2]!.error).toMatch(/127\.0\.0\.1|reach|connect/i);
    expect(out.tenants[0]!.fields).toBe(1);
    acmeId = out.tenants[0]!.snapshotId!;
    const store = await openSqliteStore(storeFile);
    try {
      const acme = await store.getSnapshot(acmeId, 'acme');
      expect(acme?.instance.siteUrl).toBe(sandboxes.acme!.url);
      expect((acme?.data as { fields: Array<{ name: string }> }).fields.map((f) => f.name)).toEqual(['cSecteur']);
      const beta = await store.getSnapshot(out.tenants[1]!.snapshotId!, 'beta');
      expect((beta?.data as { fields: Array<{ name: string }> }).fields.map((f) => f.name)).toEqual(['secteur']);
      expect(await store.listSnapshots('down', 10)).toEqual([]);
    } finally {
      await store.close();
    }
    for (const text of [stdout, stderr]) {
      expect(text).not.toContain('down-key-canary-5521');
      for (const v of Object.values(env)) expect(text).not.toContain(v);
    }
  });

  it('one tenant by id: "TENANT SNAPSHOT_ID" on stdout, the counts on stderr, exit 0', async () => {
    const { code, stdout, stderr } = await cli(['snapshot', 'acme', '--config', config]);
    expect(code, stderr).toBe(0);
    expect(stdout).toMatch(/^acme snap_[0-9a-z]+_[0-9a-f]{12}\n$/);
    expect(stderr).toMatch(/acme: snapshot snap_\S+: 1 custom field\(s\)/);
    expect(stderr).toMatch(/1 of 1 tenant\(s\) snapshotted/);
    const bad = await cli(['snapshot', 'acme', '--all', '--config', config]);
    expect(bad.code).toBe(1);
    expect(bad.stderr).toMatch(/not both/);
  });

  it('export: the snapshot as a blueprint parseBlueprint accepts, to stdout or --out; another tenant\'s snapshot is not found', async () => {
    const { code, stdout, stderr } = await cli(['snapshot', 'export', acmeId, '--tenant', 'acme', '--config', config]);
    expect(code, stderr).toBe(0);
    const blueprint = parseBlueprint(stdout, 'the export');
    expect(blueprint.entities.Lead?.fields).toEqual([expect.objectContaining({ name: 'cSecteur', type: 'enum', label: 'Secteur', options: ['Fret', 'Logistique'] })]);
    expect(stderr).toMatch(/as the blueprint "acme-snapshot": 1 field\(s\)/);
    const out = await cli(['snapshot', 'export', acmeId, '--tenant', 'acme', '--out', 'acme.json', '--name', 'standard', '--config', config]);
    expect(out.code, out.stderr).toBe(0);
    expect(out.stdout).toBe('');
    expect(parseBlueprint(await readFile(path.join(dir, 'acme.json'), 'utf8'), 'acme.json').name).toBe('standard');
    const foreign = await cli(['snapshot', 'export', acmeId, '--tenant', 'beta', '--config', config]);
    expect(foreign.code).toBe(1);
    expect(foreign.stderr).toContain(`no snapshot "${acmeId}" of tenant "beta"`);
    const missing = await cli(['snapshot', 'export', acmeId, '--config', config]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/needs --tenant/);
  });
});
