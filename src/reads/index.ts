/**
 * The tenant-reads layer: everything tools and resources read from a tenant's CRM, taking the tenant
 * (and an abort signal), never a tool context. Version-aware through the tenant's caches
 * (src/tenants/profile.ts, src/tenants/metadata.ts). Nothing here writes.
 */
export { readScopes, resolveEntity, resolveIn, entityNames, specError, type ResolvedEntity } from './entities.js';
export { loadFieldContext, nameContext, existingField, baseNameOf, layoutContextOf, readLabels, fieldOptions, type FieldContext, type FieldLabels, type EntityLabels, type FieldOptions } from './fields.js';
export { FIELD_LAYOUTS, readLayout, requireLayout, layoutNotFoundError, sameLayout, assertLayoutsEditable, loadLayoutContext, fieldsInLayout } from './layouts.js';
export { countFilled, type FilledCount } from './records.js';
export { customizationOf, type Customization } from './customization.js';
