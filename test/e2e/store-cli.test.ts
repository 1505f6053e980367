/**
 * The store as a user meets it, through the built CLI: the first version's audit.jsonl is imported at
 * the first start (and only once), `audit export` writes JSON Lines any reader splits correctly, and
 * the store's files are owner-only (tightened when found looser).
 */
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { CLI, spawnServer, startSandboxes, tenantsJson } from '../helpers/stack.js';

const run = promisify(execFile);
const TENANTS = [{ id: 'acme' }];

const legacyLine = (over: Record<string, unknown>) =>
  JSON.stringify({ ts: '2026-11-02T10:00:00.000Z', tenant: 'acme', principal: 'local', tool: 'edit_layout', args: { entity: 'Lead' }, outcome: 'applied', ...over });

describe('the store through the CLI', () => {
  let dir: string;
  let sandboxes: Record<string, Sandbox>;
  let env: Record<string, string>;
  const stateDir = () => path.join(dir, 'espocrm-admin-mcp');
  const storeFile = () => path.join(stateDir(), 'store.sqlite');

  beforeAll(async () => {
    sandboxes = await startSandboxes(TENANTS.map((t) => ({ ...t, sandbox: { leads: 2, contacts: 0, accounts: 0 } })));
    dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-store-cli-'));
    const t = tenantsJson(TENANTS, sandboxes);
    env = t.env;
    await writeFile(path.join(dir, 'tenants.json'), JSON.stringify(t.json, null, 2));
    // The first version's audit log, where it wrote it ($XDG_STATE_HOME/espocrm-admin-mcp/audit.jsonl), with a
    // rotated file, a label holding U+2028 and U+0085, and a line torn by a crash.
    await mkdir(stateDir(), { recursive: true, mode: 0o755 });
    await writeFile(path.join(stateDir(), 'audit.jsonl.1'), `${legacyLine({ changeId: 'chg_legacy_old', ts: '2026-11-01T09:00:00.000Z', summary: 'older', change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [], after: [] } })}\n`);
    await writeFile(
      path.join(stateDir(), 'audit.jsonl'),
      [
        legacyLine({ changeId: 'chg_legacy_1', summary: 'label "Zone\u2028Nord\u0085Est"', change: { kind: 'layout', entity: 'Lead', layout: 'detail', before: [{ label: 'a' }], after: [{ label: 'b' }] } }),
        legacyLine({ outcome: 'refused', error: 'no such panel' }),
        '{"ts":"2026-11-02T11:00:00.000Z","tenant":"ac',
      ].join('\n'),
    );
  }, 60_000);

  afterAll(async () => {
    await Promise.all(Object.values(sandboxes ?? {}).map((s) => s.close()));
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  async function changeIds(): Promise<string[]> {
    const { client } = await spawnServer({ args: ['serve', '--config', path.join(dir, 'tenants.json')], env, cwd: dir });
    try {
      const res = await client.callTool({ name: 'list_changes', arguments: { tenant: 'acme' } });
      expect(res.isError).toBeFalsy();
      return ((res.structuredContent as { changes: Array<{ changeId?: string }> }).changes).map((c) => c.changeId ?? '-');
    } finally {
      await client.close();
    }
  }

  it('imports the first version\'s audit files at the first start, rotated ones included, and only once', async () => {
    expect(await changeIds()).toEqual(['-', 'chg_legacy_1', 'chg_legacy_old']);
    expect(await changeIds()).toEqual(['-', 'chg_legacy_1', 'chg_legacy_old']);
  });

  it('keeps the store owner-only, and tightens a looser file or folder at the next start', async () => {
    expect((await stat(storeFile())).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir())).mode & 0o777).toBe(0o700);
    await chmod(storeFile(), 0o644);
    await chmod(stateDir(), 0o755);
    await changeIds();
    expect((await stat(storeFile())).mode & 0o777).toBe(0o600);
    expect((await stat(stateDir())).mode & 0o777).toBe(0o700);
  });

  it('audit export writes JSON Lines oldest first, U+2028, U+2029 and U+0085 escaped; --tenant and --since filter', async () => {
    const opts = { cwd: dir, env: { PATH: process.env.PATH ?? '', HOME: dir, XDG_STATE_HOME: dir, ...env } };
    const { stdout, stderr } = await run(process.execPath, [CLI, 'audit', 'export', '--config', path.join(dir, 'tenants.json')], opts);
    expect(stdout).not.toMatch(/[\u2028\u2029\u0085]/);
    expect(stdout).toContain('\\u2028');
    expect(stdout).toContain('\\u0085');
    const lines = stdout.trimEnd().split('\n').map((l) => JSON.parse(l) as { changeId?: string; summary?: string });
    expect(lines.map((l) => l.changeId ?? '-')).toEqual(['chg_legacy_old', 'chg_legacy_1', '-']);
    expect(lines[1]!.summary).toBe('label "Zone\u2028Nord\u0085Est"');
    expect(stderr).toMatch(/3 line\(s\)/);
    const since = await run(process.execPath, [CLI, 'audit', 'export', '--config', path.join(dir, 'tenants.json'), '--since', '2026-11-02'], opts);
    expect(since.stdout.trimEnd().split('\n')).toHaveLength(2);
    const other = await run(process.execPath, [CLI, 'audit', 'export', '--config', path.join(dir, 'tenants.json'), '--tenant', 'nobody'], opts);
    expect(other.stdout).toBe('');
    await expect(run(process.execPath, [CLI, 'audit', 'export', '--config', path.join(dir, 'tenants.json'), '--since', 'last week'], opts)).rejects.toMatchObject({
      stderr: expect.stringMatching(/--since must be a date or an ISO 8601 time/),
    });
  });
});
