/**
 * `tenants usage` through the built CLI (dist/cli.js) against sandboxes: CSV for billing (one row per
 * tenant, RFC 4180 quoting, spreadsheet formulas neutralised), JSON, the table, a tenant that cannot be
 * reached (a loopback port with nothing listening: its row carries the error, exit code 1), and bad
 * options refused before any CRM is called.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Sandbox } from '../../src/sandbox/index.js';
import { monthWindows } from '../../src/reads/usage.js';
import { csvCell } from '../../src/cli/usage.js';
import { startSandboxes, tenantsJson, type StackTenant, deadPort, runCli } from '../helpers/stack.js';


const TENANTS: StackTenant[] = [
  { id: 'acme', name: '=SUM(1,2) "Acme"', sandbox: { leads: 80, contacts: 6, accounts: 3, seed: 21 } },
  { id: 'beta', name: 'Beta', adminPassword: null, sandbox: { leads: 12, contacts: 2, accounts: 1, seed: 22 } },
];

let dir: string;
let sandboxes: Record<string, Sandbox>;
let env: Record<string, string>;
let config: string;


const cli = (args: string[]) => runCli(args, { cwd: dir, env });

/** RFC 4180 parsing (quoted cells with doubled quotes, CRLF rows). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  if (cell !== '' || row.length) rows.push([...row, cell]);
  return rows;
}

function leadsByMonth(sb: Sandbox): Map<string, number> {
  const by = new Map<string, number>();
  const list = sb.state.records.list('Lead', new URLSearchParams('maxSize=200&select=createdAt'), { noTotal: false, isAdmin: true }).list;
  for (const r of list) {
    const month = String(r.createdAt).slice(0, 7);
    by.set(month, (by.get(month) ?? 0) + 1);
  }
  return by;
}

const activeOf = (sb: Sandbox, type: string) => sb.state.users.allUsers().filter((u) => u.isActive && u.type === type).length;

beforeAll(async () => {
  sandboxes = await startSandboxes(TENANTS);
  sandboxes.acme!.state.users.addUser({ userName: 'portal-a', type: 'portal', password: 'p-pass-1' });
  sandboxes.acme!.state.users.addUser({ userName: 'reg-a', type: 'regular', password: 'p-pass-2' });
  dir = await mkdtemp(path.join(os.tmpdir(), 'espocrm-mcp-usage-cli-'));
  const t = tenantsJson(TENANTS, sandboxes);
  env = { ...t.env, DOWN_ESPO_API_KEY: 'down-key-canary-7731' };
  const tenants = { ...(t.json.tenants as Record<string, unknown>), down: { name: 'Down', url: `http://127.0.0.1:${await deadPort()}`, apiKey: 'env:DOWN_ESPO_API_KEY' } };
  config = path.join(dir, 'tenants.json');
  await writeFile(config, JSON.stringify({ tenants }, null, 2));
}, 60_000);

afterAll(async () => {
  for (const sb of Object.values(sandboxes ?? {})) await sb.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tenants usage', () => {
  it('--csv: one row per tenant with users, records and leads per month; the unreachable tenant is a row with its error; exit 1', async () => {
    const monthsBefore = monthWindows(new Date(), 4).map((w) => w.month);
    const { code, stdout, stderr } = await cli(['tenants', 'usage', '--all', '--months', '4', '--csv', '--config', config]);
    const monthsAfter = monthWindows(new Date(), 4).map((w) => w.month);
    expect(code).toBe(1);
    const rows = parseCsv(stdout);
    const [header, ...body] = rows;
    const months = header!.filter((h) => h.startsWith('leads_')).map((h) => h.slice('leads_'.length));
    expect([monthsBefore, monthsAfter]).toContainEqual(months);
    expect(header).toEqual([
      'tenant', 'name', 'activeUsers_regular', 'activeUsers_admin', 'activeUsers_api', 'activeUsers_portal',
      'records_Lead', 'records_Contact', 'records_Account', 'records_Opportunity', 'records_Case', ...months.map((m) => `leads_${m}`), 'error',
    ]);
    expect(body.map((r) => r[0])).toEqual(['acme', 'beta', 'down']);
    for (const r of body) expect(r).toHaveLength(header!.length);
    const col = (row: string[], name: string) => row[header!.indexOf(name)];

    const acme = body[0]!;
    const sa = sandboxes.acme!;
    // the name starts with "=": neutralised with an apostrophe, and quoted for its comma and quotes
    expect(col(acme, 'name')).toBe(`'=SUM(1,2) "Acme"`);
    expect(stdout).toContain(`"'=SUM(1,2) ""Acme"""`);
    for (const type of ['regular', 'admin', 'api', 'portal']) expect(col(acme, `activeUsers_${type}`)).toBe(String(activeOf(sa, type)));
    expect(col(acme, 'activeUsers_portal')).toBe('1');
    expect(col(acme, 'records_Lead')).toBe('80');
    expect(col(acme, 'records_Contact')).toBe(String(sa.state.records.list('Contact', new URLSearchParams('maxSize=0'), { noTotal: false, isAdmin: true }).total));
    expect(col(acme, 'records_Case')).toBe(''); // no Case entity on the sandbox
    const byMonth = leadsByMonth(sa);
    for (const m of months) expect([m, col(acme, `leads_${m}`)]).toEqual([m, String(byMonth.get(m) ?? 0)]);
    expect(col(acme, 'error')).toBe('');

    const beta = body[1]!;
    expect(['regular', 'admin', 'api', 'portal'].map((t) => col(beta, `activeUsers_${t}`))).toEqual(['', '', '', '']);
    expect(col(beta, 'records_Lead')).toBe('12');
    expect(col(beta, 'records_Opportunity')).toBe(''); // the API user may not read it: empty, not an error
    expect(col(beta, 'error')).toBe('');

    const down = body[2]!;
    expect(col(down, 'records_Lead')).toBe('');
    expect(col(down, 'error')).toMatch(/tenant "down".*(reach|connect|refused)/i);
    expect(stderr).toMatch(/down: /);
    expect(stderr).toMatch(/1 of 3 tenant\(s\) not fully counted/);

    for (const secret of [sa.credentials.admin.password, sa.credentials.apiKey, sandboxes.beta!.credentials.apiKey, 'down-key-canary-7731']) {
      expect(stdout).not.toContain(secret);
      expect(stderr).not.toContain(secret);
    }
  });

  it('--json for one tenant: exit 0, the counts, the months in UTC', async () => {
    const { code, stdout } = await cli(['tenants', 'usage', 'acme', '--json', '--months', '2', '--config', config]);
    expect(code).toBe(0);
    const out = JSON.parse(stdout) as { timezone: string; months: number; tenants: Array<{ tenant: string; ok: boolean; usage: { records: Record<string, { count: number }>; leadsPerMonth: Array<{ month: string; count: number }>; activeUsers: Record<string, { count: number }> } }> };
    expect(out).toMatchObject({ timezone: 'UTC', months: 2 });
    expect(out.tenants).toHaveLength(1);
    const [acme] = out.tenants;
    expect(acme).toMatchObject({ tenant: 'acme', ok: true, usage: { records: { Lead: { count: 80 } }, activeUsers: { portal: { count: 1 }, regular: { count: activeOf(sandboxes.acme!, 'regular') } } } });
    const byMonth = leadsByMonth(sandboxes.acme!);
    expect(acme!.usage.leadsPerMonth.map((m) => m.count)).toEqual(acme!.usage.leadsPerMonth.map((m) => byMonth.get(m.month) ?? 0));
  });

  it('the table: a header, one line per tenant, ok or FAILED with the error', async () => {
    const { code, stdout } = await cli(['tenants', 'usage', '--months', '1', '--config', config]);
    expect(code).toBe(1);
    const lines = stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TENANT\s+NAME\s+REGULAR\s+ADMIN\s+API\s+PORTAL\s+Lead\s+Contact\s+Account\s+Opportunity\s+Case\s+\d{4}-\d{2}\s+STATUS$/);
    expect(lines).toHaveLength(4);
    expect(lines[1]).toMatch(/^acme\s.*\s80\s.*\sok$/);
    expect(lines[3]).toMatch(/^down\s.*FAILED: /);
  });

  it('bad options are refused with what is allowed, before any CRM is called', async () => {
    const before = sandboxes.acme!.requests.length;
    for (const [args, message] of [
      [['--months', '0'], /--months: expected a whole number from 1 to 24/],
      [['--months', '25'], /from 1 to 24/],
      [['--months', 'six'], /from 1 to 24/],
      [['--json', '--csv'], /--json or --csv/],
      [['acme', '--all'], /a tenant id or --all, not both/],
      [['nosuch'], /nosuch/],
    ] as const) {
      const { code, stdout, stderr } = await cli(['tenants', 'usage', ...args, '--config', config]);
      expect([args.join(' '), code]).toEqual([args.join(' '), 1]);
      expect(stderr).toMatch(message);
      expect(stdout).toBe('');
    }
    expect(sandboxes.acme!.requests.length).toBe(before);
  });

  it('CSV cells: RFC 4180 quoting, and every formula-starting character neutralised', () => {
    expect(['plain', 'a,b', 'say "hi"', 'two\nlines', '=1+1', '+33 1', '-2', '@SUM(A1)', '\tx', '\rx', '12', ''].map(csvCell)).toEqual([
      'plain', '"a,b"', '"say ""hi"""', '"two\nlines"', "'=1+1", "'+33 1", "'-2", "'@SUM(A1)", "'\tx", `"'\rx"`, '12', '',
    ]);
  });
});
