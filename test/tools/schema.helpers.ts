/** Shared bits of the schema tool tests (create/update/delete_custom_field, describe_entity, rebuild). */
import { expect } from 'vitest';
import type { Harness } from '../helpers/harness.js';
import type { Sandbox } from '../../src/sandbox/index.js';

export type Structured = Record<string, unknown>;

const WRITE_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

/** The sandbox requests that could change something (method and path). */
export function writes(sandbox: Sandbox, since = 0): string[] {
  return sandbox.requests.slice(since).filter((r) => WRITE_METHODS.has(r.method)).map((r) => `${r.method} ${r.path}`);
}

/** Calls a tool and fails the test, with the tool's text, when it answers with an error. */
export async function ok(h: Harness, tool: string, args: Record<string, unknown>): Promise<{ structured: Structured; text: string }> {
  const res = await h.call(tool, args);
  expect(res.isError, `${tool} failed: ${res.text}`).toBe(false);
  return res;
}

/** Calls a tool that must fail; returns its error text. */
export async function fails(h: Harness, tool: string, args: Record<string, unknown>): Promise<string> {
  const res = await h.call(tool, args);
  expect(res.isError, `${tool} should have failed but answered: ${res.text.slice(0, 400)}`).toBe(true);
  return res.text;
}

/** A custom field as describe_entity reports it. */
export type FieldInfo = { name: string; type: string; label?: string; custom: boolean; required: boolean; options?: Array<{ value: string; label?: string }>; layouts?: string[]; [k: string]: unknown };

export async function describeField(h: Harness, tenant: string, entity: string, name: string): Promise<FieldInfo | undefined> {
  const res = await h.call('describe_entity', { tenant, entity, fields: [name] });
  if (res.isError) return undefined;
  // `name` may be the natural name ("secteur"): the tool answers with the one stored field it refers to.
  const fields = res.structured.fields as FieldInfo[];
  return fields.length === 1 ? fields[0] : fields.find((f) => f.name === name);
}
