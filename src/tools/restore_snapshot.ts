/**
 * restore_snapshot: puts a tenant's customization back as a snapshot kept it (snapshot_tenant). The
 * plan compares the snapshot with the tenant now and lists the steps, in this order: fields missing
 * now re-created with their recorded definitions, fields that differ put back to them, layouts put
 * back byte for byte (or reset to EspoCRM's default when the snapshot had the default and this server
 * customized it since), and, only with `deleteNewFields`, fields created after the snapshot deleted
 * (their records holding a value counted). Destructive: plan, then confirm. Each step is recorded as its
 * own change (layout, field_create, field_update, field_delete), so undo_change reverts any of them; a
 * step that fails rolls the steps before it back. A snapshot is refused on another instance than the
 * one it was taken on, as undo_change refuses a change made elsewhere.
 */
import { z } from 'zod';
import { annotationsFor, defineWriteTool, type ApplyContext, type RecordedChange, type ToolContext } from './define.js';
import { confirmArg, tenantArg } from './args.js';
import { ToolError, describeError } from '../errors.js';
import { fingerprint } from '../core/confirm.js';
import { fenceUntrusted, untrusted } from '../core/fence.js';
import { diffLayouts } from '../core/layout/index.js';
import type { FieldState, LayoutState, TenantCustomization } from '../core/blueprint/types.js';
import { fieldManager, layouts as layoutApi } from '../espo/api/index.js';
import { EspoNotFoundError } from '../espo/errors.js';
import { saveLayout } from '../pipeline/steps.js';
import { WriteFailure } from '../pipeline/failure.js';
import { baseNameOf, countFilled, loadFieldContext, readLabels, type FieldLabels } from '../reads/index.js';
import { readCustomization } from '../reads/customizationState.js';
import { currentInstance, sameInstance } from '../reads/instance.js';
import type { ChangeRecord, Snapshot } from '../store/types.js';
import type { Effect } from '../tenants/policy.js';
import type { TenantContext } from '../tenants/registry.js';
import { applyRevert, planRevert } from './undo_change.js';

const TOOL = 'restore_snapshot';
const LINK_TYPES = new Set(['link', 'linkOne', 'linkMultiple', 'linkParent']);

type Def = Record<string, unknown>;

type Step =
  | { kind: 'field_create'; entity: string; field: string; body: Def; definition: Def; label?: string }
  | { kind: 'field_update'; entity: string; field: string; body: Def; definition: Def; current: Def; currentLabels: FieldLabels; keys: string[]; label?: string; optionLabels?: Record<string, string> }
  | { kind: 'layout_put'; entity: string; layout: string; json: string; currentText: string | null }
  | { kind: 'layout_reset'; entity: string; layout: string; json: string | null; currentText: string }
  | { kind: 'field_delete'; entity: string; field: string; definition: Def; labels: FieldLabels; createBody: Def; filled: string };

interface NewField {
  entity: string;
  field: string;
  type: string;
  action: 'delete' | 'kept';
  records?: string;
  reason?: string;
}

interface Restore {
  snap: Snapshot;
  lang: string;
  steps: Step[];
  text: string[];
  newFields: NewField[];
  blockers: string[];
  notes: string[];
}

const FieldSchema = z.object({
  entity: z.string(),
  name: z.string(),
  type: z.string(),
  isCustom: z.boolean(),
  definition: z.record(z.string(), z.unknown()),
  labels: z.record(z.string(), z.string()),
  optionLabels: z.record(z.string(), z.record(z.string(), z.string())).optional(),
});
const LayoutSchema = z.object({ entity: z.string(), layout: z.string(), customized: z.boolean(), json: z.string() });
const DataSchema = z.object({ fields: z.array(FieldSchema), layouts: z.array(LayoutSchema), languages: z.array(z.string()).optional() });

/** "No value" for a definition parameter: absent, null, false, "" or [] (EspoCRM reads a missing boolean as false). */
const empty = (v: unknown): boolean => v === undefined || v === null || v === false || v === '' || (Array.isArray(v) && v.length === 0);
const same = (a: unknown, b: unknown): boolean => fingerprint(a ?? null) === fingerprint(b ?? null) || (empty(a) && empty(b));

/** The definition parameters on which `now` differs from `recorded` (isCustom aside). */
export function definitionDifferences(recorded: Def, now: Def): string[] {
  const keys = new Set([...Object.keys(recorded), ...Object.keys(now)]);
  keys.delete('isCustom');
  return [...keys].filter((k) => !same(recorded[k], now[k])).sort();
}

/** A value that clears a parameter (EspoCRM keeps one left out of an update). */
function cleared(v: unknown): unknown {
  return Array.isArray(v) ? [] : typeof v === 'boolean' ? false : null;
}

const key = (entity: string, name: string) => `${entity}\u0000${name}`;

async function layoutText(tenant: TenantContext, entity: string, layout: string, signal?: AbortSignal): Promise<string | null> {
  try {
    return await layoutApi.getText(tenant.client(), entity, layout, { signal });
  } catch (err) {
    if (err instanceof EspoNotFoundError) return null;
    throw err;
  }
}

function parseText(text: string | null): unknown {
  if (text === null) return null;
  try {
    return JSON.parse(text) as unknown;
  } catch {
    return null;
  }
}

/** The snapshot of this tenant, or the same "not found" for an unknown id and another tenant's. */
async function findSnapshot(ctx: ToolContext, id: string): Promise<Snapshot> {
  const snap = await ctx.snapshots.getSnapshot(id, ctx.tenant.id);
  if (snap) return snap;
  const recent = (await ctx.snapshots.listSnapshots(ctx.tenant.id, 5)).map((s) => `${s.id} (${s.ts})`);
  throw new ToolError(
    `No snapshot "${id}" of tenant "${ctx.tenant.id}". ` +
      (recent.length ? `Its newest snapshots: ${recent.join(', ')}.` : 'This tenant has no snapshot: snapshot_tenant takes one.'),
    'unknown_snapshot',
  );
}

async function planRestore(ctx: ToolContext, snapshotId: string, deleteNewFields: boolean): Promise<Restore> {
  const snap = await findSnapshot(ctx, snapshotId);
  const match = sameInstance(snap.instance, await currentInstance(ctx));
  if (match.same === false) {
    throw new ToolError(
      `Refused: snapshot "${snapshotId}" cannot be restored on tenant "${ctx.tenant.id}": ${(match.reason ?? 'another instance').replace(/^it was made/, 'it was taken')}. ` +
        "Restoring it here would overwrite this CRM with another one's setup. Export it as a blueprint (`espocrm-admin-mcp snapshot export`) and plan that instead.",
      'other_instance',
    );
  }
  const notes: string[] = [];
  if (match.same === null) notes.push('The snapshot does not say which instance it was taken on: check that the tenant still points at that CRM.');
  if (match.note) notes.push(`Same instance: ${match.note.replace('since the change', 'since the snapshot')}.`);
  const parsed = DataSchema.safeParse(snap.data);
  if (!parsed.success) throw new ToolError(`Snapshot "${snapshotId}" cannot be read (${parsed.error.issues[0]?.message ?? 'unexpected shape'}); take a new one.`, 'invalid_snapshot');
  const then = parsed.data;
  const entities = [...new Set([...then.fields.map((f) => f.entity), ...then.layouts.map((l) => l.entity)])];
  const now: TenantCustomization = await readCustomization(ctx.tenant, ctx.signal, { history: ctx.history, fresh: true });
  const missingEntities = entities.filter((e) => !(now.entities ?? []).includes(e));
  if (missingEntities.length) notes.push(`Entities of the snapshot this CRM no longer has, left as they are: ${missingEntities.join(', ')}.`);
  const lang = now.languages?.[0] ?? then.languages?.[0] ?? 'en_US';
  const blockers: string[] = [];
  const creates: Step[] = [];
  const updates: Step[] = [];
  const layoutSteps: Step[] = [];
  const deletes: Step[] = [];
  const newFields: NewField[] = [];

  const nowFields = new Map(now.fields.map((f) => [key(f.entity, f.name), f]));
  const thenFields = new Map(then.fields.map((f) => [key(f.entity, f.name), f]));
  const labelsByEntity = new Map<string, Awaited<ReturnType<typeof readLabels>>>();
  const labelsOf = async (entity: string) => {
    if (!labelsByEntity.has(entity)) labelsByEntity.set(entity, await readLabels(ctx.tenant, entity, ctx.signal));
    return labelsByEntity.get(entity)!;
  };
  const otherLangs = new Set<string>();

  for (const s of then.fields) {
    if (missingEntities.includes(s.entity)) continue;
    const n = nowFields.get(key(s.entity, s.name));
    const label = s.labels[lang];
    const optionLabels = s.optionLabels?.[lang];
    for (const l of Object.keys(s.labels)) if (l !== lang && s.labels[l] !== n?.labels[l]) otherLangs.add(l);
    if (!n && LINK_TYPES.has(s.type)) {
      notes.push(`${s.entity}.${s.name} (${s.type}) is gone and is not re-created: it is a relationship, which EspoCRM creates through the Entity Manager.`);
      continue;
    }
    if (!n) {
      const fc = await loadFieldContext(ctx.tenant, s.entity, ctx.signal);
      const base = baseNameOf(fc, s.name);
      const stored = fc.prefixEnabled ? `c${base[0]!.toUpperCase()}${base.slice(1)}` : base;
      if (stored !== s.name) {
        blockers.push(`${s.entity}.${s.name} cannot be re-created under that name: this CRM would name it "${stored}" (the "c" prefix of EspoCRM 8.2+)`);
        continue;
      }
      const { isCustom: _c, ...definition } = s.definition;
      const body: Def = { ...definition, name: base, type: s.type, label: label ?? s.name, ...(optionLabels ? { translatedOptions: optionLabels } : {}) };
      creates.push({ kind: 'field_create', entity: s.entity, field: s.name, body, definition, ...(label !== undefined ? { label } : {}) });
      continue;
    }
    if (n.type !== s.type) {
      blockers.push(`${s.entity}.${s.name} is now of type ${n.type}, and was ${s.type} in the snapshot: EspoCRM cannot change a field's type (delete it with delete_custom_field, then restore again)`);
      continue;
    }
    const keys = definitionDifferences(s.definition, n.definition);
    const labelDiffers = label !== undefined && label !== n.labels[lang];
    const optionsDiffer = !same(optionLabels ?? {}, n.optionLabels?.[lang] ?? {}) && (optionLabels !== undefined || n.optionLabels?.[lang] !== undefined);
    if (keys.length === 0 && !labelDiffers && !optionsDiffer) continue;
    const { isCustom: _c, ...definition } = s.definition;
    const body: Def = { ...definition, type: s.type };
    for (const k of keys) if (!(k in s.definition)) body[k] = cleared(n.definition[k]);
    if (label !== undefined) body.label = label;
    if (optionLabels !== undefined || optionsDiffer) body.translatedOptions = optionLabels ?? {};
    const currentLabels = (await labelsOf(s.entity)).of(s.name);
    updates.push({
      kind: 'field_update',
      entity: s.entity,
      field: s.name,
      body,
      definition,
      current: n.definition,
      currentLabels,
      keys: [...keys, ...(labelDiffers ? ['label'] : []), ...(optionsDiffer ? ['option labels'] : [])],
      ...(label !== undefined ? { label } : {}),
      ...(optionLabels !== undefined ? { optionLabels } : {}),
    });
  }
  if (otherLangs.size) notes.push(`Labels in ${[...otherLangs].join(', ')} differ from the snapshot; the Field Manager writes labels in ${lang} only: set the others in EspoCRM's Label Manager.`);

  const thenLayouts = new Map(then.layouts.map((l) => [key(l.entity, l.layout), l]));
  const nowLayouts = new Map(now.layouts.map((l) => [key(l.entity, l.layout), l]));
  const layoutKeys = [...new Set([...thenLayouts.keys(), ...[...nowLayouts.values()].filter((l) => l.customized).map((l) => key(l.entity, l.layout))])];
  for (const k of layoutKeys) {
    const s: LayoutState | undefined = thenLayouts.get(k);
    const n: LayoutState | undefined = nowLayouts.get(k);
    const [entity, layout] = k.split('\u0000') as [string, string];
    if (missingEntities.includes(entity)) continue;
    const currentText = n?.json ?? (await layoutText(ctx.tenant, entity, layout, ctx.signal));
    // Byte for byte the same: nothing to do, whatever the history says of its customization.
    if (s && currentText === s.json) continue;
    if (n?.customized && !s?.customized && currentText !== null) {
      layoutSteps.push({ kind: 'layout_reset', entity, layout, json: s?.json ?? null, currentText });
    } else if (s) {
      if (parseText(s.json) === null) {
        blockers.push(`the ${entity} ${layout} layout of the snapshot is not a layout (EspoCRM served it malformed); restoring it is refused`);
        continue;
      }
      layoutSteps.push({ kind: 'layout_put', entity, layout, json: s.json, currentText });
    }
  }

  for (const n of now.fields) {
    if (thenFields.has(key(n.entity, n.name)) || !entities.includes(n.entity)) continue;
    const base = { entity: n.entity, field: n.name, type: n.type };
    if (LINK_TYPES.has(n.type)) {
      newFields.push({ ...base, action: 'kept', reason: 'a relationship: EspoCRM removes those through the Entity Manager' });
      continue;
    }
    if (!deleteNewFields) {
      newFields.push({ ...base, action: 'kept', reason: 'created after the snapshot; pass "deleteNewFields": true to delete it' });
      continue;
    }
    const filled = n.definition.notStorable === true ? undefined : await countFilled(ctx.tenant, n.entity, n.name, n.definition as never, ctx.signal);
    const records = filled === undefined ? 'stores no value' : `${filled.count === null ? (filled.any ? 'some records' : 'no record') : `${filled.count} record(s)`} hold a value (${filled.condition})`;
    newFields.push({ ...base, action: 'delete', records });
    const labels = (await labelsOf(n.entity)).of(n.name);
    const fc = await loadFieldContext(ctx.tenant, n.entity, ctx.signal);
    const { isCustom: _c, ...def } = n.definition;
    const createBody: Def = { ...def, name: baseNameOf(fc, n.name), label: labels.label ?? n.name, ...(labels.tooltip ? { tooltipText: labels.tooltip } : {}), ...(labels.optionLabels ? { translatedOptions: labels.optionLabels } : {}) };
    deletes.push({ kind: 'field_delete', entity: n.entity, field: n.name, definition: n.definition, labels, createBody, filled: records });
  }
  if (deletes.length) notes.push("EspoCRM keeps a deleted field's database column and values: re-creating the field (or undo_change) brings them back.");

  const steps = [...creates, ...updates, ...layoutSteps, ...deletes];
  return { snap, lang, steps, text: steps.map(describe), newFields, blockers, notes };
}

function describe(s: Step): string {
  switch (s.kind) {
    case 'field_create':
      return `re-create ${s.entity}.${s.field} (${String(s.body.type)}${s.label ? `, ${untrusted(s.label)}` : ''}) with its recorded definition`;
    case 'field_update':
      return `put ${s.entity}.${s.field} back to its recorded definition (${s.keys.join(', ')})`;
    case 'layout_put':
      return `put the ${s.entity} ${s.layout} layout back byte for byte:\n${diffLayouts(s.layout, parseText(s.currentText), parseText(s.json)).text}`;
    case 'layout_reset':
      return `reset the ${s.entity} ${s.layout} layout to EspoCRM's default (not customized in the snapshot, customized since)${s.json !== null ? ', then put the snapshot\'s layout back byte for byte if the default differs from it' : ''}`;
    case 'field_delete':
      return `delete ${s.entity}.${s.field}, created after the snapshot: ${s.filled}`;
  }
}

function effectOf(s: Step): Effect {
  switch (s.kind) {
    case 'field_create':
      return 'field.create';
    case 'field_update':
      return 'field.update';
    case 'layout_put':
      return 'layout.edit';
    case 'layout_reset':
      return 'layout.reset';
    case 'field_delete':
      return 'field.delete';
  }
}

/** What the plan read (a confirm token is bound to it). */
function planState(r: Restore): string {
  return fingerprint({
    steps: r.steps.map((s) => ('current' in s ? [s.kind, s.entity, s.field, s.current] : 'currentText' in s ? [s.kind, s.entity, s.layout, s.currentText] : [s.kind, s.entity, s.field])),
    newFields: r.newFields.map((f) => [f.entity, f.field, f.action]),
  });
}

/** Applies one step and returns its change record (what undo_change needs to revert it). */
async function applyStep(ctx: ApplyContext, s: Step): Promise<RecordedChange> {
  switch (s.kind) {
    case 'field_create': {
      await fieldManager.create(ctx.writer, s.entity, s.body as { name: string; type: string }, { signal: ctx.signal });
      ctx.tenant.metadata.invalidate();
      const change: ChangeRecord = { kind: 'field_create', entity: s.entity, field: s.field, before: null, after: { definition: s.definition, ...(s.label ? { label: s.label } : {}) }, related: [] };
      return { change, summary: `restore: re-created ${s.entity}.${s.field}` };
    }
    case 'field_update': {
      await fieldManager.update(ctx.writer, s.entity, s.field, s.body as { type: string }, { signal: ctx.signal });
      ctx.tenant.metadata.invalidate();
      const after = { definition: s.definition, ...(s.label !== undefined ? { label: s.label } : {}), ...(s.optionLabels ? { optionLabels: s.optionLabels } : {}) };
      const change: ChangeRecord = { kind: 'field_update', entity: s.entity, field: s.field, before: { definition: s.current, ...s.currentLabels }, after };
      return { change, summary: `restore: ${s.entity}.${s.field} put back (${s.keys.join(', ')})` };
    }
    case 'layout_put': {
      const json = parseText(s.json);
      await saveLayout(ctx, s.entity, s.layout, json);
      const change: ChangeRecord = { kind: 'layout', entity: s.entity, layout: s.layout, before: parseText(s.currentText), after: json };
      return { change, summary: `restore: ${s.entity} ${s.layout} layout put back` };
    }
    case 'layout_reset': {
      await layoutApi.resetToDefault(ctx.writer, s.entity, s.layout, { signal: ctx.signal });
      let text = await layoutText(ctx.tenant, s.entity, s.layout, ctx.signal);
      // The default EspoCRM serves now is not the layout the snapshot kept (an upgrade changed it): put the kept one back.
      if (s.json !== null && text !== s.json) {
        await saveLayout(ctx, s.entity, s.layout, parseText(s.json));
        text = s.json;
      }
      const change: ChangeRecord = { kind: 'layout', entity: s.entity, layout: s.layout, before: parseText(s.currentText), after: parseText(text), customizedBefore: true };
      return { change, summary: `restore: ${s.entity} ${s.layout} layout reset to the default` };
    }
    case 'field_delete': {
      await fieldManager.delete(ctx.writer, s.entity, s.field, { signal: ctx.signal });
      ctx.tenant.metadata.invalidate();
      const change: ChangeRecord = { kind: 'field_delete', entity: s.entity, field: s.field, before: { definition: s.definition, ...s.labels, createBody: s.createBody }, after: null, related: [] };
      return { change, summary: `restore: deleted ${s.entity}.${s.field} (created after the snapshot)` };
    }
  }
}

/** Reads the tenant back: each layout byte for byte, each field as recorded. */
async function readBack(ctx: ApplyContext, r: Restore): Promise<string[]> {
  const problems: string[] = [];
  const after = await readCustomization(ctx.tenant, ctx.signal, { fresh: true });
  const fields = new Map(after.fields.map((f) => [key(f.entity, f.name), f]));
  for (const s of r.steps) {
    if (s.kind === 'layout_put' || (s.kind === 'layout_reset' && s.json !== null)) {
      const text = await layoutText(ctx.tenant, s.entity, s.layout, ctx.signal);
      if (text !== s.json) problems.push(`the ${s.entity} ${s.layout} layout does not read back byte for byte as the snapshot kept it`);
    } else if (s.kind === 'field_create' || s.kind === 'field_update') {
      const f: FieldState | undefined = fields.get(key(s.entity, s.field));
      if (!f) {
        problems.push(`${s.entity}.${s.field} is not in the metadata after the restore`);
        continue;
      }
      const off = definitionDifferences(s.definition, f.definition);
      if (off.length) problems.push(`${s.entity}.${s.field} differs from its recorded definition on ${off.join(', ')}`);
      const label = s.label;
      if (label !== undefined && f.labels[r.lang] !== undefined && f.labels[r.lang] !== label) problems.push(`${s.entity}.${s.field}'s label reads back as ${untrusted(f.labels[r.lang])}, not ${untrusted(label)}`);
    } else if (s.kind === 'field_delete' && fields.has(key(s.entity, s.field))) {
      problems.push(`${s.entity}.${s.field} is still in the metadata`);
    }
  }
  return problems;
}

/** Undoes the steps already applied (newest first); returns what could not be put back. */
async function rollback(ctx: ApplyContext, done: RecordedChange[]): Promise<string[]> {
  if (done.length === 0) return [];
  ctx.tenant.metadata.invalidate();
  try {
    const composite: ChangeRecord = { kind: 'blueprint', entity: done[0]!.change.entity, before: null, after: null, steps: done.map((d) => d.change) };
    const plan = await planRevert(ctx, composite, 'the restore');
    if (plan.blockers.length) return plan.blockers;
    const { problems } = await applyRevert(ctx, plan);
    return problems;
  } catch (err) {
    return [describeError(err)];
  }
}

const NewFieldOut = z.object({
  entity: z.string(),
  field: z.string(),
  type: z.string(),
  action: z.enum(['delete', 'kept']),
  records: z.string().optional().describe('Records holding a value (deleted fields).'),
  reason: z.string().optional(),
});

export const restoreSnapshot = defineWriteTool({
  name: TOOL,
  title: 'Restore a snapshot',
  description:
    "Put a tenant's customization back as snapshot_tenant kept it: layouts byte for byte, custom fields to their recorded " +
    'definitions and labels, deleted fields re-created. Use it to roll a tenant back after unwanted changes. Fields created since ' +
    'are listed, and deleted only with deleteNewFields. ' +
    'Destructive, two calls: the plan and a token, then the same arguments with "confirm". Refused for a snapshot of another ' +
    'instance. Returns a changeId per step (undo_change). Needs the admin login. Example: restore_snapshot {"snapshotId": "snap_m1x2y3_0123456789ab"}.',
  kind: 'destructive',
  tenantScoped: true,
  input: {
    tenant: tenantArg,
    snapshotId: z.string().regex(/^snap_[0-9a-z]+_[0-9a-f]{12}$/, 'a snapshotId looks like "snap_m1x2y3_0123456789ab"').describe('From snapshot_tenant.'),
    deleteNewFields: z.boolean().optional().describe('true: also delete custom fields created after the snapshot (their values stay in the database).'),
    confirm: confirmArg,
  },
  output: {
    tenant: z.string(),
    snapshotId: z.string(),
    takenAt: z.string(),
    outcome: z.enum(['planned', 'unchanged', 'applied', 'partial', 'blocked']),
    steps: z.array(z.string()).describe('What the restore does (or did), in order.'),
    newFields: z.array(NewFieldOut).describe('Custom fields created after the snapshot.'),
    blockers: z.array(z.string()),
    notes: z.array(z.string()),
    confirmToken: z.string().optional().describe('Pass as "confirm" with the same arguments to apply.'),
    expiresAt: z.string().optional(),
    changeIds: z.array(z.string()).optional().describe('One per step, in order: undo_change reverts each (newest first).'),
    problems: z.array(z.string()).optional(),
  },
  // Idempotent: once restored, restoring again changes nothing.
  annotations: annotationsFor('destructive', { idempotent: true }),
  refusal: 'Restore refused',
  async plan(args, ctx) {
    const r = await planRestore(ctx, args.snapshotId, args.deleteNewFields === true);
    const base = { tenant: ctx.tenant.id, snapshotId: r.snap.id, takenAt: r.snap.ts, newFields: r.newFields, blockers: r.blockers, notes: r.notes };
    const kept = r.newFields.filter((f) => f.action === 'kept');
    const keptText = kept.map((f) => `kept: ${f.entity}.${f.field} (${f.type}): ${f.reason}`);
    if (r.steps.length === 0 && r.blockers.length === 0) {
      return {
        action: 'final' as const,
        outcome: 'unchanged' as const,
        summary: `restore ${r.snap.id}: the tenant already matches the snapshot`,
        result: {
          structured: { ...base, outcome: 'unchanged' as const, steps: [] },
          text: [`Tenant "${ctx.tenant.id}" already matches snapshot ${r.snap.id} (${r.snap.ts}); nothing to restore.`, ...keptText, ...r.notes.map((n) => `note: ${n}`)].join('\n'),
        },
      };
    }
    return {
      action: 'write' as const,
      value: r,
      summary: `restore ${r.snap.id}: ${r.steps.length} step(s) planned`,
      confirm: true,
      effects: r.steps.map(effectOf),
      binding: { args: { snapshotId: r.snap.id, deleteNewFields: args.deleteNewFields === true }, state: planState(r) },
      ...(r.blockers.length ? { blocked: `${r.blockers.join('; ')}. Nothing was changed.` } : {}),
      preview: (token?: { token: string; expiresAt: string }) => {
        const outcome = r.blockers.length ? ('blocked' as const) : ('planned' as const);
        return {
          structured: { ...base, outcome, steps: r.text, ...(token ? { confirmToken: token.token, expiresAt: token.expiresAt } : {}) },
          text: [
            r.blockers.length
              ? `BLOCKED: snapshot ${r.snap.id} (${r.snap.ts}) cannot be restored on tenant "${ctx.tenant.id}" as things are:`
              : `PLAN (nothing changed yet): restore snapshot ${r.snap.id} (${r.snap.ts}) on tenant "${ctx.tenant.id}":`,
            ...r.blockers.map((b) => `blocker: ${b}`),
            fenceUntrusted(r.text.map((t) => `- ${t}`).join('\n'), 'the steps (layout diffs with panel labels, field labels)'),
            ...keptText,
            ...r.notes.map((n) => `note: ${n}`),
            ...(token ? [`To apply, call restore_snapshot again with the same arguments and "confirm": "${token.token}" (valid until ${token.expiresAt}).`] : []),
          ].join('\n'),
        };
      },
    };
  },
  async apply(r, ctx) {
    const done: RecordedChange[] = [];
    for (const [i, step] of r.steps.entries()) {
      try {
        done.push(await applyStep(ctx, step));
      } catch (err) {
        const reason = `step ${i + 1} failed (${r.text[i]!.split('\n')[0]}): ${describeError(err)}`;
        const left = await rollback(ctx, done);
        if (left.length === 0) {
          throw new WriteFailure(
            `Restore of ${r.snap.id} failed: ${reason}. ${done.length ? `The ${done.length} step(s) before it were undone: the tenant is as it was.` : 'Nothing was changed.'} Plan again to retry (the confirm token is spent).`,
            'restore_failed',
            'failed',
            `restore ${r.snap.id} failed`,
          );
        }
        const summary = `restore ${r.snap.id} partly applied`;
        throw new WriteFailure(
          `Restore of ${r.snap.id} failed: ${reason}. Undoing the ${done.length} step(s) before it did not complete (${left.join('; ')}). ` +
            'Done and not undone: ' + done.map((d) => d.summary).join('; ') + '. undo_change with the changeId of this failure reverts what is left.',
          'restore_partial',
          'partial',
          summary,
          { summary, change: { kind: 'blueprint', entity: done[0]!.change.entity, before: null, after: null, steps: done.map((d) => d.change) } },
        );
      }
    }
    return done;
  },
  async verify(r, done, ctx) {
    let problems: string[];
    try {
      problems = await readBack(ctx, r);
    } catch (err) {
      problems = [`the restore was applied, but reading the tenant back failed: ${describeError(err)}`];
    }
    const outcome = problems.length ? ('partial' as const) : ('applied' as const);
    const summary = `restore ${r.snap.id}: ${done.length} step(s)${problems.length ? ` (${problems.join('; ')})` : ''}`;
    return {
      outcome,
      summary,
      changes: done,
      ...(problems.length ? { error: problems.join('; ') } : {}),
      result: (changeIds: string[]) => {
        const structured = {
          tenant: ctx.tenant.id,
          snapshotId: r.snap.id,
          takenAt: r.snap.ts,
          outcome,
          steps: r.text,
          newFields: r.newFields,
          blockers: [],
          notes: r.notes,
          changeIds,
          ...(problems.length ? { problems } : {}),
        };
        const text = [
          problems.length
            ? `Restored snapshot ${r.snap.id} on tenant "${ctx.tenant.id}", but the read-back differs:`
            : `Restored snapshot ${r.snap.id} (${r.snap.ts}) on tenant "${ctx.tenant.id}"; verified by reading it back (layouts byte for byte).`,
          ...problems.map((p) => `problem: ${p}`),
          fenceUntrusted(r.text.map((t, i) => `- ${t.split('\n')[0]} [${changeIds[i] ?? '-'}]`).join('\n'), 'the steps done'),
          ...r.newFields.filter((f) => f.action === 'kept').map((f) => `kept: ${f.entity}.${f.field} (${f.type}): ${f.reason}`),
          ...r.notes.map((n) => `note: ${n}`),
          'undo_change reverts a step by its changeId (newest first to revert the whole restore).',
        ];
        return { structured, text: text.join('\n') };
      },
    };
  },
});

