/**
 * The Field Manager as EspoCRM 9.x does it, quirks included: the `c` prefix added unconditionally
 * on standard entity types, 500s for bad names and scopes, only the type's parameters stored
 * (unknown keys dropped), unknown types accepted, an update without `type` failing with a bare 500
 * after its labels were saved, idempotent delete. Labels go to i18n, never to metadata.
 */
import { badRequest, conflict, SandboxHttpError, serverError } from './errors.js';
import type { SandboxState } from './state.js';
import type { FieldDef, Json } from './types.js';

type Body = Record<string, unknown>;

/** Keys every field may store besides its type's own parameters. */
const genericParams = ['isPersonalData', 'tooltip', 'inlineEditDisabled', 'defaultAttributes'];

const reservedNames = [
  'id', 'deleted', 'deleteId', 'skipDuplicateCheck', 'null', 'false', 'true', 'versionNumber', 'isStarred', 'isFollowed', 'followers',
  'teams', 'assignedUser', 'assignedUsers', 'collaborators', 'streamUpdatedAt', 'createdBy', 'createdAt', 'modifiedBy', 'modifiedAt',
  'emailAddressList', 'userEmailAddressList', 'excludeFromReplyEmailAddressList',
];

const linkTypes = ['link', 'linkMultiple', 'linkOne', 'linkParent'];

const snakeCase = (name: string) => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
const ucfirst = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const clone = (value: unknown) => structuredClone(value) as Json;

const translation = (label: string, scope: string | null, data: Record<string, Json>) => ({ messageTranslation: { label, scope, data } });

/** `GET Admin/fieldManager/{scope}/{name}`: the definition plus its translated `label`. */
export function readField(state: SandboxState, scope: string, name: string): Record<string, Json> {
  const def = state.metadata.fieldDef(scope, name);
  if (!def) throw serverError(`Can't read field defs ${scope}.${name}.`);
  return { ...(structuredClone(def) as Record<string, Json>), label: state.i18n.label(scope, name) ?? name };
}

/** The stored name for a requested one: `c` + ucfirst on standard entity types, since 8.2 and unless `customPrefixDisabled`. */
export function storedFieldName(state: SandboxState, scope: string, requested: string): string {
  const prefixed = state.versionAtLeast(8, 2) && state.settings.customPrefixDisabled !== true && !state.metadata.isCustomEntity(scope);
  return prefixed ? `c${ucfirst(requested)}` : requested;
}

/** `POST Admin/fieldManager/{scope}`. Returns the read view, which does not name the field. */
export function createField(state: SandboxState, scope: string, body: Body): Record<string, Json> {
  const requested = typeof body.name === 'string' ? body.name : '';
  if (requested === '') throw badRequest('');
  const name = storedFieldName(state, scope, requested);
  if (!state.metadata.isCustomizable(scope, 'fields')) throw serverError(`Entity type ${scope} is not customizable.`);
  if (snakeCase(name).length > 50) {
    throw serverError('Field name should not be longer than 50.', translation('nameIsTooLong', 'EntityManager', {}));
  }
  const defs = state.metadata.entityDefs(scope);
  if (defs?.fields[name]) {
    throw conflict(`Field '${name}' already exists in '${scope}'.`, translation('fieldAlreadyExists', 'FieldManager', { field: name, entityType: scope }));
  }
  const links = defs?.links ?? {};
  if (Object.hasOwn(links, name)) {
    throw conflict(`Link with name '${name}' already exists in '${scope}'.`, translation('linkWithSameNameAlreadyExists', 'FieldManager', { field: name, entityType: scope }));
  }
  const linkPart = /^(.+?)(Id|Name|Ids|Names|Type)$/.exec(name)?.[1];
  if (linkPart !== undefined && Object.hasOwn(links, linkPart)) {
    throw conflict('namingFieldLinkConflict', translation('namingFieldLinkConflict', 'FieldManager', { field: name, linkName: linkPart }));
  }
  if (reservedNames.some((reserved) => reserved.toLowerCase() === name.toLowerCase())) {
    throw conflict(`Field '${name}' is not allowed.`, translation('fieldNameIsNotAllowed', 'FieldManager', { field: name }));
  }
  if (!/^[a-z]/.test(name)) throw serverError('Field name should start with a lower case letter.');
  if (!/^[a-zA-Z0-9]+$/.test(name)) throw serverError('Field name should contain only letters and numbers.');
  const type = typeof body.type === 'string' ? body.type : '';
  if (type === '') throw badRequest('No type.');

  const def: FieldDef = { type };
  if (type === 'multiEnum') def.storeArrayValues = true;
  const params = paramTypes(state, type, undefined);
  for (const [key, value] of Object.entries(body)) {
    if (key === 'type' || !params.has(key) || value === null || value === undefined) continue;
    if (params.get(key) === 'bool' && value === false) continue;
    def[key] = clone(value);
  }
  if (type === 'enum' && def.maxLength === undefined) def.maxLength = 100;
  def.isCustom = true;
  state.metadata.setFieldDef(scope, name, def);
  state.i18n.setLabel(scope, name, typeof body.label === 'string' && body.label !== '' ? body.label : requested);
  saveTranslations(state, scope, name, body);
  return readField(state, scope, name);
}

/** `PUT`/`PATCH Admin/fieldManager/{scope}/{name}` (the same): a partial update that needs `type`. */
export function updateField(state: SandboxState, scope: string, name: string, body: Body): Record<string, Json> {
  if (!state.metadata.isCustomizable(scope, 'fields')) throw serverError(`Entity type ${scope} is not customizable.`);
  const existing = state.metadata.fieldDef(scope, name);
  // EspoCRM writes the labels before the definition fails to normalise without a type
  if (existing) {
    if (typeof body.label === 'string' && body.label !== '') state.i18n.setLabel(scope, name, body.label);
    saveTranslations(state, scope, name, body);
  }
  const type = typeof body.type === 'string' ? body.type : '';
  if (type === '') throw new SandboxHttpError(500);

  // An unknown name with a type is silently created, skipping the name rules (source reading).
  const def: FieldDef = existing ? (structuredClone(existing) as FieldDef) : { type, isCustom: true };
  def.type = type;
  const params = paramTypes(state, type, existing);
  for (const [key, value] of Object.entries(body)) {
    if (key === 'type' || !params.has(key) || value === undefined) continue;
    if (value === null || (params.get(key) === 'bool' && value === false)) delete def[key];
    else def[key] = clone(value);
  }
  state.metadata.setFieldDef(scope, name, def);
  if (!existing) {
    if (typeof body.label === 'string' && body.label !== '') state.i18n.setLabel(scope, name, body.label);
    saveTranslations(state, scope, name, body);
  }
  return readField(state, scope, name);
}

/** `DELETE Admin/fieldManager/{scope}/{name}`: custom fields only; a missing field is fine. */
export function deleteField(state: SandboxState, scope: string, name: string): true {
  const def = state.metadata.fieldDef(scope, name);
  if (!def) return true;
  if (def.isCustom !== true) throw serverError(`Cannot delete core field '${name}' in '${scope}'.`);
  if (linkTypes.includes(def.type)) throw serverError(`Field type ${def.type} cannot be removed.`);
  state.metadata.deleteFieldDef(scope, name);
  state.i18n.deleteField(scope, name);
  return true;
}

/** `POST FieldManager/action/resetToDefault`: drops the customisations of a core field. */
export function resetField(state: SandboxState, body: Body): true {
  const scope = typeof body.scope === 'string' ? body.scope : '';
  const name = typeof body.name === 'string' ? body.name : '';
  if (!scope || !name) throw badRequest('');
  const def = state.metadata.fieldDef(scope, name);
  if (!def) throw serverError(`Can't read field defs ${scope}.${name}.`);
  const core = state.metadata.coreFieldDef(scope, name);
  if (def.isCustom === true || !core) throw serverError(`Cannot reset to default custom field '${name}' in '${scope}'.`);
  state.metadata.setFieldDef(scope, name, core);
  state.i18n.resetField(scope, name);
  return true;
}

/** The keys a field of this type may store, with their parameter type. */
function paramTypes(state: SandboxState, type: string, existing: FieldDef | undefined): Map<string, string> {
  const out = new Map<string, string>();
  const params = state.metadata.fieldType(type)?.params;
  if (Array.isArray(params)) {
    for (const param of params) {
      if (typeof param === 'object' && param !== null && !Array.isArray(param) && typeof param.name === 'string') out.set(param.name, String(param.type ?? ''));
    }
  }
  for (const name of genericParams) if (!out.has(name)) out.set(name, name === 'defaultAttributes' ? 'jsonObject' : 'bool');
  const additional = existing?.fieldManagerAdditionalParamList;
  if (Array.isArray(additional)) {
    for (const param of additional) {
      if (typeof param === 'object' && param !== null && !Array.isArray(param) && typeof param.name === 'string') out.set(param.name, '');
    }
  }
  return out;
}

function saveTranslations(state: SandboxState, scope: string, name: string, body: Body): void {
  if (typeof body.tooltipText === 'string') state.i18n.setTooltip(scope, name, body.tooltipText);
  const translated = body.translatedOptions;
  if (typeof translated === 'object' && translated !== null && !Array.isArray(translated)) {
    state.i18n.setOptions(scope, name, translated as Record<string, Json>);
  }
}
