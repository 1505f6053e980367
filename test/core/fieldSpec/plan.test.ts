import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { fenceMarked, plainMarked } from '../../../src/core/fence.js';
import {
  FieldSpecError,
  compareDefinition,
  planFieldCreate,
  planFieldUpdate,
  sameValue,
  validateFieldRequest,
  type CreatePlan,
  type FieldDef,
  type FieldMeta,
  type FieldSpec,
  type FieldUpdatePlan,
} from '../../../src/core/fieldSpec/index.js';
import { lead, metaFor } from '../../fixtures/fieldSpec/meta.js';

const tier = (): FieldDef => structuredClone(lead().entity.defs!.fields!.cMcpTier!);
const field = (name: string, meta: FieldMeta = lead()): FieldDef => structuredClone(meta.entity.defs!.fields![name]!);

/*
 * CRM values inside messages (differences, errors, warnings, notes) are marked (src/core/fence.ts) so
 * a model reads them fenced. The helpers give the messages as logs and the CLI show them
 * (`plainMarked`), which the expected texts below are; bodies and diffs are returned untouched.
 */
const plainError = (e: FieldSpecError): FieldSpecError => new FieldSpecError(e.code, plainMarked(e.message), e.path);

function compare(expected: Record<string, unknown>, actual: unknown): { equal: boolean; differences: string[] } {
  const r = compareDefinition(expected, actual);
  return { ...r, differences: r.differences.map(plainMarked) };
}
function create(spec: FieldSpec, opts?: { currentLabel?: string }): CreatePlan {
  const p = planFieldCreate(spec, opts);
  return p.action === 'conflict' ? { ...p, differences: p.differences.map(plainMarked), error: plainError(p.error) } : p;
}
function plan(current: FieldDef, patch: Record<string, unknown>, opts: { label?: string; meta?: FieldMeta; i18n?: { optionLabels?: Record<string, string>; tooltip?: string } } = {}): FieldUpdatePlan {
  const r = planFieldUpdate(current, opts.label, patch, opts.meta ?? lead(), opts.i18n);
  if (!r.ok) throw new Error(r.errors.map((e) => plainMarked(e.message)).join('\n'));
  return { ...r.plan, warnings: r.plan.warnings.map(plainMarked), notes: r.plan.notes.map(plainMarked) };
}
function refused(current: FieldDef, patch: Record<string, unknown>, meta: FieldMeta = lead()): FieldSpecError[] {
  const r = planFieldUpdate(current, 'Label', patch, meta);
  if (r.ok) throw new Error(`expected a refusal, got ${JSON.stringify(r.plan)}`);
  return r.errors.map(plainError);
}

describe('compareDefinition', () => {
  it('compares only the expected keys; unset values are equal', () => {
    expect(compare({ type: 'varchar', required: false, options: [], default: null }, { type: 'varchar', isCustom: true })).toEqual({ equal: true, differences: [] });
    expect(compare({ style: { a: 'info', b: 'success' } }, { style: { b: 'success', a: 'info' } }).equal).toBe(true);
  });

  it('reports each difference with both values', () => {
    expect(compare({ type: 'int', min: 0, options: ['a', 'b'] }, { type: 'float', options: ['b', 'a'] })).toEqual({
      equal: false,
      differences: ['type: expected "int", found "float"', 'min: expected 0, found nothing', 'options: expected ["a","b"], found ["b","a"]'],
    });
    expect(compare({ type: 'int' }, null).equal).toBe(false);
  });

  it('sameValue treats true and 0 as set', () => {
    expect(sameValue(true, undefined)).toBe(false);
    expect(sameValue(0, undefined)).toBe(false);
    expect(sameValue(false, undefined)).toBe(true);
  });
});

describe('planFieldCreate', () => {
  const spec = (req: Record<string, unknown>) => {
    const r = validateFieldRequest(req, lead());
    if (!r.ok) throw new Error(r.errors[0]!.message);
    return r.spec;
  };

  it('a new name: create with the body and the definition to verify', () => {
    const p = create(spec({ entity: 'Lead', name: 'secteur', type: 'enum', options: ['a', 'b'], label: 'Secteur' }));
    expect(p).toEqual({
      action: 'create',
      stored: 'cSecteur',
      body: { name: 'secteur', type: 'enum', label: 'Secteur', options: ['a', 'b'] },
      expected: { type: 'enum', options: ['a', 'b'] },
    });
  });

  it('the same definition again: unchanged (EspoCRM\'s extra keys do not matter)', () => {
    const p = create(spec({ entity: 'Lead', name: 'cMcpTags', type: 'multiEnum', options: ['alpha', 'beta', 'gamma'], default: [] }));
    expect(p).toMatchObject({ action: 'unchanged', stored: 'cMcpTags' });
  });

  it('a label that differs from the current one is a difference when the caller knows it', () => {
    const s = spec({ entity: 'Lead', name: 'cMcpNote', type: 'varchar', maxLength: 120, label: 'Note' });
    expect(create(s).action).toBe('unchanged');
    const p = create(s, { currentLabel: 'MCP Note' });
    expect(p).toMatchObject({ action: 'conflict', differences: ['label: expected "Note", found "MCP Note"'] });
  });

  it('another type under the same name is a conflict', () => {
    const p = create(spec({ entity: 'Lead', name: 'cMcpNote', type: 'text' }));
    expect(p.action).toBe('conflict');
    if (p.action === 'conflict') expect(p.differences[0]).toBe('type: expected "text", found "varchar"');
  });
});

describe('planFieldUpdate', () => {
  it('edits options, default and labels as a full definition with type', () => {
    const p = plan(
      tier(),
      { addOptions: [{ value: 'Platinum', label: 'Platine' }], removeOptions: ['Silver'], default: 'Gold', optionLabels: { Gold: 'Or' } },
      { label: 'MCP Tier', i18n: { optionLabels: { Gold: 'Gold tier', Silver: 'Silver tier', Bronze: 'Bronze' } } },
    );
    expect(p.body).toEqual({
      type: 'enum',
      options: ['Gold', 'Bronze', 'Platinum'],
      default: 'Gold',
      style: { Gold: 'success' },
      audited: true,
      isCustom: true,
      translatedOptions: { Gold: 'Or', Bronze: 'Bronze', Platinum: 'Platine' },
    });
    expect(p.diff).toEqual(
      expect.arrayContaining([
        { key: 'options', before: ['Gold', 'Silver', 'Bronze'], after: ['Gold', 'Bronze', 'Platinum'] },
        { key: 'default', before: 'Silver', after: 'Gold' },
        { key: 'optionLabels.Gold', before: 'Gold tier', after: 'Or' },
        { key: 'optionLabels.Silver', before: 'Silver tier', after: undefined },
        { key: 'optionLabels.Platinum', before: undefined, after: 'Platine' },
      ]),
    );
    expect(p.diff).toHaveLength(5);
    expect(p.changed).toBe(true);
    expect(p.warnings[0]).toContain('Options removed: "Silver". Records that hold them keep the old value');
  });

  it('options replaces the whole list; a removed option loses its colour', () => {
    const p = plan(tier(), { options: ['Silver', 'Bronze'], default: 'Silver' });
    expect(p.body).toMatchObject({ options: ['Silver', 'Bronze'], style: {} });
    expect(p.diff.map((d) => d.key).sort()).toEqual(['options', 'style']);
    expect(p.warnings[0]).toContain('"Gold"');
  });

  it('removing the default option needs a new default', () => {
    const errors = refused(tier(), { removeOptions: ['Silver'] });
    expect(errors).toHaveLength(1);
    expect(errors[0]).toMatchObject({ code: 'default_invalid', path: 'default' });
    expect(errors[0]!.message).toContain('Removing "Silver" would leave the default pointing at a missing option');
    expect(errors[0]!.message).toContain('"default": null');
    const p = plan(tier(), { removeOptions: ['Silver'], default: null });
    expect(p.body.default).toBeNull();
    expect(p.diff).toContainEqual({ key: 'default', before: 'Silver', after: null });
  });

  it('options and addOptions together, or one option added and removed, are conflicts', () => {
    expect(refused(tier(), { options: ['a'], addOptions: ['b'] })[0]).toMatchObject({ code: 'patch_conflict', message: expect.stringContaining('either "options"') });
    expect(refused(tier(), { addOptions: ['Bronze2'], removeOptions: ['Bronze2'] }).map((e) => e.code)).toContain('patch_conflict');
  });

  it('removing an option that does not exist is an error with a suggestion', () => {
    const [e] = refused(tier(), { removeOptions: ['Bronz'] });
    expect(e).toMatchObject({ code: 'options_invalid', path: 'removeOptions' });
    expect(e!.message).toContain('Did you mean "Bronze"?');
  });

  it('adding an option twice or one that exists by another case is caught', () => {
    const p = plan(tier(), { addOptions: ['Gold'] });
    expect(p.diff).toEqual([]);
    expect(p.notes[0]).toContain('"Gold" is already an option');
    expect(refused(tier(), { addOptions: ['gold'] })[0]!.code).toBe('options_duplicate');
  });

  it('a patch that changes nothing gives an empty diff', () => {
    expect(plan(tier(), {}, { label: 'MCP Tier' })).toMatchObject({ diff: [], changed: false, warnings: [] });
    expect(plan(tier(), { label: 'MCP Tier', default: 'Silver', audited: true, type: 'enum' }, { label: 'MCP Tier' }).changed).toBe(false);
    expect(plan(tier(), { options: ['Gold', 'Silver', 'Bronze'] }).changed).toBe(false);
  });

  it('label and tooltip are i18n keys of the body', () => {
    const p = plan(field('cMcpNote'), { label: ' Note MCP ', tooltip: 'Saisie libre' }, { label: 'MCP Note' });
    expect(p.body).toEqual({ type: 'varchar', maxLength: 120, isCustom: true, label: 'Note MCP', tooltipText: 'Saisie libre', tooltip: true });
    expect(p.diff).toEqual([
      { key: 'label', before: 'MCP Note', after: 'Note MCP' },
      { key: 'tooltip', before: undefined, after: 'Saisie libre' },
    ]);
    const withTip = { ...field('cMcpNote'), tooltip: true };
    const removal = plan(withTip, { tooltip: null }, { i18n: { tooltip: 'old' } });
    expect(removal.body).toMatchObject({ tooltipText: '', tooltip: false });
    expect(removal.diff).toEqual([{ key: 'tooltip', before: 'old', after: undefined }]);
    expect(plan(field('cMcpNote'), { tooltip: '' }).changed).toBe(false);
    expect(plan(withTip, { tooltip: 'old' }, { i18n: { tooltip: 'old' } }).changed).toBe(false);
  });

  it('the type cannot change', () => {
    const [e] = refused(field('cMcpNote'), { type: 'text' });
    expect(e).toMatchObject({ code: 'type_change' });
    expect(e!.message).toContain('Create a new field of type "text"');
  });

  it('varchar maxLength: the limit applies, and shrinking warns about existing values', () => {
    expect(refused(field('cMcpNote'), { maxLength: 400 })[0]!.message).toContain('from 1 to 255');
    expect(plan(field('cMcpNote'), { maxLength: 60 }).warnings[0]).toContain('maxLength goes down from 120 to 60');
    expect(plan(field('cMcpNote'), { maxLength: 200 }).warnings).toEqual([]);
  });

  it('int ranges: checked against the current values, narrowing warns', () => {
    expect(refused(field('cScore'), { min: 200 })[0]).toMatchObject({ code: 'range_invalid', message: expect.stringContaining('"min" (200) is greater than "max" (100)') });
    expect(plan(field('cScore'), { max: 50 }).warnings[0]).toContain('narrower');
    const cleared = plan(field('cScore'), { max: null });
    expect(cleared.body.max).toBeNull();
    expect(cleared.warnings).toEqual([]);
  });

  it('required on: a warning about existing empty records', () => {
    expect(plan(field('cMcpNote'), { required: true }).warnings[0]).toContain('becomes required');
  });

  it('a broken rule of the current definition does not block an unrelated change', () => {
    const legacy: FieldDef = { type: 'enum', options: ['a', 'A', 'b'], default: 'zz', isCustom: true };
    expect(plan(legacy, { audited: true }).body).toMatchObject({ audited: true, options: ['a', 'A', 'b'] });
    expect(refused(legacy, { addOptions: ['c'] }).map((e) => e.code)).toEqual(expect.arrayContaining(['options_duplicate', 'default_invalid']));
  });

  it('a core field: stored extras are kept, display-only keys are not sent (as in the recorded update)', () => {
    const recorded = readFileSync(new URL('../../fixtures/recorded/exchanges.jsonl', import.meta.url), 'utf8')
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { name: string; requestBody: Record<string, unknown> })
      .find((e) => e.name === 'fieldManager.update.coreField.status')!;
    const p = plan(field('status'), { addOptions: ['Nurture'] }, { label: 'Status' });
    expect(p.body.options).toEqual(recorded.requestBody.options);
    expect(p.body.type).toBe(recorded.requestBody.type);
    expect(p.body.notActualOptions).toEqual(['Converted', 'Recycled', 'Dead']);
    expect(p.body).not.toHaveProperty('customizationOptionsReferenceDisabled');
    expect(p.body).not.toHaveProperty('fieldManagerAdditionalParamList');
    // The field's own extra parameter can be changed; an unrelated key cannot.
    expect(plan(field('status'), { params: { notActualOptions: ['Dead'] } }).diff).toEqual([{ key: 'notActualOptions', before: ['Converted', 'Recycled', 'Dead'], after: ['Dead'] }]);
    expect(refused(field('status'), { params: { isCustom: true } })[0]!.code).toBe('param_not_applicable');
  });

  it('parameters of another type and unknown keys are refused', () => {
    expect(refused(field('cScore'), { maxLength: 3 })[0]).toMatchObject({ code: 'param_not_applicable', message: expect.stringContaining('Parameters of int') });
    expect(refused(field('cMcpNote'), { optionLabels: { a: 'A' } })[0]!.code).toBe('param_not_applicable');
  });

  it('option labels only for existing options', () => {
    expect(refused(tier(), { optionLabels: { Diamond: 'Diamant' } })[0]).toMatchObject({ code: 'option_label_invalid', message: expect.stringContaining('"Diamond"') });
  });

  it('date defaults map like on create', () => {
    const p = plan(field('cFollowUp'), { default: 'today' });
    expect(p.body.default).toBe('javascript: return this.dateTime.getToday();');
    expect(p.notes[0]).toContain('default "today" is stored as');
  });

  it('the entity must accept custom fields; an unknown field type cannot be planned', () => {
    expect(refused(field('cMcpNote'), { label: 'x' }, metaFor('AuthToken'))[0]!.code).toBe('entity_not_customizable');
    expect(refused({ type: 'notARealType', isCustom: true }, { label: 'x' }).map((e) => e.code)).toContain('unknown_type');
  });
});

describe('CRM values in messages', () => {
  it('are marked, so a model reads them fenced, and never reach the body sent to the CRM', () => {
    const raw = compareDefinition({ type: 'int' }, { type: 'float' }).differences;
    expect(raw).toEqual(['type: expected "int", found \uE000"float"\uE001']);
    expect(fenceMarked(raw[0]!)).toMatch(/^type: expected "int", found <(untrusted-data-[0-9a-f]{16})>"float"<\/\1>$/);
    const refusal = planFieldUpdate(tier(), 'Label', { removeOptions: ['Bronz'] }, lead());
    if (refusal.ok) throw new Error('expected a refusal');
    expect(refusal.errors[0]!.message).toContain('Did you mean "\uE000Bronze\uE001"?');
    const r = planFieldUpdate(tier(), 'MCP Tier', { removeOptions: ['Silver'], default: 'Gold' }, lead());
    if (!r.ok) throw new Error('expected a plan');
    expect(r.plan.warnings[0]).toContain('Options removed: \uE000"Silver"\uE001.');
    expect(JSON.stringify([r.plan.body, r.plan.diff])).not.toMatch(/[\uE000\uE001]/);
  });
});
