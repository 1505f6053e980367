/**
 * Store durability: a child process appends audit lines in a burst through the real store (the built
 * `dist/`, as `npm test` builds it first), acknowledging each append on stdout; it is killed with
 * SIGKILL mid-burst. Every acknowledged line is in the store, lines are contiguous (nothing lost in the
 * middle), the store opens cleanly afterwards (SQLite rolls back the transaction in flight), and the
 * next process appends after the crash.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openSqliteStore } from '../../src/store/index.js';
import { recordFigures, table } from './figures.js';

const KILL_AFTER_ACKS = 400;

const dir = mkdtempSync(path.join(os.tmpdir(), 'espocrm-mcp-audit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The child: the built store, appending until killed, acknowledging each append. */
function writeChild(): string {
  const storeModule = pathToFileURL(path.resolve('dist/store/index.js')).href;
  const child = `
import { openSqliteStore } from ${JSON.stringify(storeModule)};
const store = await openSqliteStore(process.argv[2]);
for (let seq = 0; ; seq++) {
  await store.append({ tenant: 'acme', principal: 'burst', tool: 'edit_layout', args: { seq, note: 'x'.repeat(120 + (seq % 50)) }, outcome: 'applied', summary: 'burst line ' + seq,
    changeId: 'chg_burst_' + seq, change: { kind: 'layout', entity: 'Lead', layout: 'list', before: [seq], after: [seq + 1] } });
  process.stdout.write(seq + '\\n');
}
`;
  writeFileSync(path.join(dir, 'child.mjs'), child);
  return path.join(dir, 'child.mjs');
}

async function burstAndKill(file: string): Promise<number> {
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
  return lastAck;
}

describe('store durability', () => {
  const figures = { acknowledged: 0, inStore: 0, lost: 0 };
  const file = path.join(dir, 'store.sqlite');

  it('a kill -9 mid-burst loses at most the line in flight; every acknowledged change is findable', { timeout: 60_000 }, async () => {
    const lastAck = await burstAndKill(file);
    const store = await openSqliteStore(file);
    try {
      const seqs = (await store.read()).map((e) => (e.args as { seq: number }).seq);
      // Contiguous from 0: nothing lost in the middle; durable: every acknowledged append is there.
      expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i));
      expect(seqs.length).toBeGreaterThanOrEqual(lastAck + 1);
      expect(seqs.length).toBeLessThanOrEqual(lastAck + 2); // at most the one in flight, committed before its ack
      expect((await store.findChange(`chg_burst_${lastAck}`))?.change?.before).toEqual([lastAck]);
      Object.assign(figures, { acknowledged: lastAck + 1, inStore: seqs.length, lost: Math.max(0, lastAck + 1 - seqs.length) });
    } finally {
      await store.close();
    }
  });

  it('after the crash, the next process appends and reads cleanly', async () => {
    const store = await openSqliteStore(file);
    try {
      const before = (await store.read()).length;
      await store.append({ tenant: 'acme', principal: 'p', tool: 'edit_layout', args: { seq: -1 }, outcome: 'applied' });
      const after = await store.read();
      expect(after).toHaveLength(before + 1);
      expect(after.at(-1)?.args).toEqual({ seq: -1 });
    } finally {
      await store.close();
    }
  });

  it('records the figures', () => {
    const markdown = [
      table(
        ['burst', 'asserted'],
        [[
          `one child process appending changes to the embedded store (SQLite, WAL, synchronous=FULL), SIGKILL after ${KILL_AFTER_ACKS} acknowledged appends`,
          'every acknowledged change in the store and findable by id, lines contiguous, the store opens and takes appends after the crash',
        ]],
      ),
    ].join('\n');
    expect(figures.acknowledged).toBeGreaterThan(KILL_AFTER_ACKS);
    recordFigures('audit', figures, markdown);
  });
});
