/** Counting the records of a tenant that hold a value in a field (docs/espocrm.md, "Records, lists and counts"). */
import { records } from '../espo/api/index.js';
import type { WhereItem } from '../espo/query.js';
import type { FieldDef } from '../core/fieldSpec/index.js';
import type { TenantContext } from '../tenants/registry.js';

export interface FilledCount {
  /** Records with a value; null when the CRM does not count (countDisabled). */
  count: number | null;
  /** At least one record holds a value. */
  any: boolean;
  /** The condition counted, in words. */
  condition: string;
  /** Fields with a default: records whose value differs from it (the default fills every record). */
  otherThanDefault?: number | null;
}

function filledWhere(field: string, type: string): { where: WhereItem[]; condition: string } {
  switch (type) {
    case 'bool':
      return { where: [{ type: 'isTrue', attribute: field }], condition: `${field} is true` };
    case 'multiEnum':
    case 'array':
    case 'checklist':
      return { where: [{ type: 'arrayIsNotEmpty', attribute: field }], condition: `${field} has at least one item` };
    case 'varchar':
    case 'text':
    case 'wysiwyg':
    case 'url':
      return {
        where: [{ type: 'and', value: [{ type: 'isNotNull', attribute: field }, { type: 'notEquals', attribute: field, value: '' }] }],
        condition: `${field} is not empty`,
      };
    default:
      return { where: [{ type: 'isNotNull', attribute: field }], condition: `${field} is set` };
  }
}

async function countWhere(tenant: TenantContext, entity: string, where: WhereItem[], signal?: AbortSignal): Promise<{ count: number | null; any: boolean }> {
  const client = tenant.client();
  const auth = tenant.config.admin ? ('admin' as const) : ('api' as const);
  const res = await records.list(client, entity, { maxSize: 0, where }, { auth, signal });
  if (res.total >= 0) return { count: res.total, any: res.total > 0 };
  // countDisabled: -1/-2 instead of a total; look for one row instead.
  const one = await records.list(client, entity, { maxSize: 1, where, select: ['id'] }, { auth, signal });
  return { count: null, any: one.list.length > 0 };
}

/** How many records of `entity` hold a value in `field` (counted as the admin, so ACL hides nothing). */
export async function countFilled(tenant: TenantContext, entity: string, field: string, def: FieldDef, signal?: AbortSignal): Promise<FilledCount> {
  const { where, condition } = filledWhere(field, def.type);
  const main = await countWhere(tenant, entity, where, signal);
  const out: FilledCount = { count: main.count, any: main.any, condition };
  // A default fills every record (existing rows get it when the column is added): count the others too.
  const d = def.default;
  if (def.type === 'bool' ? d === true : (typeof d === 'string' && d !== '' && !d.startsWith('javascript:')) || typeof d === 'number') {
    const others: WhereItem[] = def.type === 'bool' ? [{ type: 'isFalse', attribute: field }] : [...where, { type: 'notEquals', attribute: field, value: d as string | number }];
    out.otherThanDefault = (await countWhere(tenant, entity, others, signal)).count;
  }
  return out;
}
