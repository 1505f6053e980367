/**
 * Every tool as a client sees it (`tools/list` through the in-memory harness), snapshotted so a schema,
 * description or annotation change is a reviewed change; docs/tools.md regenerated in memory and
 * compared; and the conventions a model relies on checked on every tool.
 *
 * After an intended change: `npx vitest run test/tools/tools-schema.test.ts -u` refreshes the snapshot, and
 * `npm run docs:tools` regenerates docs/tools.md.
 */
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Tool } from '@modelcontextprotocol/client';
import { startHarness, type Harness } from '../helpers/harness.js';
import { allTools } from '../../src/tools/catalog.js';
import { allResources } from '../../src/resources/catalog.js';
import { allPrompts } from '../../src/prompts/catalog.js';
import { toolsDocFromClient } from '../../scripts/tools-doc.mjs';

const DOC = fileURLToPath(new URL('../../docs/tools.md', import.meta.url));

let h: Harness;
let tools: Tool[];
beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }]);
  tools = (await h.client.listTools()).tools;
});
afterAll(async () => h?.close());

describe('tool schemas', () => {
  it('lists every tool of the catalogue', () => {
    expect(tools.map((t) => t.name)).toEqual(allTools().map((t) => t.name));
  });

  it('match the committed snapshot (refresh with vitest -u after a reviewed change)', async () => {
    const snapshot = tools.map((t) => ({
      name: t.name,
      title: t.title,
      description: t.description,
      annotations: t.annotations,
      inputSchema: t.inputSchema,
      outputSchema: t.outputSchema,
    }));
    await expect(`${JSON.stringify(snapshot, null, 2)}\n`).toMatchFileSnapshot('./__snapshots__/tools-schema.json');
  });

  it('docs/tools.md is up to date (regenerate with npm run docs:tools)', async () => {
    const fresh = await toolsDocFromClient(h.client as never, { resources: allResources(), prompts: allPrompts() });
    const committed = await readFile(DOC, 'utf8').catch(() => '');
    expect(committed === fresh, 'docs/tools.md is stale: run `npm run docs:tools` and commit the result').toBe(true);
  });
});

describe('what a model needs from each tool', () => {
  it('a title, and a description that says when to use it, what it returns and an example call', () => {
    const problems = tools.flatMap((t) => {
      const d = t.description ?? '';
      return [
        !t.title && `${t.name}: no title`,
        t.annotations?.title !== t.title && `${t.name}: annotations.title differs from the title`,
        d.length < 200 && `${t.name}: description under 200 characters`,
        !/\buse (it|this tool|them)\b|\bcall it\b/i.test(d) && `${t.name}: does not say when to use it ("Use it when/before/to ...")`,
        !/\breturns?\b/i.test(d) && `${t.name}: does not say what it returns ("Returns ...")`,
        !new RegExp(`Example: ${t.name} \\{`).test(d) && `${t.name}: no example call ("Example: ${t.name} {...}")`,
      ].filter((p): p is string => typeof p === 'string');
    });
    expect(problems).toEqual([]);
  });

  it('a description on every argument (shared ones under $defs)', () => {
    for (const t of tools) {
      const defs = ((t.inputSchema as { $defs?: Record<string, { description?: string }> }).$defs ?? {});
      for (const [name, schema] of Object.entries(t.inputSchema.properties ?? {})) {
        const s = schema as { description?: string; $ref?: string };
        const description = s.description ?? (s.$ref ? defs[s.$ref.replace('#/$defs/', '')]?.description : undefined);
        expect(description, `${t.name}.${name}`).toBeTruthy();
      }
    }
  });

  it('what every conversation pays stays small: 1.5 KB per tool on average, 4 KB for the largest (description + input schema)', () => {
    const sizes = tools.map((t) => Buffer.byteLength(t.description ?? '') + Buffer.byteLength(JSON.stringify(t.inputSchema)));
    expect(sizes.reduce((a, b) => a + b, 0) / sizes.length).toBeLessThanOrEqual(1.5 * 1024);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(4 * 1024);
  });

  it('every annotation hint set, and consistent with what the tool does', () => {
    const kinds = new Map(allTools().map((t) => [t.name, t.kind]));
    for (const t of tools) {
      const a = t.annotations!;
      for (const hint of ['readOnlyHint', 'destructiveHint', 'idempotentHint', 'openWorldHint'] as const) {
        expect(typeof a[hint], `${t.name}.${hint}`).toBe('boolean');
      }
      const kind = kinds.get(t.name);
      expect(a.readOnlyHint, t.name).toBe(kind === 'read');
      if (kind === 'read') expect([a.destructiveHint, a.idempotentHint], t.name).toEqual([false, true]);
      if (kind === 'destructive') expect(a.destructiveHint, t.name).toBe(true);
      // Every tool works on the configured tenants only: a closed world.
      expect(a.openWorldHint, t.name).toBe(false);
    }
  });

  it('a plan-first tool says how to confirm, and every write tool offers a dry run or a plan', () => {
    for (const t of tools.filter((x) => !x.annotations?.readOnlyHint)) {
      const props = Object.keys(t.inputSchema.properties ?? {});
      expect(props.includes('dryRun') || props.includes('confirm'), t.name).toBe(true);
      if (props.includes('confirm')) expect(t.description, t.name).toMatch(/confirm/);
    }
  });
});
