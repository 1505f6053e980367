/**
 * The sample table covers the catalogue: every tool the server offers has valid sample arguments, so
 * the fault, fuzz, lockout and canary suites cover it automatically; a new tool without an entry fails here.
 */
import { z } from 'zod';
import { describe, expect, it } from 'vitest';
import { allTools } from '../../src/tools/catalog.js';
import { SAMPLES } from './samples.js';

describe('sample arguments', () => {
  it('every catalogued tool has sample arguments, and no sample names a tool that is gone', () => {
    const names = allTools().map((t) => t.name);
    expect(names.filter((n) => !SAMPLES[n]), 'add these tools to test/reliability/samples.ts').toEqual([]);
    expect(Object.keys(SAMPLES).filter((n) => !names.includes(n))).toEqual([]);
  });

  it("each sample's plain arguments pass the tool's own input schema, with a tenant", () => {
    for (const tool of allTools()) {
      const schema = tool.looseInput ? z.looseObject(tool.input) : z.strictObject(tool.input);
      const args = tool.tenantScoped ? { tenant: 'acme', ...SAMPLES[tool.name]!.base } : SAMPLES[tool.name]!.base;
      const parsed = schema.safeParse(args);
      expect(parsed.success, `${tool.name}: ${parsed.success ? '' : parsed.error.message}`).toBe(true);
      // rotate_credentials' sample plans only: the suites' tenants keep their secrets in env: references,
      // which a rotation refuses (the rotation itself is tested in test/tools/rotate_credentials.test.ts).
      const plansOnly = tool.name === 'rotate_credentials';
      expect(SAMPLES[tool.name]!.writes, `${tool.name}: "writes" must follow the tool's kind`).toBe(tool.kind !== 'read' && !plansOnly);
    }
  });
});
