/**
 * Audit durability: a child process appends audit lines in a burst through the real `AuditLog` (the
 * current source, transpiled for the child), acknowledging each append on stdout; it is killed with
 * SIGKILL mid-burst. Every acknowledged line is on disk, lines are contiguous (nothing lost in the
 * middle), at most the last line is torn, `AuditLog.read()` returns every complete line, rotation
 * bounds the size, and the next process appends cleanly after a torn line.
 */
import { spawn } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import ts from 'typescript';
import { afterAll, describe, expect, it } from 'vitest';
import { AuditLog } from '../../src/audit/log.js';
import { recordFigures, table } from './figures.js';

const MAX_BYTES = 16 * 1024;
const KEEP = 3;
const KILL_AFTER_ACKS = 400;

const dir = mkdtempSync(path.join(os.tmpdir(), 'espocrm-mcp-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The child: AuditLog from the current source, appending until killed, acknowledging each append. */
function writeChild(): string {
  const source = readFileSync(new URL('../../src/audit/log.ts', import.meta.url), 'utf8');
  const js = ts.transpileModule(source, { compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 } }).outputText;
  writeFileSync(path.join(dir, 'log.mjs'), js);
  const child = `
import { AuditLog } from './log.mjs';
const log = new AuditLog(process.argv[2], { maxBytes: ${MAX_BYTES}, keep: ${KEEP} });
for (let seq = 0; ; seq++) {
  log.append({ tenant: 'acme', principal: 'burst', tool: 'edit_layout', args: { seq, note: 'x'.repeat(120 + (seq % 50)) }, outcome: 'applied', summary: 'burst line ' + seq });
  process.stdout.write(seq + '\\n');
}
`;
  writeFileSync(path.join(dir, 'child.mjs'), child);
  return path.join(dir, 'child.mjs');
}

interface Killed {
  file: string;
  lastAck: number;
}

async function burstAndKill(file: string): Promise<Killed> {
  const child = spawn(process.execPath, [writeChild(), file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let lastAck = -1;
  let buffered = '';
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  await new Promise<void>((resolve, reject) => {
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop() ?? '';
      if (lines.length) lastAck = Number(lines.at(-1));
      if (lastAck >= KILL_AFTER_ACKS) {
        child.kill('SIGKILL');
        resolve();
      }
    });
    void exited.then(() => reject(new Error(`the child exited before the kill: ${stderr}`)));
  });
  expect(await exited).toBe('SIGKILL');
  return { file, lastAck };
}

const files = (file: string) => [...Array.from({ length: KEEP }, (_, i) => `${file}.${KEEP - i}`), file].filter((f) => existsSync(f));

describe('audit log durability', () => {
  const figures = { acknowledged: 0, onDisk: 0, tornLines: 0, files: 0, largestFileBytes: 0 };

  it('a kill -9 mid-burst loses at most the line in flight; read() returns every complete line; rotation bounds the size', { timeout: 60_000 }, async () => {
    const { file, lastAck } = await burstAndKill(path.join(dir, 'audit.jsonl'));
    const seqs: number[] = [];
    let torn = 0;
    for (const f of files(file)) {
      const text = readFileSync(f, 'utf8');
      const lines = text.split('\n');
      const last = lines.pop(); // '' when the file ends with a newline
      if (last !== '') {
        // Only the newest file may end in a partial line, and only one.
        expect(f).toBe(file);
        torn++;
      }
      for (const line of lines) seqs.push((JSON.parse(line) as { args: { seq: number } }).args.seq);
      expect(statSync(f).size).toBeLessThanOrEqual(MAX_BYTES + 1024);
    }
    // Contiguous: nothing lost in the middle (the oldest lines were rotated away, as configured).
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => seqs[0]! + i));
    // Durable: every append acknowledged before the kill is on disk.
    expect(seqs.at(-1)).toBeGreaterThanOrEqual(lastAck);
    expect(seqs[0]).toBeGreaterThan(0); // it did rotate, more than KEEP times
    expect(existsSync(`${file}.${KEEP + 1}`)).toBe(false);
    expect(torn).toBeLessThanOrEqual(1);
    // The log reads back every complete line, in order.
    const read = new AuditLog(file, { maxBytes: MAX_BYTES, keep: KEEP }).read();
    expect(read.map((e) => (e.args as { seq: number }).seq)).toEqual(seqs);
    Object.assign(figures, { acknowledged: lastAck + 1, onDisk: seqs.length, tornLines: torn, files: files(file).length, largestFileBytes: Math.max(...files(file).map((f) => statSync(f).size)) });
  });

  it('after a crash that tore the last line, the next process appends cleanly', () => {
    const file = path.join(dir, 'torn.jsonl');
    const first = new AuditLog(file);
    first.append({ tenant: 'acme', principal: 'p', tool: 'edit_layout', args: { seq: 0 }, outcome: 'applied' });
    first.close();
    appendFileSync(file, '{"ts":"2025-06-09T10:00:00.000Z","tenant":"acme","tool":"edit_la'); // the crash, mid-line
    const next = new AuditLog(file);
    next.append({ tenant: 'acme', principal: 'p', tool: 'edit_layout', args: { seq: 1 }, outcome: 'applied' });
    next.close();
    expect(new AuditLog(file).read().map((e) => (e.args as { seq: number }).seq)).toEqual([0, 1]);
  });

  it('records the figures', () => {
    // The counts depend on the machine's speed; the doc states the rule, the JSON holds the counts.
    const markdown = [
      table(
        ['burst', 'rotation', 'asserted'],
        [[
          `one child process, SIGKILL after ${KILL_AFTER_ACKS} acknowledged appends`,
          `maxBytes ${MAX_BYTES}, keep ${KEEP}`,
          'every acknowledged line on disk, lines contiguous, at most the last line torn, read() = every complete line, every file ≤ maxBytes + one line, no file beyond .' + KEEP,
        ]],
      ),
    ].join('\n');
    expect(figures.acknowledged).toBeGreaterThan(KILL_AFTER_ACKS);
    recordFigures('audit', figures, markdown);
  });
});
