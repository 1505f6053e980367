/**
 * `espocrm-admin-mcp audit export|import`: the store's audit trail as JSON Lines (one entry a line,
 * oldest first; U+2028, U+2029 and U+0085 escaped so any JSON Lines reader splits lines where we do),
 * and the import of the first version's audit.jsonl files (idempotent; done at start too).
 */
import { createWriteStream } from 'node:fs';
import path from 'node:path';
import { once } from 'node:events';
import type { Command } from 'commander';
import { loadConfig, loadDotEnv } from '../config/load.js';
import { jsonLine, openStore } from '../store/index.js';

async function storeFor(configPath: string | undefined) {
  const cwd = process.cwd();
  loadDotEnv(cwd, process.env);
  const config = await loadConfig({ configPath, env: process.env, cwd });
  return openStore(config, { env: process.env, noImport: true });
}

function timeOption(name: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) throw new Error(`${name} must be a date or an ISO 8601 time, e.g. 2026-12-01 or 2026-12-01T09:30:00Z (found "${value}").`);
  return t;
}

export async function runAuditExport(opts: { config?: string; tenant?: string; since?: string; until?: string; out?: string }): Promise<number> {
  const since = timeOption('--since', opts.since);
  const until = timeOption('--until', opts.until);
  const store = await storeFor(opts.config);
  const out = opts.out ? createWriteStream(path.resolve(opts.out), { mode: 0o600 }) : process.stdout;
  let written = 0;
  try {
    await store.each(opts.tenant ? { tenant: opts.tenant } : {}, async (e) => {
      const t = Date.parse(e.ts);
      if ((since !== undefined && t < since) || (until !== undefined && t > until)) return;
      if (!out.write(`${jsonLine(e)}\n`)) await once(out, 'drain');
      written++;
    });
  } finally {
    await store.close();
    if (out !== process.stdout) {
      (out as NodeJS.WritableStream).end();
      await once(out, 'finish');
    }
  }
  process.stderr.write(`audit export: ${written} line(s) from ${store.engine === 'postgres' ? 'PostgreSQL' : 'SQLite'} store ${store.location}${opts.out ? ` to ${opts.out}` : ''}\n`);
  return 0;
}

export async function runAuditImport(files: string[], opts: { config?: string }): Promise<number> {
  const store = await storeFor(opts.config);
  try {
    for (const f of files) {
      const r = await store.importJsonl(path.resolve(f));
      process.stderr.write(`audit import: ${f}: ${r.imported} line(s) imported, ${r.skipped} skipped (already there, torn or not audit lines)\n`);
    }
  } finally {
    await store.close();
  }
  return 0;
}

export function registerAuditCommands(program: Command): void {
  const audit = program.command('audit').description("The store's audit trail: export it as JSON Lines, import the first version's audit.jsonl.");
  audit
    .command('export')
    .description('Write every audit line (changes with before/after states, refused and failed calls) as JSON Lines, oldest first.')
    .option('--config <path>', 'tenants.json path (its "store" section says which store)')
    .option('--tenant <id>', 'only this tenant')
    .option('--since <time>', 'only lines at or after this date or ISO time')
    .option('--until <time>', 'only lines at or before this date or ISO time')
    .option('--out <file>', 'write to this file (mode 0600) instead of stdout')
    .action(async (opts: { config?: string; tenant?: string; since?: string; until?: string; out?: string }) => {
      process.exitCode = await runAuditExport(opts);
    });
  audit
    .command('import')
    .description('Import JSON Lines audit files (the first version wrote audit.jsonl); lines already in the store are skipped.')
    .argument('<files...>', 'audit.jsonl files')
    .option('--config <path>', 'tenants.json path')
    .action(async (files: string[], opts: { config?: string }) => {
      process.exitCode = await runAuditImport(files, opts);
    });
}
