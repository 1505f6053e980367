// Runs every benchmark and prints one table of ratios measured in the same run.
// Usage: npm run bench   (BENCH_RUNS=N to change the number of repetitions)
import os from 'node:os';
import { benchStartup } from './startup.mjs';
import { benchHttpLoad } from './http-load.mjs';
import { benchOverhead } from './overhead.mjs';
import { benchDuplicates } from './duplicates.mjs';
import { benchStore } from './store.mjs';

const rows = [];
for (const bench of [benchStartup, benchOverhead, benchHttpLoad, benchDuplicates, benchStore]) rows.push(...(await bench()));

const fmt = (ms) => `${ms.toFixed(1)} ms`;
console.log(`\nmachine: ${os.cpus()[0]?.model ?? 'unknown'} x${os.cpus().length}, ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}`);
console.log('| benchmark | ours | baseline | ratio |');
console.log('| --- | --- | --- | --- |');
for (const r of rows) {
  console.log(`| ${r.name} | ${fmt(r.ours)} | ${fmt(r.baseline)} (${r.baselineName}) | ${(r.ours / r.baseline).toFixed(2)} |`);
}
