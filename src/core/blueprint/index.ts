/**
 * Blueprints (issue 19): the format (`schema.ts`), the types of a blueprint, of a tenant's
 * customization state and of plans (`types.ts`), planning and differences (`plan.ts`). Pure. The format: docs/blueprints.md.
 */
export * from './types.js';
export { BLUEPRINT_SCHEMA_ID, BLUEPRINT_SCHEMA_PATH, BlueprintSchema, blueprintJsonSchema, blueprintJsonSchemaText, formatPath, parseBlueprint } from './schema.js';
export { assertPlannable, diffCustomization, optionValueOf, planBlueprint, type PlanContext } from './plan.js';
