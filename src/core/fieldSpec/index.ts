/**
 * The field spec core: validate, name and plan custom fields. Pure, no I/O.
 *
 * How the tool handlers use it (metadata read once per call, from the tenant's cache):
 * - create_custom_field: `resolveEntityName(args.entity, scopes)`, build a `FieldMeta`, then
 *   `validateFieldRequest(request, meta)` (errors -> one tool error via `formatFieldSpecErrors`),
 *   `planFieldCreate(spec, { currentLabel })`: `create` -> POST `body`, read
 *   `entityDefs.{Entity}.fields.{stored}` back and `compareDefinition(expected, actual)`;
 *   `unchanged` -> answer unchanged; `conflict` -> its `error` (points to update_custom_field).
 * - update_custom_field: `findExistingField(args.name, ...)` -> the stored name (never a new
 *   one), then `planFieldUpdate(current, currentLabel, request, meta, i18n)`: `changed: false`
 *   -> unchanged; else PUT `body` to `Admin/fieldManager/{Entity}/{stored}`, show `diff` and `warnings`.
 * - delete_custom_field: `findExistingField`, then the handler checks `isCustom`.
 * - `espoFeatures(version)` says which EspoCRM behaviours apply (prefix, `Metadata?key=`...).
 */
export { FieldSpecError, formatFieldSpecErrors, type FieldSpecErrorCode } from './errors.js';
export type { EntityDefs, FieldDef, FieldMeta, FieldSpec, FieldSpecResult, FieldTypeDef, LinkDef, NameResolution, ParamDef, ScopeDefs } from './types.js';
export { FIELD_TYPE_ALIASES, SUPPORTED_FIELD_TYPES, resolveFieldType, type SupportedFieldType, type TypeResolution } from './fieldTypes.js';
export {
  FieldRequestSchema,
  FieldUpdateRequestSchema,
  OPTION_STYLES,
  OptionInputSchema,
  fieldRequestShape,
  fieldUpdateShape,
  type FieldRequest,
  type FieldUpdateRequest,
  type OptionInput,
} from './request.js';
export {
  MAX_FIELD_NAME_SNAKE_LENGTH,
  RESERVED_FIELD_NAMES,
  checkFieldName,
  findExistingField,
  labelFromName,
  resolveFieldName,
  toSnakeCase,
  type NameContext,
} from './naming.js';
export { checkEntity, customizableEntities, resolveEntityName } from './entity.js';
export { friendlyDateDefault, resolveDateDefault } from './dateDefaults.js';
export { ENUM_VALUE_MAX_LENGTH, LABEL_MAX_LENGTH, VARCHAR_MAX_LENGTH } from './rules.js';
export { checkLabel, validateFieldRequest } from './validate.js';
export { buildCreateBody, compareDefinition, expectedDefinition, planFieldCreate, sameValue, type CreatePlan } from './plan.js';
export { planFieldUpdate, type CurrentI18n, type FieldDiffEntry, type FieldUpdatePlan, type FieldUpdateResult } from './update.js';
export { compareEspoVersions, espoFeatures, parseEspoVersion, type EspoFeatures, type EspoVersion } from './version.js';
