import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ToolContext } from './define.js';
import { confirmArg, dryRunArg, tenantArg } from './args.js';
import { attributesOfField, crmJson, loadEntity, mapLimit, recordAuth, tenantConcurrency, type EntityInfo } from '../reads/recordScan.js';
import { mayStillComplete } from '../espo/outcome.js';
import { WriteFailure } from '../pipeline/failure.js';
import { planMerge, type DedupeRecord, type MergePlan } from '../core/dedupe/index.js';
import { canonicalJson, fingerprint } from '../core/confirm.js';
import { didYouMean } from '../core/fieldSpec/suggest.js';
import { records } from '../espo/api/index.js';
import { EspoNotFoundError } from '../espo/errors.js';
import { describeError, ToolError } from '../errors.js';
import { fenceUntrusted } from '../core/fence.js';

const TOOL = 'merge_duplicates';
const MAX_SOURCES = 10;

const recordId = z.string().min(1).max(64).regex(/^[A-Za-z0-9_-]+$/, 'a record id (letters, digits, "-" and "_")');

// ---------------------------------------------------------------------------------------------
// Which attributes the plan considers

/** Default: the name, email, phone, address, account and website fields, and every custom field. */
function defaultFields(info: EntityInfo): string[] {
  const out: string[] = [];
  for (const [name, def] of Object.entries(info.fields)) {
    const standard =
      name === 'name' || name === 'website' || name === 'account' || name === 'accountName' ||
      def.type === 'email' || def.type === 'phone' || def.type === 'address';
    if (standard || (def.isCustom === true && def.readOnly !== true)) out.push(name);
  }
  return out;
}

/** The record attributes behind the fields considered (field names or attribute names), or a clear error. */
function consideredAttributes(info: EntityInfo, requested: readonly string[] | undefined): string[] {
  const byAttribute = new Map<string, string>();
  for (const [name, def] of Object.entries(info.fields)) for (const a of attributesOfField(name, def, info.fields)) byAttribute.set(a, name);
  const out = new Set<string>();
  for (const name of requested ?? defaultFields(info)) {
    const def = info.fields[name];
    if (def) {
      const attrs = attributesOfField(name, def, info.fields);
      if (attrs.length === 0 && requested) {
        throw new ToolError(`"${name}" (${def.type}) holds no value of its own on ${info.name}: EspoCRM moves related records to the kept one by itself. Leave it out of "fields".`, 'invalid_field');
      }
      attrs.forEach((a) => out.add(a));
    } else if (byAttribute.has(name)) {
      out.add(name);
    } else {
      throw new ToolError(`Unknown field "${name}" on ${info.name}.${didYouMean(name, [...Object.keys(info.fields), ...byAttribute.keys()])} Use field names as describe_entity lists them.`, 'unknown_field');
    }
  }
  return [...out];
}

// ---------------------------------------------------------------------------------------------
// Records and their state

async function readAll(ctx: ToolContext, entity: string, ids: readonly string[]): Promise<DedupeRecord[]> {
  const client = ctx.tenant.client();
  const auth = recordAuth(ctx.tenant);
  return mapLimit(ids, tenantConcurrency(ctx.tenant), ctx.signal, async (id, _i, signal) => {
    let r: Record<string, unknown>;
    try {
      r = await records.read(client, entity, id, { auth, signal });
    } catch (err) {
      if (err instanceof EspoNotFoundError) throw new ToolError(`${entity} ${id} does not exist (or is not readable): check the id (find_duplicates lists them).`, 'not_found');
      throw err;
    }
    // Admins read soft-deleted records too (docs/espocrm.md, "Record reads and writes"): a merged source is one of them.
    if (r.deleted === true) throw new ToolError(`${entity} ${id} is deleted (a record merged earlier is deleted): plan again without it.`, 'record_deleted');
    return r as DedupeRecord;
  });
}

/** What the confirm token is bound to: each record's version and the values the plan read. */
function stateOf(recs: readonly DedupeRecord[], attributes: readonly string[]): string {
  return fingerprint({
    attributes,
    records: recs.map((r) => ({
      id: r.id,
      modifiedAt: r.modifiedAt ?? null,
      versionNumber: r.versionNumber ?? null,
      values: attributes.map((a) => r[a] ?? null),
      emails: r.emailAddressData ?? null,
      phones: r.phoneNumberData ?? null,
    })),
  });
}

function addressesOf(r: DedupeRecord, kind: 'emailAddress' | 'phoneNumber'): string[] {
  const out = new Set<string>();
  const one = r[kind];
  if (typeof one === 'string' && one.trim()) out.add(one.trim());
  const data = r[`${kind}Data`];
  if (Array.isArray(data)) {
    for (const d of data) {
      const v = (d as Record<string, unknown> | null)?.[kind];
      if (typeof v === 'string' && v.trim()) out.add(v.trim());
    }
  }
  return [...out];
}

function viewOf(r: DedupeRecord) {
  const s = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);
  return {
    id: r.id,
    name: s(r.name) ?? ([s(r.firstName), s(r.lastName)].filter(Boolean).join(' ') || null),
    emailAddresses: addressesOf(r, 'emailAddress'),
    phoneNumbers: addressesOf(r, 'phoneNumber'),
    createdAt: s(r.createdAt),
    modifiedAt: s(r.modifiedAt),
  };
}

// ---------------------------------------------------------------------------------------------
// After the merge

const digits = (v: unknown): string => String(v ?? '').replace(/[^\d+]/g, '');

/** Whether the target holds the planned value (EspoCRM may store an address in its own format or as a secondary one). */
function holds(target: Record<string, unknown>, attribute: string, planned: unknown): boolean {
  const actual = target[attribute];
  if (attribute === 'emailAddress' || attribute === 'phoneNumber') {
    const norm = attribute === 'emailAddress' ? (v: unknown) => String(v ?? '').trim().toLowerCase() : digits;
    return addressesOf(target as DedupeRecord, attribute).some((a) => norm(a) === norm(planned)) || norm(actual) === norm(planned);
  }
  if (actual === planned || canonicalJson(actual) === canonicalJson(planned)) return true;
  // Numbers may come back as strings (decimal columns) and the reverse.
  return (typeof actual === 'number' || typeof actual === 'string') && (typeof planned === 'number' || typeof planned === 'string') && Number(actual) === Number(planned);
}

interface Verification {
  sourcesGone: Array<{ id: string; gone: boolean; how: string }>;
  mismatches: Array<{ attribute: string; planned: unknown; actual: unknown }>;
}

async function check(ctx: ToolContext, entity: string, plan: MergePlan): Promise<{ verification: Verification; problems: string[] }> {
  const client = ctx.tenant.client();
  const auth = recordAuth(ctx.tenant);
  const problems: string[] = [];
  const sourcesGone = await mapLimit(plan.sourceIds, tenantConcurrency(ctx.tenant), ctx.signal, async (id, _i, signal) => {
    try {
      const r = await records.read(client, entity, id, { auth, signal });
      return r.deleted === true ? { id, gone: true, how: 'deleted (an admin read answers deleted: true)' } : { id, gone: false, how: 'still readable and not deleted' };
    } catch (err) {
      if (err instanceof EspoNotFoundError) return { id, gone: true, how: 'not found (404)' };
      return { id, gone: false, how: `could not be checked: ${describeError(err)}` };
    }
  });
  for (const s of sourcesGone) if (!s.gone) problems.push(`${entity} ${s.id} was to be merged, but it is ${s.how}.`);
  const mismatches: Verification['mismatches'] = [];
  try {
    const target = await records.read(client, entity, plan.targetId, { auth, signal: ctx.signal });
    for (const [attribute, planned] of Object.entries(plan.attributes)) {
      if (!holds(target, attribute, planned)) mismatches.push({ attribute, planned, actual: target[attribute] ?? null });
    }
  } catch (err) {
    problems.push(`The kept record ${plan.targetId} could not be read back: ${describeError(err)}.`);
  }
  if (mismatches.length) problems.push(`The kept record does not hold the planned value of: ${mismatches.map((m) => m.attribute).join(', ')} (see verification.mismatches).`);
  return { verification: { sourcesGone, mismatches }, problems };
}

// ---------------------------------------------------------------------------------------------

const RecordView = z.object({
  id: z.string(),
  name: z.string().nullable(),
  emailAddresses: z.array(z.string()),
  phoneNumbers: z.array(z.string()),
  createdAt: z.string().nullable(),
  modifiedAt: z.string().nullable(),
});

const FieldChoiceOut = z.object({
  field: z.string().describe('The attribute.'),
  value: z.unknown().describe('The value the kept record will hold.'),
  from: z.string().describe('The record the value comes from.'),
  alternatives: z.array(z.object({ from: z.string(), value: z.unknown() })).describe('Other values the records hold, which are not kept.'),
});

export const mergeDuplicates = defineWriteTool({
  name: TOOL,
  title: 'Merge duplicate records',
  description:
    "Merge duplicate records into the one kept (EspoCRM's merge). Use it on a find_duplicates cluster, only after the user " +
    'agrees. Destructive and NOT undoable: the others are deleted, their emails, phones, stream and related records move over. Two ' +
    "calls: without \"confirm\" it returns the plan (per field the value kept: the kept record's, else the first other's) and a token; " +
    'show it to the user, then the same arguments with "confirm": <token> (refused if a record changed, or after 10 minutes). ' +
    'Returns the verification. Example: merge_duplicates {"entity": "Lead", "keepId": "6a62…", "mergeIds": ["6b01…"]}.',
  kind: 'destructive',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    entity: z.string().min(1).max(100).describe('Entity type.'),
    keepId: recordId.describe('find_duplicates: keep.id.'),
    mergeIds: z.array(recordId).min(1).max(MAX_SOURCES).describe('Merged into keepId, then deleted.'),
    fields: z
      .array(z.string().min(1).max(100))
      .min(1)
      .max(200)
      .optional()
      .describe('Fields or attributes to choose values for. Default: name, email, phone, address, account, website, custom.'),
    confirm: confirmArg,
    dryRun: dryRunArg,
  },
  output: {
    tenant: z.string(),
    entity: z.string(),
    status: z.enum(['planned', 'merged']).describe('planned: nothing merged yet, confirm with the token. merged: applied (see problems).'),
    keep: RecordView.describe('The record kept (CRM data).'),
    merge: z.array(RecordView).describe('The records merged into it, which EspoCRM deletes (CRM data).'),
    fields: z.array(FieldChoiceOut).describe('Field by field, the value the kept record ends up with.'),
    attributes: z.record(z.string(), z.unknown()).describe('The attributes sent with the merge.'),
    combinedAddresses: z.array(z.string()).describe('Email addresses and phone numbers EspoCRM combines on the kept record.'),
    undoable: z.literal(false).describe('A merge cannot be undone (undo_change cannot restore merged records).'),
    confirmToken: z.string().optional().describe('Pass as "confirm" with the same arguments to merge.'),
    expiresAt: z.string().optional(),
    verification: z
      .object({
        sourcesGone: z.array(z.object({ id: z.string(), gone: z.boolean(), how: z.string() })),
        mismatches: z.array(z.object({ attribute: z.string(), planned: z.unknown(), actual: z.unknown() })),
      })
      .optional(),
    problems: z.array(z.string()),
    notes: z.array(z.string()),
  },
  annotations: annotationsFor('destructive'),
  refusal: 'Not merged',
  async plan(args, ctx) {
    const mergeIds = args.mergeIds;
    if (new Set(mergeIds).size !== mergeIds.length) throw new ToolError('"mergeIds" lists a record twice: list each record to merge once.', 'invalid_request');
    if (mergeIds.includes(args.keepId)) throw new ToolError('"mergeIds" must not include "keepId": list only the records to merge into the kept one.', 'invalid_request');
    const info = await loadEntity(ctx.tenant, args.entity, undefined, ctx.signal);
    const attributes = consideredAttributes(info, args.fields);
    const recs = await readAll(ctx, info.name, [args.keepId, ...mergeIds]);
    const plan = planMerge(recs, args.keepId, attributes);
    const byId = new Map(recs.map((r) => [r.id, r]));
    const combinedAddresses = [...new Set(recs.flatMap((r) => [...addressesOf(r, 'emailAddress'), ...addressesOf(r, 'phoneNumber')]))];
    const base = {
      tenant: ctx.tenant.id,
      entity: info.name,
      keep: viewOf(byId.get(plan.targetId)!),
      merge: plan.sourceIds.map((id) => viewOf(byId.get(id)!)),
      fields: plan.fieldChoices,
      attributes: plan.attributes,
      combinedAddresses,
      undoable: false as const,
    };
    const notes = [...info.notes, ...plan.notes];
    const summary = `${info.name} ${plan.sourceIds.join(', ')} into ${plan.targetId}`;
    const value: Merge = { entity: info.name, plan, base, notes, summary };
    return {
      action: 'write' as const,
      value,
      summary: `plan: merge ${summary}`,
      confirm: true,
      binding: { args: { entity: info.name, keepId: args.keepId, mergeIds, fields: args.fields ?? null }, state: stateOf(recs, attributes) },
      preview: (token?: { token: string; expiresAt: string }) => {
        const structured = { ...base, status: 'planned' as const, ...(token ? { confirmToken: token.token, expiresAt: token.expiresAt } : {}), problems: [], notes };
        return { structured, text: planText(structured) };
      },
    };
  },
  async apply(m, ctx) {
    const { plan } = m;
    try {
      await records.merge(ctx.writer, m.entity, plan.targetId, plan.sourceIds, plan.attributes, { auth: recordAuth(ctx.tenant), signal: ctx.signal });
      return { notes: [] };
    } catch (err) {
      if (ctx.signal.aborted) throw err;
      // The merge failed or its answer was lost: find out what happened before saying anything.
      const state = await check(ctx, m.entity, plan).catch(() => undefined);
      const gone = state?.verification.sourcesGone.filter((s) => s.gone).length ?? -1;
      if (gone !== plan.sourceIds.length) {
        const what =
          gone === 0
            ? 'Nothing was merged (checked: every record is still there).'
            : gone > 0
              ? `Only ${gone} of ${plan.sourceIds.length} records were merged (checked); see find_duplicates for the rest.`
              : 'Whether anything was merged could not be checked.';
        const later = mayStillComplete(err) ? ' EspoCRM may still finish the merge it received: check the records before planning again.' : ' Plan again (a new token) to retry.';
        throw new WriteFailure(`Merge failed: ${describeError(err)} ${what}${later}`, 'merge_failed', gone > 0 ? 'partial' : 'failed', `merge ${m.summary} failed`);
      }
      return { notes: [`EspoCRM's answer to the merge was lost (${describeError(err)}), but the merge took place: checked by reading the records back.`] };
    }
  },
  async verify(m, applied, ctx) {
    const { verification, problems } = await check(ctx, m.entity, m.plan);
    return {
      outcome: problems.length ? ('partial' as const) : ('applied' as const),
      summary: `merged ${m.summary} (not undoable)`,
      // Not undoable: no change record (merged records cannot be restored through the API).
      changes: [],
      ...(problems.length ? { error: problems.join(' ') } : {}),
      result: () => {
        const structured = { ...m.base, status: 'merged' as const, verification, problems, notes: [...m.notes, ...applied.notes] };
        return { structured, text: doneText(structured) };
      },
    };
  },
});

interface Merge {
  entity: string;
  plan: MergePlan;
  base: Omit<Out, 'problems' | 'verification' | 'confirmToken' | 'expiresAt'> & { tenant: string; attributes: Record<string, unknown>; undoable: false };
  notes: string[];
  summary: string;
}

type Out = {
  entity: string;
  keep: z.infer<typeof RecordView>;
  merge: Array<z.infer<typeof RecordView>>;
  fields: MergePlan['fieldChoices'];
  combinedAddresses: string[];
  confirmToken?: string;
  expiresAt?: string;
  verification?: Verification;
  problems: string[];
};

function planText(s: Out): string {
  const data = [
    `kept:   ${crmJson(s.keep)}`,
    ...s.merge.map((m) => `merged: ${crmJson(m)}`),
    'field by field (value kept, from which record; values not kept):',
    ...s.fields.map((f) => `  ${f.field}: ${crmJson(f.value)} from ${f.from}${f.alternatives.length ? `; not kept: ${crmJson(f.alternatives)}` : ''}`),
    ...(s.combinedAddresses.length ? [`combined on the kept record: ${crmJson(s.combinedAddresses)}`] : []),
  ];
  const lines = [
    `PLAN (nothing merged yet): merge ${s.merge.length} ${s.entity} record(s) into ${s.keep.id}.`,
    `A merge CANNOT be undone: ${s.merge.map((m) => m.id).join(', ')} will be deleted, and their stream, emails and related records moved to ${s.keep.id}. ` +
      'The kept record\'s values win; where it is empty, the first other record\'s value fills it. EspoCRM combines every record\'s email addresses and phone numbers on the kept one.',
    fenceUntrusted(data.join('\n'), 'the records to merge and the values the kept record will hold, as JSON'),
  ];
  if (s.confirmToken) lines.push(`To merge, call merge_duplicates again with the same arguments and "confirm": "${s.confirmToken}" (valid until ${s.expiresAt}).`);
  return lines.join('\n');
}

function doneText(s: Out): string {
  const lines = [
    `Merged ${s.merge.length} ${s.entity} record(s) into ${s.keep.id} (not undoable).`,
    ...(s.verification ? s.verification.sourcesGone.map((g) => `  ${g.id}: ${g.gone ? 'gone' : 'NOT gone'} (${g.how})`) : []),
    s.problems.length ? `Problems: ${s.problems.join(' ')}` : 'Verified: the merged records are gone and the kept record holds the planned values.',
  ];
  return lines.join('\n');
}
