/**
 * Fuzzing every tool through the MCP server (fast-check, fixed seeds): valid calls with one argument
 * replaced by something hostile, random objects with the tool's own keys and `__proto__`/`constructor`,
 * wrong types, huge and Unicode strings, path-like names. Never a crash or an unexpected error, never
 * an unhandled rejection, never a request to the CRM for input the schema refuses, never a write for
 * input the tool refuses, never a path with "..", never a polluted prototype.
 */
import fc from 'fast-check';
import { z } from 'zod';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { allTools } from '../../src/tools/catalog.js';
import type { ToolDefinition } from '../../src/tools/define.js';
import { startHarness, writesIn, type CallResult, type Harness } from '../helpers/harness.js';
import { SAMPLES } from './samples.js';
import { recordFigures, table } from './figures.js';

const RUNS_PER_TOOL = 150;
const SEED = 20250609;

const tools = allTools();
const tenantOf = (tool: string) => `fz-${tool.replace(/_/g, '-')}`;

const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

/** Strings that have broken servers before: traversal, separators, control and bidi characters, prototype keys. */
const hostileString: fc.Arbitrary<string> = fc.oneof(
  fc.constantFrom(
    '../../etc/passwd', 'Lead/../Admin', '..', '../', '%2e%2e%2f', 'Lead%2F..%2FAdmin', '/etc/passwd', 'C:\\Windows\\win.ini',
    '__proto__', 'constructor', 'prototype', 'toString', 'hasOwnProperty', 'Lead?select=*', 'Lead#admin', 'Lead\u0000', 'Lead\r\nX-Injected: 1',
    '', ' ', '\t', 'lead', 'LEAD', ' Lead ', '\u202eLead', '𝕷𝖊𝖆𝖉', 'Léad', 'Lead\u200b', '😀', 'cSecteur', 'detail', '$digits', '${7*7}', '{{7*7}}',
    '<script>alert(1)</script>', "'; DROP TABLE lead; --", 'null', 'undefined', 'NaN', '-1', '1e309', 'chg_m1x2y3_ab12cd34',
  ),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 20 }),
  fc.integer({ min: 1_000, max: 70_000 }).map((n) => 'x'.repeat(n)),
);

const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: hostileString },
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 5 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 4 }),
  fc.array(fc.dictionary(fc.constantFrom('op', 'field', 'panel', 'layout', 'value', 'label', '__proto__'), hostileString, { maxKeys: 4 }), { maxLength: 3 }),
);

/** Sets a key as an own property, even `__proto__` (as JSON.parse does). */
function withOwn(obj: Record<string, unknown>, key: string, value: unknown): Record<string, unknown> {
  Object.defineProperty(obj, key, { value, enumerable: true, writable: true, configurable: true });
  return obj;
}

function argsFor(tool: ToolDefinition): fc.Arbitrary<unknown> {
  const tenant = tenantOf(tool.name);
  const base = { tenant, ...SAMPLES[tool.name]!.base };
  const keys = [...new Set([...Object.keys(tool.input), ...Object.keys(base)])];
  const keyArb = fc.oneof({ weight: 3, arbitrary: fc.constantFrom(...(keys.length ? keys : ['tenant'])) }, fc.constantFrom('__proto__', 'constructor', 'prototype', 'dryRun', 'confirm'), hostileString);
  // A valid call with one or two arguments replaced, added or dropped.
  const mutated = fc
    .array(fc.tuple(keyArb, fc.option(hostileValue, { nil: undefined })), { minLength: 1, maxLength: 2 })
    .map((changes) => {
      const out: Record<string, unknown> = { ...base };
      for (const [k, v] of changes) {
        if (v === undefined) delete out[k];
        else withOwn(out, k, v);
      }
      return out;
    });
  // Inside the schema's types: a string argument replaced by a hostile string (path-like, Unicode, huge).
  const stringKeys = Object.keys(base).filter((k) => typeof (base as Record<string, unknown>)[k] === 'string');
  const typed = stringKeys.length
    ? fc.tuple(fc.constantFrom(...stringKeys), hostileString).map(([k, v]) => withOwn({ ...base }, k, v))
    : mutated;
  // Random objects over the tool's own keys and hostile ones.
  const junk = fc.array(fc.tuple(keyArb, hostileValue), { maxLength: 6 }).map((entries) => entries.reduce((o, [k, v]) => withOwn(o, k, v), {} as Record<string, unknown>));
  // Not an object at all.
  const notObject = fc.oneof(hostileString, fc.integer(), fc.constant(null), fc.array(hostileString, { maxLength: 3 }));
  return fc.oneof({ weight: 4, arbitrary: typed }, { weight: 4, arbitrary: mutated }, { weight: 2, arbitrary: junk }, { weight: 1, arbitrary: notObject });
}

type Verdict = 'protocol' | 'schema' | 'tool' | 'ok';

/** How the SDK words a refusal by the tool's input schema. */
const SCHEMA_REFUSAL = /^(MCP error -32602: )?Input validation error/;

const isRecord = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const short = (v: unknown): string => (JSON.stringify(v) ?? String(v)).slice(0, 300);

/** fast-check's report quotes the counterexample in full; with 70 kB strings that buries the failure. */
async function assertShort<T>(property: fc.IAsyncProperty<[T]>, params: fc.Parameters<[T]>): Promise<void> {
  const details = await fc.check(property, params);
  if (!details.failed) return;
  const cause = details.errorInstance instanceof Error ? details.errorInstance.message : String(details.errorInstance);
  throw new Error(`property failed (seed ${details.seed}, path ${details.counterexamplePath}) on ${short(details.counterexample?.[0])}: ${cause.slice(0, 2000)}`);
}

let h: Harness;
// The fleet tools read every tenant they see (their "tenants" may be "*" or left out): each is fuzzed alone,
// on a server of its own, so its calls never land on another tool's sandbox.
const FLEET_TOOLS = new Set(['check_tenants', 'fleet_drift', 'plan_blueprint', 'apply_blueprint']);
const alone = new Map<string, Harness>();
const hostOf = (tool: string): Harness => alone.get(tool) ?? h;
const figures: Record<string, Record<Verdict, number> & { tried: number }> = {};

beforeAll(async () => {
  process.on('unhandledRejection', onUnhandled);
  const sandbox = { leads: 6, contacts: 2, accounts: 2 };
  h = await startHarness(tools.filter((t) => !FLEET_TOOLS.has(t.name)).map((t) => ({ id: tenantOf(t.name), sandbox })));
  for (const t of tools.filter((x) => FLEET_TOOLS.has(x.name))) alone.set(t.name, await startHarness([{ id: tenantOf(t.name), sandbox }]));
});
afterAll(async () => {
  process.off('unhandledRejection', onUnhandled);
  await h?.close();
  for (const x of alone.values()) await x.close();
});

describe.concurrent('fuzzing every tool', () => {
  for (const [index, tool] of tools.entries()) {
    it(`${tool.name}: never a crash, never a request for refused input`, { timeout: 120_000 }, async ({ expect }) => {
      expect(SAMPLES[tool.name], `no sample arguments for ${tool.name} in test/reliability/samples.ts`).toBeDefined();
      const host = hostOf(tool.name);
      const sb = host.sandboxes[tenantOf(tool.name)]!;
      const schema = tool.looseInput ? z.looseObject(tool.input) : z.strictObject(tool.input);
      const counts = { tried: 0, protocol: 0, schema: 0, tool: 0, ok: 0 };
      figures[tool.name] = counts;
      await assertShort(
        fc.asyncProperty(argsFor(tool), async (raw) => {
          // What the server receives is the JSON of the arguments.
          const json = raw === undefined ? undefined : (JSON.parse(JSON.stringify(raw)) as unknown);
          const accepted = typeof json === 'object' && json !== null && !Array.isArray(json) && schema.safeParse(json).success;
          const from = sb.requests.length;
          let res: CallResult | undefined;
          try {
            res = await host.callRaw(tool.name, json);
          } catch (err) {
            // Arguments that are not an object are refused by the protocol layer (JSON-RPC invalid params).
            expect(accepted, `a valid call was refused by the protocol: ${String(err)}`).toBe(false);
          }
          await new Promise((r) => setImmediate(r));
          const sent = sb.requests.slice(from);
          counts.tried++;
          const verdict: Verdict = !res ? 'protocol' : res.isError && SCHEMA_REFUSAL.test(res.text) ? 'schema' : res.isError ? 'tool' : 'ok';
          counts[verdict]++;
          // The server refuses exactly what the tool's schema refuses. A top-level "__proto__" key never
          // reaches the schema: the JSON-RPC layer copies the arguments into a new object, dropping it.
          if (!(isRecord(json) && Object.hasOwn(json, '__proto__'))) {
            expect(verdict === 'protocol' || verdict === 'schema', `schema verdict differs for ${short(json)}: ${res?.text.slice(0, 200)}`).toBe(!accepted);
          }
          if (res) {
            expect(res.text).not.toMatch(/Unexpected error in/);
            expect(res.text.trim()).not.toBe('');
          }
          if (verdict === 'protocol' || verdict === 'schema') {
            expect(sent.map((r) => `${r.method} ${r.path}`), `a request was sent for input the schema refuses: ${short(json)}`).toEqual([]);
          }
          if (verdict === 'tool') expect(writesIn(sent).map((r) => `${r.method} ${r.path}`), `a write was sent for input the tool refused: ${res!.text.slice(0, 300)}`).toEqual([]);
          for (const r of sent) expect(r.path.split('/'), `a request path with "..": ${r.path}`).not.toContain('..');
          expect(Object.getOwnPropertyNames(Object.prototype)).not.toContain('polluted');
          expect(({} as Record<string, unknown>).polluted).toBeUndefined();
        }),
        { seed: SEED + index, numRuns: RUNS_PER_TOOL, endOnFailure: true },
      );
      // The server still answers normally afterwards.
      expect((await host.call('list_tenants', {})).isError).toBe(false);
    });
  }
});

describe('fuzzing figures', () => {
  it('no unhandled rejection, and the figures are the ones in docs/reliability.md', () => {
    expect(unhandled).toEqual([]);
    expect(Object.keys(figures).sort()).toEqual(tools.map((t) => t.name).sort());
    const rows = tools.map((t) => {
      const f = figures[t.name]!;
      return [t.name, f.tried, f.protocol + f.schema, f.tool, f.ok];
    });
    const sum = (i: number) => rows.reduce((n, r) => n + (r[i] as number), 0);
    const markdown = [
      `fast-check, seeds ${SEED}..${SEED + tools.length - 1} (one per tool, in catalogue order), ${RUNS_PER_TOOL} runs per tool.`,
      '',
      table(['tool', 'inputs tried', 'refused by the schema (0 requests sent)', 'refused by the tool (0 writes sent)', 'accepted'], rows),
      '',
      `${sum(1)} inputs over ${rows.length} tools: ${sum(2)} refused by the schema, ${sum(3)} by the tool, ${sum(4)} accepted; ` +
        '0 crashes or unexpected errors, 0 unhandled rejections, 0 requests for refused input, 0 writes for input the tool refused, 0 paths with "..".',
    ].join('\n');
    recordFigures('fuzz', { seed: SEED, runsPerTool: RUNS_PER_TOOL, tools: figures }, markdown);
  });
});
