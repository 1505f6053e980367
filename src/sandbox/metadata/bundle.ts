/** What the sandbox defines per entity type: metadata, default layouts and English labels. */
import type { EntityDefs, Json } from '../types.js';

export interface EntityLabels {
  /** singular / plural scope names */
  scopeName: string;
  scopeNamePlural: string;
  /** field labels; fields without one get a label derived from their name */
  fields?: Record<string, string>;
  links?: Record<string, string>;
  /** `options.{field}.{value}` translations */
  options?: Record<string, Record<string, string>>;
  tooltips?: Record<string, string>;
}

export interface EntityBundle {
  name: string;
  scope: Record<string, Json>;
  entityDefs: EntityDefs;
  clientDefs: Record<string, Json>;
  /** `recordDefs.{Entity}` (admins only see it) */
  recordDefs?: Record<string, Json>;
  /** default layouts by name (the "module" layouts of EspoCRM) */
  layouts: Record<string, Json>;
  labels: EntityLabels;
}

/** Scope flags shared by the CRM entity types that the Field and Layout managers may change. */
export function crmScope(extra: Record<string, Json> = {}): Record<string, Json> {
  return {
    entity: true,
    layouts: true,
    tab: true,
    acl: true,
    module: 'Crm',
    customizable: true,
    stream: true,
    importable: true,
    object: true,
    isCustom: false,
    ...extra,
  };
}

const hookLists = [
  'readLoaderClassNameList', 'listLoaderClassNameList', 'saverClassNameList', 'selectApplierClassNameList', 'createInputFilterClassNameList',
  'updateInputFilterClassNameList', 'outputFilterClassNameList', 'beforeReadHookClassNameList', 'earlyBeforeCreateHookClassNameList',
  'beforeCreateHookClassNameList', 'earlyBeforeUpdateHookClassNameList', 'beforeUpdateHookClassNameList', 'beforeDeleteHookClassNameList',
  'afterCreateHookClassNameList', 'afterUpdateHookClassNameList', 'afterDeleteHookClassNameList', 'beforeLinkHookClassNameList',
  'beforeUnlinkHookClassNameList', 'afterLinkHookClassNameList', 'afterUnlinkHookClassNameList',
];

/** `recordDefs.X` of the CRM entity types: the general duplicate finder, no extra hooks. */
export function crmRecordDefs(): Record<string, Json> {
  return {
    duplicateWhereBuilderClassName: 'Espo\\Classes\\DuplicateWhereBuilders\\General',
    relationships: {},
    ...Object.fromEntries(hookLists.map((name) => [name, []])),
  };
}

/** "emailAddress" -> "Email Address", "cMcpTier" -> "C Mcp Tier" */
export function humanize(name: string): string {
  const spaced = name.replace(/([a-z0-9])([A-Z])/g, '$1 $2').replace(/([A-Z])([A-Z][a-z])/g, '$1 $2');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}
