import { FieldSpecError } from './errors.js';
import { closestMatch, isRecord } from './suggest.js';
import type { FieldMeta, ScopeDefs } from './types.js';

/** Entity types that accept custom fields: customizable and not closed to the Entity Manager's fields. */
export function customizableEntities(scopes: Record<string, ScopeDefs>): string[] {
  return Object.entries(scopes)
    .filter(([, s]) => isRecord(s) && s.entity === true && isCustomizable(s))
    .map(([name]) => name)
    .sort();
}

function isCustomizable(scope: ScopeDefs): boolean {
  return scope.customizable === true && !(isRecord(scope.entityManager) && scope.entityManager.fields === false);
}

function listHint(scopes: Record<string, ScopeDefs> | undefined): string {
  if (!scopes) return '';
  const names = customizableEntities(scopes);
  return names.length ? ` Entity types that accept custom fields: ${names.join(', ')}.` : '';
}

/**
 * Resolves an entity type name as the model wrote it ("lead", "Leads") against `metadata.scopes`:
 * exact, else a unique case-insensitive match; otherwise an error with the closest name.
 */
export function resolveEntityName(
  input: string,
  scopes: Record<string, ScopeDefs>,
): { ok: true; name: string; notes: string[] } | { ok: false; error: FieldSpecError } {
  const entities = Object.keys(scopes).filter((k) => isRecord(scopes[k]) && scopes[k].entity === true);
  const trimmed = input.trim();
  if (entities.includes(trimmed)) return { ok: true, name: trimmed, notes: [] };
  const ci = entities.filter((e) => e.toLowerCase() === trimmed.toLowerCase());
  if (ci.length === 1) return { ok: true, name: ci[0]!, notes: [`entity "${trimmed}" is "${ci[0]}".`] };
  const guess = closestMatch(trimmed, entities);
  return {
    ok: false,
    error: new FieldSpecError('unknown_entity', `Unknown entity type "${trimmed}".${guess ? ` Did you mean "${guess}"?` : ''}${listHint(scopes)}`, 'entity'),
  };
}

/**
 * The entity exists and EspoCRM lets custom fields be added to it (docs/espocrm.md, "Entity types
 * that accept custom fields").
 */
export function checkEntity(meta: FieldMeta): FieldSpecError[] {
  const { name, defs, scope } = meta.entity;
  if (defs === undefined && scope === undefined) {
    const guess = meta.scopes ? closestMatch(name, Object.keys(meta.scopes).filter((k) => meta.scopes?.[k]?.entity === true)) : undefined;
    return [new FieldSpecError('unknown_entity', `Unknown entity type "${name}".${guess ? ` Did you mean "${guess}"?` : ''}${listHint(meta.scopes)}`, 'entity')];
  }
  if (scope === undefined || !isRecord(scope) || scope.customizable !== true) {
    return [
      new FieldSpecError(
        'entity_not_customizable',
        `Entity type "${name}" does not accept custom fields: EspoCRM marks it as not customizable (scopes.${name}.customizable is not true).${listHint(meta.scopes)}`,
        'entity',
      ),
    ];
  }
  if (isRecord(scope.entityManager) && scope.entityManager.fields === false) {
    return [
      new FieldSpecError(
        'entity_not_customizable',
        `Entity type "${name}" does not accept custom fields: EspoCRM closes its fields to the Entity Manager (scopes.${name}.entityManager.fields is false).${listHint(meta.scopes)}`,
        'entity',
      ),
    ];
  }
  return [];
}
