import type { EspoClient } from '../client.js';
import type { WriteClient } from '../writeAccess.js';
import { callOptions, isRecord, segment, type CallOptions } from './common.js';
import { unexpected } from './app.js';

/** A field definition as the Field Manager returns it: the merged metadata plus `label`. */
export interface FieldDefinition {
  type: string;
  label?: string;
  isCustom?: boolean;
  [param: string]: unknown;
}

/** `GET Admin/fieldManager/{Entity}/{field}`. A missing field is a 500 (EspoServerError), not 404. */
export async function read(client: EspoClient, entityType: string, field: string, opts?: CallOptions): Promise<FieldDefinition> {
  const res = await client.request({
    method: 'GET', path: `Admin/fieldManager/${segment(entityType, 'entityType')}/${segment(field, 'field')}`, auth: 'admin', ...callOptions(opts),
  });
  return asDefinition(client, res.body);
}

/**
 * `POST Admin/fieldManager/{Entity}`. Send `name` without the `c` prefix: EspoCRM adds it (on
 * non-custom entity types) and does not say the final name in the answer.
 */
export async function create(
  client: WriteClient,
  entityType: string,
  definition: { name: string; type: string; label?: string; [param: string]: unknown },
  opts?: CallOptions,
): Promise<FieldDefinition> {
  const res = await client.request({
    method: 'POST', path: `Admin/fieldManager/${segment(entityType, 'entityType')}`, body: definition, auth: 'admin', ...callOptions(opts),
  });
  return asDefinition(client, res.body);
}

/** `PUT Admin/fieldManager/{Entity}/{field}` with the stored name. Always include `type`. */
export async function update(
  client: WriteClient,
  entityType: string,
  field: string,
  definition: { type: string; [param: string]: unknown },
  opts?: CallOptions,
): Promise<FieldDefinition> {
  const res = await client.request({
    method: 'PUT', path: `Admin/fieldManager/${segment(entityType, 'entityType')}/${segment(field, 'field')}`, body: definition, auth: 'admin', ...callOptions(opts),
  });
  return asDefinition(client, res.body);
}

/** `DELETE Admin/fieldManager/{Entity}/{field}`: true (also for a field that does not exist). */
async function remove(client: WriteClient, entityType: string, field: string, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({
    method: 'DELETE', path: `Admin/fieldManager/${segment(entityType, 'entityType')}/${segment(field, 'field')}`, auth: 'admin', ...callOptions(opts),
  });
  return res.body === true;
}
export { remove as delete };

/** `POST FieldManager/action/resetToDefault`: drops the customisations of a core field. */
export async function resetToDefault(client: WriteClient, entityType: string, field: string, opts?: CallOptions): Promise<boolean> {
  const res = await client.request({
    method: 'POST', path: 'FieldManager/action/resetToDefault', body: { scope: entityType, name: field }, auth: 'admin', ...callOptions(opts),
  });
  return res.body === true;
}

function asDefinition(client: EspoClient, body: unknown): FieldDefinition {
  if (!isRecord(body) || typeof body.type !== 'string') throw unexpected(client, 'Admin/fieldManager', 'a field definition');
  return body as FieldDefinition;
}
