/**
 * The live metadata of one sandbox: what `GET Metadata` serves, what the Field Manager changes, and
 * what the record store reads (it implements EntityCatalog). A pristine copy is kept so that
 * `FieldManager/action/resetToDefault` can restore core fields.
 */
import type { EntityCatalog, EntityDefs, FieldDef, Json } from './types.js';
import { initialMetadata, type JsonObject } from './metadata/index.js';

const isObject = (value: unknown): value is JsonObject => typeof value === 'object' && value !== null && !Array.isArray(value);

/** Value at a dotted path (`entityDefs.Lead.fields.status`), or undefined when any step is missing. */
export function valueAtPath(root: Json, dottedPath: string): Json | undefined {
  let current: Json | undefined = root;
  for (const key of dottedPath.split('.')) {
    if (!isObject(current) || !Object.hasOwn(current, key)) return undefined;
    current = current[key];
  }
  return current;
}

export class MetadataStore implements EntityCatalog {
  readonly core: JsonObject;
  private live: JsonObject;

  constructor(initial: JsonObject = initialMetadata()) {
    this.core = structuredClone(initial);
    this.live = structuredClone(initial);
  }

  /** The whole live tree (do not mutate; use the methods below). */
  all(): JsonObject {
    return this.live;
  }

  get(dottedPath: string): Json | undefined {
    return valueAtPath(this.live, dottedPath);
  }

  entityTypes(): string[] {
    return Object.keys(this.section('entityDefs'));
  }

  entityDefs(entityType: string): EntityDefs | undefined {
    const defs = this.section('entityDefs')[entityType];
    return isObject(defs) ? (defs as unknown as EntityDefs) : undefined;
  }

  scope(entityType: string): Record<string, Json> | undefined {
    const scope = this.section('scopes')[entityType];
    return isObject(scope) ? scope : undefined;
  }

  /** `scopes.X.customizable` is true and the entity manager does not switch off fields/layouts. */
  isCustomizable(entityType: string, aspect: 'fields' | 'layouts'): boolean {
    const scope = this.scope(entityType);
    if (!scope || scope.customizable !== true) return false;
    const manager = scope.entityManager;
    return !(isObject(manager) && manager[aspect] === false);
  }

  isCustomEntity(entityType: string): boolean {
    return this.scope(entityType)?.isCustom === true;
  }

  fieldDef(entityType: string, field: string): FieldDef | undefined {
    const fields = this.entityDefs(entityType)?.fields;
    return fields && Object.hasOwn(fields, field) ? fields[field] : undefined;
  }

  coreFieldDef(entityType: string, field: string): FieldDef | undefined {
    const value = valueAtPath(this.core, `entityDefs.${entityType}.fields.${field}`);
    return isObject(value) ? (structuredClone(value) as FieldDef) : undefined;
  }

  /** Field type definition `fields.{type}`, when the type is known. */
  fieldType(type: string): JsonObject | undefined {
    const def = this.section('fields')[type];
    return isObject(def) ? def : undefined;
  }

  setFieldDef(entityType: string, field: string, def: FieldDef): void {
    const defs = this.entityDefs(entityType);
    if (!defs) throw new Error(`unknown entity type ${entityType}`);
    defs.fields[field] = def;
  }

  /** Removes the field and the collection settings that point at it (as EspoCRM's delete does). */
  deleteFieldDef(entityType: string, field: string): void {
    const defs = this.entityDefs(entityType);
    if (!defs) return;
    delete defs.fields[field];
    const collection = defs.collection;
    if (collection) {
      if (collection.textFilterFields) collection.textFilterFields = collection.textFilterFields.filter((f) => f !== field);
      if (collection.orderBy === field) delete collection.orderBy;
    }
    const logic = valueAtPath(this.live, `logicDefs.${entityType}.fields`);
    if (isObject(logic)) delete logic[field];
  }

  private section(name: string): JsonObject {
    const value = this.live[name];
    if (isObject(value)) return value;
    const fresh: JsonObject = {};
    this.live[name] = fresh;
    return fresh;
  }
}
