/**
 * merge_duplicates through the MCP client against the sandbox: the plan (field by field, not
 * undoable, nothing written), the confirmed merge (sources gone, target holds the planned values, an
 * audit line without a change record), and tokens refused when stale, tampered with or reused, with
 * no POST Action sent.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, type Harness } from '../helpers/harness.js';
import type { Sandbox } from '../../src/sandbox/index.js';

type Choice = { field: string; value: unknown; from: string; alternatives: Array<{ from: string; value: unknown }> };

const WRITE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const writes = (sb: Sandbox, since: number) => sb.requests.slice(since).filter((r) => WRITE.has(r.method)).map((r) => `${r.method} ${r.path}`);

let seq = 0;

/** Two leads of the same person, created through the sandbox's HTTP API: the first without a city or a title, the second with them. */
async function pair(h: Harness): Promise<{ keep: string; other: string; sb: Sandbox }> {
  const sb = h.sandboxes.acme!;
  seq++;
  const email = `jeanne.martin${seq}@exemple-dupl.fr`;
  const post = async (body: Record<string, unknown>) => {
    const auth = Buffer.from(`${sb.credentials.admin.username}:${sb.credentials.admin.password}`).toString('base64');
    const res = await fetch(`${sb.apiUrl}/Lead`, { method: 'POST', headers: { 'Espo-Authorization': auth, 'Content-Type': 'application/json', 'X-Skip-Duplicate-Check': 'true' }, body: JSON.stringify(body) });
    expect(res.status).toBe(200);
    return ((await res.json()) as { id: string }).id;
  };
  const keep = await post({ firstName: 'Jeanne', lastName: `Martin${seq}`, emailAddress: email, phoneNumber: '+33612345678', accountName: 'Transports Martin' });
  const other = await post({ firstName: 'Jeanne', lastName: `MARTIN${seq}`, emailAddress: email.toUpperCase(), phoneNumber: '+33687654321', addressCity: 'Lyon', title: 'Gérante' });
  return { keep, other, sb };
}

describe('merge_duplicates', () => {
  let h: Harness;
  beforeAll(async () => {
    h = await startHarness([{ id: 'acme', sandbox: { leads: 50, seed: 42 } }]);
  });
  afterAll(async () => h?.close());

  it('plans, then merges with the token: the source is gone, the kept record holds the planned values, one audit line', async () => {
    const { keep, other, sb } = await pair(h);
    const mark = sb.requests.length;
    const plan = await h.call('merge_duplicates', { tenant: 'acme', entity: 'lead', keepId: keep, mergeIds: [other] });
    expect(plan.isError, plan.text).toBe(false);
    const p = plan.structured;
    expect(p).toMatchObject({ status: 'planned', entity: 'Lead', undoable: false, keep: { id: keep }, merge: [{ id: other }] });
    const fields = p.fields as Choice[];
    // The kept record's value wins; an empty one is filled from the other record.
    expect(fields.find((f) => f.field === 'lastName')).toMatchObject({ value: `Martin${seq}`, from: keep, alternatives: [{ from: other, value: `MARTIN${seq}` }] });
    expect(fields.find((f) => f.field === 'addressCity')).toMatchObject({ value: 'Lyon', from: other });
    expect(fields.find((f) => f.field === 'accountName')).toMatchObject({ value: 'Transports Martin', from: keep });
    expect(fields.some((f) => f.field === 'title')).toBe(false); // not a default field
    expect(p.combinedAddresses).toEqual(expect.arrayContaining(['+33612345678', '+33687654321']));
    expect(plan.text).toMatch(/PLAN \(nothing merged yet\)/);
    expect(plan.text).toMatch(/A merge CANNOT be undone/);
    expect(plan.text).toMatch(/<untrusted-data-[0-9a-f]{16}>\nkept: +{"id":/);
    expect(writes(sb, mark)).toEqual([]);

    const applyMark = sb.requests.length;
    const done = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], confirm: p.confirmToken });
    expect(done.isError, done.text).toBe(false);
    expect(done.structured).toMatchObject({ status: 'merged', problems: [], verification: { sourcesGone: [{ id: other, gone: true }], mismatches: [] } });
    expect(writes(sb, applyMark)).toEqual(['POST Action']);
    const target = sb.state.records.read('Lead', keep, { isAdmin: true });
    expect(target).toMatchObject({ addressCity: 'Lyon', lastName: `Martin${seq}`, deleted: false });
    expect((target.phoneNumberData as Array<{ phoneNumber: string }>).map((x) => x.phoneNumber).sort()).toEqual(['+33612345678', '+33687654321']);
    expect(sb.state.records.read('Lead', other, { isAdmin: true }).deleted).toBe(true);

    const lines = (await h.audit.read()).filter((e) => e.tool === 'merge_duplicates');
    expect(lines.map((e) => e.outcome).slice(-2)).toEqual(['planned', 'applied']);
    const applied = lines.at(-1)!;
    expect(applied.summary).toMatch(/not undoable/);
    expect(applied.change).toBeUndefined();
    expect(applied.changeId).toBeUndefined();
  });

  it('refuses a stale token (a record changed after the plan) without sending the merge', async () => {
    const { keep, other, sb } = await pair(h);
    const plan = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other] });
    expect(plan.isError, plan.text).toBe(false);
    sb.state.records.update('Lead', other, { addressCity: 'Marseille' });
    const mark = sb.requests.length;
    const res = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], confirm: plan.structured.confirmToken });
    expect(res.isError).toBe(true);
    expect(res.text).toMatch(/Not merged: the CRM changed since the plan was made/);
    expect(writes(sb, mark)).toEqual([]);
    expect(sb.state.records.read('Lead', other, { isAdmin: true }).deleted).toBe(false);
    expect((await h.audit.read()).at(-1)).toMatchObject({ tool: 'merge_duplicates', outcome: 'refused' });
  });

  it('refuses a tampered token, a token for other arguments and a reused one, without sending the merge', async () => {
    const { keep, other, sb } = await pair(h);
    const third = await pair(h);
    const plan = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other] });
    const token = String(plan.structured.confirmToken);
    const [body, sig] = token.split('.') as [string, string];
    const tampered = `${body}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
    const mark = sb.requests.length;
    const t = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], confirm: tampered });
    expect(t.isError).toBe(true);
    expect(t.text).toMatch(/not one this server issued \(or it was altered/);
    const wrongArgs = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: third.keep, mergeIds: [third.other], confirm: token });
    expect(wrongArgs.text).toMatch(/arguments differ/);
    expect(writes(sb, mark)).toEqual([]);

    const ok = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], confirm: token });
    expect(ok.isError, ok.text).toBe(false);
    const reuseMark = sb.requests.length;
    const reused = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], confirm: token });
    expect(reused.isError).toBe(true);
    expect(writes(sb, reuseMark)).toEqual([]);
  });

  it('refuses bad ids before writing anything', async () => {
    const { keep, other, sb } = await pair(h);
    const mark = sb.requests.length;
    const self = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [keep] });
    expect(self.text).toMatch(/must not include "keepId"/);
    const twice = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other, other] });
    expect(twice.text).toMatch(/lists a record twice/);
    const missing = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: ['0000000000000nope'] });
    expect(missing.isError).toBe(true);
    expect(missing.text).toMatch(/Lead 0000000000000nope does not exist/);
    const field = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], fields: ['titel'] });
    expect(field.text).toMatch(/Unknown field "titel" on Lead\. Did you mean "title"\?/);
    const tooMany = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: Array.from({ length: 11 }, (_, i) => `id${i}`) });
    expect(tooMany.isError).toBe(true);
    expect(writes(sb, mark)).toEqual([]);
  });

  it('a merged record cannot be merged again, and chosen fields are merged as planned', async () => {
    const { keep, other } = await pair(h);
    const plan = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], fields: ['title', 'address'] });
    expect(plan.isError, plan.text).toBe(false);
    expect((plan.structured.fields as Choice[]).map((f) => f.field).sort()).toEqual(['addressCity', 'title']);
    const done = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other], fields: ['title', 'address'], confirm: plan.structured.confirmToken });
    expect(done.isError, done.text).toBe(false);
    expect(h.sandboxes.acme!.state.records.read('Lead', keep, { isAdmin: true })).toMatchObject({ title: 'Gérante', addressCity: 'Lyon' });
    const again = await h.call('merge_duplicates', { tenant: 'acme', entity: 'Lead', keepId: keep, mergeIds: [other] });
    expect(again.isError).toBe(true);
    expect(again.text).toMatch(/is deleted \(a record merged earlier is deleted\)/);
  });
});
