/**
 * The figures of the reliability suite: each suite computes its own, writes them to a JSON summary
 * under the OS temp dir, and checks that `docs/reliability.md` shows the same (between the markers
 * `<!-- figures:NAME -->` and `<!-- /figures:NAME -->`). `RELIABILITY_UPDATE=1` rewrites the section.
 */
import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';

export const SUMMARY_DIR = path.join(os.tmpdir(), 'espocrm-admin-mcp-reliability');
export const SUMMARY_FILE = path.join(SUMMARY_DIR, 'summary.json');
export const DOC_FILE = fileURLToPath(new URL('../../docs/reliability.md', import.meta.url));
export const REGENERATE = 'RELIABILITY_UPDATE=1 npx vitest run test/reliability';

/** Test files run in parallel processes: one writer at a time for the shared files. */
function withLock<T>(fn: () => T): T {
  const lock = path.join(SUMMARY_DIR, '.lock');
  mkdirSync(SUMMARY_DIR, { recursive: true });
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch {
      if (Date.now() > deadline) rmSync(lock, { recursive: true, force: true }); // a crashed run left it
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    return fn();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}

function writeAtomic(file: string, text: string): void {
  const tmp = `${file}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, file);
}

export function sectionOf(doc: string, name: string): string | undefined {
  const m = new RegExp(`<!-- figures:${name} -->\\n([\\s\\S]*?)<!-- /figures:${name} -->`).exec(doc);
  return m?.[1];
}

/**
 * Records a suite's figures (JSON summary) and checks the doc's section against `markdown`; with
 * RELIABILITY_UPDATE=1 the section is rewritten instead.
 */
export function recordFigures(name: string, data: unknown, markdown: string): void {
  const body = markdown.endsWith('\n') ? markdown : `${markdown}\n`;
  const stale = withLock(() => {
    let summary: Record<string, unknown> = {};
    try {
      summary = JSON.parse(readFileSync(SUMMARY_FILE, 'utf8')) as Record<string, unknown>;
    } catch {
      // first suite of the run
    }
    summary[name] = { ...(data as object), recordedAt: new Date().toISOString() };
    writeAtomic(SUMMARY_FILE, `${JSON.stringify(summary, null, 2)}\n`);
    writeAtomic(path.join(SUMMARY_DIR, `${name}.json`), `${JSON.stringify(data, null, 2)}\n`);

    const doc = readFileSync(DOC_FILE, 'utf8');
    const current = sectionOf(doc, name);
    if (process.env.RELIABILITY_UPDATE === '1') {
      const block = `<!-- figures:${name} -->\n${body}<!-- /figures:${name} -->`;
      const next = current === undefined ? `${doc.trimEnd()}\n\n${block}\n` : doc.replace(new RegExp(`<!-- figures:${name} -->\\n[\\s\\S]*?<!-- /figures:${name} -->`), () => block);
      writeAtomic(DOC_FILE, next);
      return false;
    }
    return current !== body;
  });
  expect(stale, `the "${name}" figures in docs/reliability.md differ from this run's (see ${path.join(SUMMARY_DIR, `${name}.json`)}); regenerate them with: ${REGENERATE}`).toBe(false);
}

/** A markdown table. */
export function table(head: string[], rows: Array<Array<string | number>>): string {
  return [`| ${head.join(' | ')} |`, `| ${head.map(() => '---').join(' | ')} |`, ...rows.map((r) => `| ${r.join(' | ')} |`)].join('\n');
}
