/** Shapes shared by the sandbox's modules. Plain JSON, as EspoCRM's metadata is. */

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** `entityDefs.{Entity}.fields.{field}` */
export interface FieldDef {
  type: string;
  [param: string]: Json | undefined;
}

/** `entityDefs.{Entity}` */
export interface EntityDefs {
  fields: Record<string, FieldDef>;
  links?: Record<string, Record<string, Json>>;
  collection?: { orderBy?: string; order?: 'asc' | 'desc'; textFilterFields?: string[]; countDisabled?: boolean };
  [key: string]: Json | undefined | Record<string, unknown>;
}

/** A stored record: attribute name to value (EspoCRM attributes, e.g. `firstName`, `emailAddress`). */
export type RecordAttributes = Record<string, Json>;

/** What the record store needs to know about entity types, read from the live (mutable) metadata. */
export interface EntityCatalog {
  /** The entity's current definitions, or undefined when the entity type is unknown. */
  entityDefs(entityType: string): EntityDefs | undefined;
  /** `scopes.{Entity}` */
  scope(entityType: string): Record<string, Json> | undefined;
}
