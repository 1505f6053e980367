import { z } from 'zod';
import { checkEntity } from './entity.js';
import { FieldSpecError } from './errors.js';
import { resolveFieldType } from './fieldTypes.js';
import { checkFieldName, labelFromName } from './naming.js';
import { mergeByOption, normalizeOptionInputs, normalizeOptionLabels, toTranslatedOptions } from './options.js';
import { checkApplicable, checkOptionLabelsApplicable } from './params.js';
import { fieldRequestShape } from './request.js';
import { LABEL_MAX_LENGTH, applyTypeRules, checkOptionLabels, paramDefs } from './rules.js';
import { isRecord } from './suggest.js';
import type { FieldMeta, FieldSpec, FieldSpecResult } from './types.js';
import { espoFeatures } from './version.js';
import { fromZodIssues } from './zodErrors.js';

/** Request keys that are not definition parameters. */
const ENVELOPE_KEYS = new Set(['entity', 'name', 'type', 'label', 'tooltip', 'optionLabels', 'params']);

/** Extra top-level keys are kept (as type parameters) so a misplaced key gets a precise error. */
const LooseFieldRequestSchema = z.looseObject(fieldRequestShape);

/** A label: trimmed, 1-255 characters of any script. */
export function checkLabel(label: string, path = 'label'): { label: string } | { error: FieldSpecError } {
  const t = label.trim();
  if (t === '') return { error: new FieldSpecError('label_invalid', 'The label is empty. Give the text users should see, e.g. "Secteur d\'activité", or leave "label" out.', path) };
  if (t.length > LABEL_MAX_LENGTH) return { error: new FieldSpecError('label_invalid', `The label is ${t.length} characters long; keep it within ${LABEL_MAX_LENGTH} and put explanations in "tooltip".`, path) };
  return { label: t };
}

/**
 * Validates a request to create a field against one tenant's metadata and returns the spec to
 * write, or every problem found (not only the first). Pure: the caller fetched the metadata.
 * Pass only the field request (not `tenant`, `dryRun`...): unknown keys are read as parameters.
 */
export function validateFieldRequest(req: unknown, meta: FieldMeta): FieldSpecResult {
  const parsed = LooseFieldRequestSchema.safeParse(req);
  if (!parsed.success) return { ok: false, errors: fromZodIssues(parsed.error.issues, req) };
  const r = parsed.data;
  const errors: FieldSpecError[] = [];
  const notes: string[] = [];

  errors.push(...checkEntity(meta));
  const defs = meta.entity.defs;
  const fields = isRecord(defs?.fields) ? defs.fields : {};
  const links = isRecord(defs?.links) ? defs.links : {};
  if (r.entity.trim().toLowerCase() !== meta.entity.name.toLowerCase()) {
    errors.push(new FieldSpecError('invalid_request', `The request names entity "${r.entity}" but the metadata given is for "${meta.entity.name}".`, 'entity'));
  } else if (r.entity !== meta.entity.name) {
    notes.push(`entity "${r.entity}" is "${meta.entity.name}".`);
  }

  // Type.
  const typeRes = resolveFieldType(r.type, meta.fieldTypes);
  if (!typeRes.ok) errors.push(typeRes.error);
  else notes.push(...typeRes.notes);

  // Name.
  const prefixEnabled = espoFeatures(meta.version).customPrefix && meta.customPrefixDisabled !== true;
  const nameRes = checkFieldName(r.name, {
    entityIsCustom: meta.entity.scope?.isCustom === true,
    prefixEnabled,
    existingFields: Object.keys(fields),
    existingLinks: Object.keys(links),
  });
  let existing: FieldSpec['existing'];
  if (!nameRes.ok) errors.push(...nameRes.errors);
  else {
    notes.push(...nameRes.name.notes);
    const { stored, exists } = nameRes.name;
    const current = fields[stored];
    if (exists && current !== undefined) {
      if (current.isCustom !== true) {
        errors.push(
          new FieldSpecError(
            'name_conflict',
            `${meta.entity.name} already has a built-in field "${stored}" (type ${String(current.type)}). Choose another name for a new field; to change the built-in one, use update_custom_field.`,
            'name',
          ),
        );
      } else {
        existing = current;
      }
    } else if (typeRes.ok && typeRes.type === 'currency') {
      // A currency field also creates the attributes {name}Currency and {name}Converted.
      const taken = [`${stored}Currency`, `${stored}Converted`].filter((a) => fields[a] !== undefined);
      if (taken.length > 0) {
        errors.push(new FieldSpecError('name_conflict', `A currency field "${stored}" would also create ${taken.join(' and ')}, which already exist. Choose another name.`, 'name'));
      }
    }
  }

  // Label and tooltip.
  let label = '';
  if (r.label !== undefined) {
    const l = checkLabel(r.label);
    if ('error' in l) errors.push(l.error);
    else label = l.label;
  } else if (nameRes.ok) {
    label = labelFromName(nameRes.name.base);
    notes.push(`label "${label}" is made from the name (give "label" to choose it).`);
  }
  const tooltip = r.tooltip?.trim() ? r.tooltip.trim() : undefined;

  if (!typeRes.ok) return { ok: false, errors };
  const type = typeRes.type;
  const typeDef = meta.fieldTypes[type]!;

  // Parameters: the named keys, any other top-level key, and `params`.
  const params: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(r)) {
    if (!ENVELOPE_KEYS.has(k) && v !== undefined && v !== null) params[k] = v;
  }
  for (const [k, v] of Object.entries(r.params ?? {})) {
    if (ENVELOPE_KEYS.has(k)) errors.push(new FieldSpecError('invalid_request', `"${k}" belongs at the top level of the request, not inside "params".`, `params.${k}`));
    else if (params[k] !== undefined) errors.push(new FieldSpecError('invalid_request', `"${k}" is given both directly and in "params"; give it once.`, `params.${k}`));
    else if (v !== undefined && v !== null) params[k] = v;
  }

  // Options: values, labels and styles from option objects.
  let optionLabels: Record<string, string> = {};
  if (Array.isArray(r.options)) {
    const n = normalizeOptionInputs(r.options, 'options');
    errors.push(...n.errors);
    notes.push(...n.notes);
    params.options = n.values;
    optionLabels = n.labels;
    if (Object.keys(n.styles).length > 0) {
      const m = mergeByOption(n.styles, isRecord(r.style) ? (r.style as Record<string, string>) : {}, 'style', 'style');
      errors.push(...m.errors);
      params.style = m.merged;
    }
  }
  if (r.optionLabels !== undefined) {
    const m = mergeByOption(optionLabels, normalizeOptionLabels(r.optionLabels), 'label', 'optionLabels');
    errors.push(...m.errors);
    optionLabels = m.merged;
  }
  const hasLabels = Object.keys(optionLabels).length > 0;
  if (hasLabels) {
    const applicable = checkOptionLabelsApplicable(type, typeDef);
    errors.push(...applicable);
    if (applicable.length === 0) errors.push(...checkOptionLabels(optionLabels, Array.isArray(params.options) ? (params.options as string[]) : []));
  }

  const applicability = checkApplicable(Object.keys(params), type, typeDef);
  errors.push(...applicability);
  const notApplicable = new Set(applicability.map((e) => e.path));
  for (const k of notApplicable) if (k !== undefined) delete params[k];

  // EspoCRM's UI sends varchar's default maxLength; so do we, so the definition is explicit.
  const defaultMaxLength = paramDefs(typeDef).get('maxLength')?.default;
  if (type === 'varchar' && params.maxLength === undefined && typeof defaultMaxLength === 'number') {
    params.maxLength = defaultMaxLength;
    notes.push(`maxLength is ${defaultMaxLength} (EspoCRM's default for varchar; give "maxLength" up to 255 to change it).`);
  }

  const rules = applyTypeRules(params, {
    type,
    typeDef,
    entityFields: fields,
    regExpPatternNames: meta.regExpPatternNames,
    touched: 'all',
  });
  errors.push(...rules.errors);
  notes.push(...rules.notes);
  const finalParams = Object.fromEntries(Object.entries(rules.def).filter(([, v]) => v !== null && v !== undefined));
  // A null colour means "none" on update; a new field simply has none.
  if (isRecord(finalParams.style)) finalParams.style = Object.fromEntries(Object.entries(finalParams.style).filter(([, c]) => c !== null));

  if (errors.length > 0 || !nameRes.ok) return { ok: false, errors };
  const spec: FieldSpec = {
    entity: meta.entity.name,
    type,
    name: nameRes.name,
    label,
    params: finalParams,
    notes,
  };
  if (tooltip !== undefined) spec.tooltip = tooltip;
  if (hasLabels) spec.translatedOptions = toTranslatedOptions(optionLabels);
  if (existing !== undefined) spec.existing = existing;
  return { ok: true, spec };
}
