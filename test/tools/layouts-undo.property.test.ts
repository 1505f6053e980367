import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { startHarness, type Harness } from '../helpers/harness.js';

/**
 * Through the MCP tools: random sequences of edit_layout operations keep every saved layout valid
 * (get_layout reports no error), and undo_change applied in reverse order restores the original layout
 * byte for byte.
 */
let h: Harness;
beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }]);
});
afterAll(async () => h?.close());

const candidates: Record<string, Array<Record<string, unknown>>> = {
  detail: [
    { op: 'add_field', field: 'website', panel: 0 },
    { op: 'add_field', field: 'doNotCall', panel: 1, fullWidth: true },
    { op: 'remove_field', field: 'title' },
    { op: 'move_field', field: 'status', panel: 0 },
    { op: 'add_panel', label: 'Qualification', style: 'info', fields: ['campaign'] },
    { op: 'rename_panel', panel: 0, label: 'Vue générale' },
    { op: 'move_panel', panel: 1, index: 0 },
  ],
  list: [
    { op: 'add_field', field: 'website', width: 12 },
    { op: 'remove_field', field: 'assignedUser' },
    { op: 'move_field', field: 'createdAt', after: 'name' },
    { op: 'set_width', field: 'status', width: 11 },
  ],
  filters: [
    { op: 'add_field', field: 'source' },
    { op: 'remove_field', field: 'teams' },
    { op: 'move_field', field: 'createdAt', before: 'assignedUser' },
  ],
  massUpdate: [
    { op: 'add_field', field: 'source' },
    { op: 'remove_field', field: 'teams' },
  ],
};

async function layoutText(entity: string, layout: string): Promise<string> {
  const r = await h.call('get_layout', { entity, layout });
  expect(r.isError, r.text).toBe(false);
  const issues = (r.structured.issues as Array<{ severity: string; message: string }>).filter((i) => i.severity === 'error');
  expect(issues, JSON.stringify(issues)).toEqual([]);
  return JSON.stringify(r.structured.layoutJson);
}

describe('edit_layout then undo_change in reverse', () => {
  it('keeps layouts valid and restores the original byte for byte', async () => {
    let saves = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(candidates)),
        fc.array(fc.nat(), { minLength: 1, maxLength: 5 }),
        async (layout, picks) => {
          const original = await layoutText('Lead', layout);
          const changeIds: string[] = [];
          for (const p of picks) {
            const pool = candidates[layout]!;
            const op = pool[p % pool.length]!;
            const r = await h.call('edit_layout', { entity: 'Lead', layout, operations: [op] });
            // an operation may not apply to the current state (already removed, ...): refused, nothing saved
            if (!r.isError && r.structured.changeId) {
              changeIds.push(r.structured.changeId as string);
              saves++;
            }
            await layoutText('Lead', layout);
          }
          for (const id of changeIds.reverse()) {
            const u = await h.call('undo_change', { changeId: id });
            expect(u.isError, u.text).toBe(false);
          }
          expect(await layoutText('Lead', layout)).toBe(original);
        },
      ),
      { numRuns: 25, seed: 20261128 },
    );
    expect(saves).toBeGreaterThan(10);
  });
});
