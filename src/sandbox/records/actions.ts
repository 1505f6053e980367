/**
 * Request checks of `POST Action` (merge) and `POST MassAction`, in EspoCRM's order and with its
 * statuses and reasons (docs/espocrm.md, "Merge" and "Mass actions"; the merge errors are
 * recorded), plus the address combination a merge performs.
 */
import { badRequest, forbidden, notFound } from '../errors.js';
import type { AddressItem } from './schema.js';

export interface MergeRequest {
  entityType: string;
  targetId: string;
  sourceIds: string[];
  attributes: Record<string, unknown>;
}

export interface MassActionRequest {
  entityType: string;
  action: 'delete' | 'update';
  ids?: string[];
  searchParams?: Record<string, unknown>;
  /** update: attribute values to set */
  values: Record<string, unknown>;
  /** update: per array attribute, 'update' (default), 'add' or 'remove' */
  actions: Record<string, string>;
}

const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
const nonEmptyString = (v: unknown): v is string => typeof v === 'string' && v !== '';

export function parseMergeAction(body: unknown, entityExists: (entityType: string) => boolean): MergeRequest {
  const b = isObject(body) ? body : {};
  const { entityType, action, id } = b;
  if (!nonEmptyString(entityType) || !nonEmptyString(action) || !nonEmptyString(id)) throw badRequest();
  if (!entityExists(entityType)) throw forbidden();
  if (action !== 'merge') throw notFound(`Action '${action}' not found.`);
  const data = isObject(b.data) ? b.data : {};
  const sourceIds = data.sourceIdList;
  if (!Array.isArray(sourceIds) || sourceIds.length === 0 || !sourceIds.every(nonEmptyString)) throw badRequest("No 'sourceIdList'.");
  if (!isObject(data.attributes)) throw badRequest("No 'attributes'.");
  return { entityType, targetId: id, sourceIds: [...new Set(sourceIds)], attributes: data.attributes };
}

export function parseMassAction(body: unknown, entityExists: (entityType: string) => boolean): MassActionRequest {
  const b = isObject(body) ? body : {};
  const { entityType, action, params } = b;
  if (!nonEmptyString(entityType) || !nonEmptyString(action) || !isObject(params)) throw badRequest();
  const where = params.where ?? null;
  const search = params.searchParams ?? params.selectData ?? null;
  const ids = params.ids ?? null;
  if (where !== null && !Array.isArray(where)) throw badRequest("Bad 'where'.");
  if (search !== null && !isObject(search)) throw badRequest("Bad 'searchParams'.");
  if ((where !== null || search !== null) && ids !== null) throw badRequest("Can't combine 'ids' and search params.");
  if (where === null && search === null && ids === null) throw badRequest('Bad search params for mass action.');
  if (ids !== null && (!Array.isArray(ids) || !ids.every((i) => typeof i === 'string'))) throw badRequest("Bad 'ids'.");
  if (!entityExists(entityType)) throw forbidden();
  if (action !== 'delete' && action !== 'update') throw notFound(`Mass action '${action}' not found.`);

  const data = isObject(b.data) ? b.data : {};
  const values = isObject(data.values) ? data.values : Object.fromEntries(Object.entries(data).filter(([k]) => k !== 'actions'));
  const actions = isObject(data.actions)
    ? Object.fromEntries(Object.entries(data.actions).filter((e): e is [string, string] => typeof e[1] === 'string'))
    : {};
  let searchParams: Record<string, unknown> | undefined;
  if (search !== null || where !== null) searchParams = { ...(search ?? {}), ...(where !== null ? { where } : {}) };
  return {
    entityType,
    action,
    ...(ids !== null ? { ids: ids as string[] } : {}),
    ...(searchParams ? { searchParams } : {}),
    values,
    actions,
  };
}

/**
 * The addresses of the target and the sources, target first, without repeats. The primary is the one
 * equal to `primary` (the `emailAddress`/`phoneNumber` of the merge attributes) when given, else the
 * target's primary (the first of the list), as EspoCRM's Merger does.
 */
export function mergeAddressData(lists: AddressItem[][], primary: string | undefined, kind: 'email' | 'phone'): AddressItem[] {
  const same = (a: string, b: string) => (kind === 'email' ? a.toLowerCase() === b.toLowerCase() : a === b);
  const merged: AddressItem[] = [];
  for (const list of lists) {
    const ordered = [...list.filter((i) => i.primary), ...list.filter((i) => !i.primary)];
    for (const item of ordered) if (!merged.some((m) => same(m.address, item.address))) merged.push({ ...item });
  }
  if (primary !== undefined && primary !== '' && !merged.some((m) => same(m.address, primary))) {
    merged.unshift({ address: primary, primary: true, optOut: false, invalid: false, ...(kind === 'phone' ? { type: 'Mobile' } : {}) });
  }
  const index = primary ? merged.findIndex((m) => same(m.address, primary)) : 0;
  return merged.map((m, i) => ({ ...m, primary: i === index }));
}
