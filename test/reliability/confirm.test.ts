/**
 * Confirm tokens through the MCP tools that need them (delete_custom_field, reset_layout, undo_change
 * of a field creation, merge_duplicates): a token that was tampered with, expired, replayed, used on
 * another tenant, with other arguments or by another tool, or planned on a state that has changed since,
 * is refused with a clear reason, and nothing is written.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startHarness, writesIn, type CallResult, type Harness } from '../helpers/harness.js';
import { uniqueName } from './samples.js';
import { recordFigures, table } from './figures.js';

const REASON = {
  tampered: /not one this server issued \(or it was altered/,
  malformed: /the confirm token is malformed/,
  expired: /the confirm token has expired/,
  replayed: /this confirm token was already used/,
  tenant: /issued for another tenant/,
  tool: /issued for another tool/,
  arguments: /the arguments differ from the ones the plan was made with/,
  state: /the CRM changed since the plan was made/,
} as const;
type Case = keyof typeof REASON;

let h: Harness;
const tried: Record<string, Case[]> = {};

beforeAll(async () => {
  h = await startHarness([
    { id: 'one', sandbox: { leads: 6, contacts: 2, accounts: 2 } },
    { id: 'two', sandbox: { leads: 6, contacts: 2, accounts: 2 } },
  ]);
});
afterAll(async () => {
  await h?.close();
});

async function ok(tool: string, args: Record<string, unknown>): Promise<Record<string, unknown>> {
  const res = await h.call(tool, args);
  expect(res.isError, `${tool}: ${res.text.slice(0, 400)}`).toBe(false);
  return res.structured;
}

/** Applies with a bad token: refused for `why`, and no write reached any CRM. */
async function refused(tool: string, why: Case, args: Record<string, unknown>, reason: RegExp = REASON[why]): Promise<CallResult> {
  const from = Object.fromEntries(Object.entries(h.sandboxes).map(([id, sb]) => [id, sb.requests.length]));
  const res = await h.call(tool, args);
  expect(res.isError, `${tool} (${why}) was not refused: ${res.text.slice(0, 300)}`).toBe(true);
  expect(res.text).toMatch(reason);
  for (const [id, sb] of Object.entries(h.sandboxes)) expect(writesIn(sb.requests.slice(from[id])), `${tool} (${why}) wrote to ${id}`).toEqual([]);
  (tried[tool] ??= []).push(why);
  return res;
}

/** The signature's last character changed; and the payload changed under the same signature. */
function tamper(token: string): { signature: string; payload: string } {
  const [body, sig] = token.split('.') as [string, string];
  const flip = (c: string) => (c === 'A' ? 'B' : 'A');
  const payload = JSON.parse(Buffer.from(body, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = Buffer.from(JSON.stringify({ ...payload, exp: Number(payload.exp) + 86_400_000 })).toString('base64url');
  return { signature: `${body}.${sig.slice(0, -1)}${flip(sig.at(-1)!)}`, payload: `${forged}.${sig}` };
}

async function expire(fn: () => Promise<unknown>): Promise<void> {
  h.clock.offsetMs = 11 * 60_000;
  try {
    await fn();
  } finally {
    h.clock.offsetMs = 0;
  }
}

async function newField(tenant: string, name: string, layouts: string[] = ['list']): Promise<string> {
  const created = await ok('create_custom_field', { tenant, entity: 'Lead', name, type: 'varchar', label: `Conf ${name}`, addToLayouts: layouts });
  return created.field as string;
}

describe('confirm tokens through the tools', () => {
  it('delete_custom_field', async () => {
    const name = uniqueName('conf');
    const field = await newField('one', name);
    await newField('two', name);
    const other = await newField('one', uniqueName('conf'));
    const args = { tenant: 'one', entity: 'Lead', name: field };
    const token = (await ok('delete_custom_field', args)).confirmToken as string;

    const t = tamper(token);
    await refused('delete_custom_field', 'tampered', { ...args, confirm: t.signature });
    await refused('delete_custom_field', 'tampered', { ...args, confirm: t.payload });
    await refused('delete_custom_field', 'malformed', { ...args, confirm: 'not-a-token' });
    await expire(() => refused('delete_custom_field', 'expired', { ...args, confirm: token }));
    await refused('delete_custom_field', 'tenant', { ...args, tenant: 'two', confirm: token });
    await refused('delete_custom_field', 'arguments', { ...args, name: other, confirm: token });
    const resetToken = (await ok('reset_layout', { tenant: 'one', entity: 'Lead', layout: 'detail' })).confirmToken as string;
    await refused('delete_custom_field', 'tool', { ...args, confirm: resetToken });

    // The state changed after the plan (the field's definition): refused.
    await ok('update_custom_field', { tenant: 'one', entity: 'Lead', name: field, maxLength: 77 });
    await refused('delete_custom_field', 'state', { ...args, confirm: token });

    // Replayed: the field is deleted, then re-created exactly as planned (same definition and layouts); the spent token is refused.
    const fresh = (await ok('delete_custom_field', args)).confirmToken as string;
    expect((await ok('delete_custom_field', { ...args, confirm: fresh })).status).toBe('deleted');
    await ok('create_custom_field', { tenant: 'one', entity: 'Lead', name, type: 'varchar', label: `Conf ${name}`, maxLength: 77, addToLayouts: ['list'] });
    const replan = await ok('delete_custom_field', args);
    expect(replan.status).toBe('planned');
    await refused('delete_custom_field', 'replayed', { ...args, confirm: fresh });
  });

  it('reset_layout', async () => {
    const args = { tenant: 'one', entity: 'Lead', layout: 'detail' };
    await ok('edit_layout', { tenant: 'one', entity: 'Lead', layout: 'detail', operations: [{ op: 'add_panel', label: 'Confirm tests' }] });
    const token = (await ok('reset_layout', args)).confirmToken as string;
    const t = tamper(token);
    await refused('reset_layout', 'tampered', { ...args, confirm: t.signature });
    await refused('reset_layout', 'tampered', { ...args, confirm: t.payload });
    await expire(() => refused('reset_layout', 'expired', { ...args, confirm: token }));
    await refused('reset_layout', 'tenant', { ...args, tenant: 'two', confirm: token });
    await refused('reset_layout', 'arguments', { ...args, layout: 'list', confirm: token });

    // The layout changed after the plan: refused; a new plan on it, applied, then replayed: refused.
    await ok('edit_layout', { tenant: 'one', entity: 'Lead', layout: 'detail', operations: [{ op: 'rename_panel', panel: 'Confirm tests', label: 'Confirm tests 2' }] });
    await refused('reset_layout', 'state', { ...args, confirm: token });
    const fresh = (await ok('reset_layout', args)).confirmToken as string;
    expect((await ok('reset_layout', { ...args, confirm: fresh })).outcome).toBe('applied');
    await refused('reset_layout', 'replayed', { ...args, confirm: fresh });
  });

  it('undo_change (of a field creation, which deletes the field)', async () => {
    const created = await ok('create_custom_field', { tenant: 'one', entity: 'Lead', name: uniqueName('undo'), type: 'varchar', label: 'Undo me', addToLayouts: ['list'] });
    const other = await ok('create_custom_field', { tenant: 'one', entity: 'Lead', name: uniqueName('undo'), type: 'varchar', label: 'Undo me too' });
    const args = { tenant: 'one', changeId: created.changeId };
    const plan = await ok('undo_change', args);
    expect(plan.outcome).toBe('planned');
    const token = plan.confirmToken as string;
    const t = tamper(token);
    await refused('undo_change', 'tampered', { ...args, confirm: t.signature });
    await refused('undo_change', 'tampered', { ...args, confirm: t.payload });
    await expire(() => refused('undo_change', 'expired', { ...args, confirm: token }));
    await refused('undo_change', 'arguments', { ...args, changeId: other.changeId, confirm: token });
    // On another tenant the change itself is unknown, which refuses the call before the token is looked at.
    await refused('undo_change', 'tenant', { ...args, tenant: 'two', confirm: token }, /No change "chg_[^"]+" on tenant "two"/);

    // The list layout changed after the plan (the undo would now edit a different layout): refused.
    await ok('edit_layout', { tenant: 'one', entity: 'Lead', layout: 'list', operations: [{ op: 'remove_field', field: 'createdAt' }] });
    await refused('undo_change', 'state', { ...args, confirm: token });
    const fresh = (await ok('undo_change', args)).confirmToken as string;
    expect((await ok('undo_change', { ...args, confirm: fresh })).outcome).toBe('applied');
    // Replayed: the change is undone; the same call is refused before any write.
    await refused('undo_change', 'replayed', { ...args, confirm: fresh }, /was already undone/);
  });

  it('merge_duplicates', async () => {
    const records = h.sandboxes.one!.state.records;
    const last = uniqueName('Conf');
    const make = (email: string) => records.create('Lead', { firstName: 'Ana', lastName: last, emailAddress: email }, { skipDuplicateCheck: true }).id as string;
    const keepId = make(`${last.toLowerCase()}@example.com`);
    const mergeId = make(`${last.toLowerCase()}@example.org`);
    const thirdId = make(`${last.toLowerCase()}@example.net`);
    const args = { tenant: 'one', entity: 'Lead', keepId, mergeIds: [mergeId] };
    const token = (await ok('merge_duplicates', args)).confirmToken as string;
    const t = tamper(token);
    await refused('merge_duplicates', 'tampered', { ...args, confirm: t.signature });
    await refused('merge_duplicates', 'tampered', { ...args, confirm: t.payload });
    await expire(() => refused('merge_duplicates', 'expired', { ...args, confirm: token }));
    await refused('merge_duplicates', 'arguments', { ...args, mergeIds: [thirdId], confirm: token });
    // On another tenant the records do not exist, which refuses the call before the token is looked at.
    await refused('merge_duplicates', 'tenant', { ...args, tenant: 'two', confirm: token }, /does not exist/);

    // A value the plan read changed after the plan: refused; a new plan applied, then replayed.
    records.update('Lead', mergeId, { emailAddress: `${last.toLowerCase()}@changed.example` });
    await refused('merge_duplicates', 'state', { ...args, confirm: token });
    const fresh = (await ok('merge_duplicates', args)).confirmToken as string;
    expect((await ok('merge_duplicates', { ...args, confirm: fresh })).status).toBe('merged');
    await refused('merge_duplicates', 'replayed', { ...args, confirm: fresh }, /is deleted|already used/);
  });

  it('records the figures', () => {
    const rows = Object.entries(tried).map(([tool, cases]) => [tool, cases.length, [...new Set(cases)].join(', ')]);
    const markdown = [
      table(['tool', 'bad tokens tried (all refused, 0 writes)', 'reasons'], rows),
      '',
      'Each refusal names its reason: altered (signature), malformed, expired, already used, another tenant, another tool, other arguments, or a state changed since the plan.',
    ].join('\n');
    expect(rows.length).toBe(4);
    recordFigures('confirm', { tried }, markdown);
  });
});
