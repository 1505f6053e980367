import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';

/** Misspelt argument names are errors, never silently dropped. */
let h: Harness;
beforeAll(async () => {
  h = await startHarness([{ id: 'acme' }]);
});
afterAll(async () => h?.close());

describe('unknown argument names', () => {
  it('create_custom_field reports a misspelt parameter with the right name, and writes nothing', async () => {
    const before = h.sandboxes.acme!.requests.filter((r) => r.method !== 'GET').length;
    const r = await h.call('create_custom_field', { entity: 'Lead', name: 'note', type: 'varchar', maxlength: 10 });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('maxLength');
    expect(h.sandboxes.acme!.requests.filter((r) => r.method !== 'GET').length).toBe(before);
  });

  it('other tools refuse an unknown argument and name it', async () => {
    const r = await h.call('get_layout', { entity: 'Lead', layout: 'detail', layotu: 'list' });
    expect(r.isError).toBe(true);
    expect(r.text).toContain('layotu');
    const ok = await h.call('get_layout', { entity: 'Lead', layout: 'detail' });
    expect(ok.isError, ok.text).toBe(false);
  });
});
