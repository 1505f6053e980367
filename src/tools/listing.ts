/**
 * How a tool is listed (tools/list): its zod input and output schemas as compact JSON Schema (draft
 * 2020-12), with its name, title, description and annotations. Shared by the server (when it lists the
 * tools from their definitions: under tests, from the sources) and by the build, which writes the same
 * listing for every tool into dist/tools/tool-manifest.json so that a server starts and answers
 * tools/list without loading a tool's implementation (src/tools/entries.ts).
 */
import { z } from 'zod';
import type { ToolDefinition } from './define.js';

export interface ListedTool {
  name: string;
  title: string;
  description: string;
  inputSchema: Record<string, unknown>;
  outputSchema: Record<string, unknown>;
  annotations: Record<string, unknown>;
}

const inputSchemas = new WeakMap<ToolDefinition, z.ZodObject>();
const listedTools = new WeakMap<ToolDefinition, ListedTool>();

/**
 * Unknown argument names are errors, never silently dropped (a typo like "maxlength" must not create a
 * field with the default length). Tools whose core reports unknown keys itself, with a "did you
 * mean", take them loosely and check them there.
 */
export function inputSchemaOf(tool: ToolDefinition): z.ZodObject {
  let schema = inputSchemas.get(tool);
  if (!schema) {
    schema = tool.looseInput ? z.looseObject(tool.input) : z.strictObject(tool.input);
    inputSchemas.set(tool, schema);
  }
  return schema;
}

/**
 * A schema as JSON Schema (draft 2020-12, the MCP default, so no `$schema`), compacted: zod's bounds
 * that say nothing (an integer's ±2^53) dropped, and a piece used more than once (a field name, a
 * panel reference, a layout target, with its description) defined once under `$defs`.
 */
function jsonSchemaOf(schema: z.ZodType, io: 'input' | 'output'): Record<string, unknown> {
  const json = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any' }) as Record<string, unknown>;
  delete json.$schema;
  return hoistRepeats(json.type === undefined ? { type: 'object', ...json } : json);
}

/** Subschemas at least this long (as JSON) that occur twice or more go to `$defs`. */
const HOIST_MIN_CHARS = 80;

function hoistRepeats(root: Record<string, unknown>): Record<string, unknown> {
  const isObject = (v: unknown): v is Record<string, unknown> => typeof v === 'object' && v !== null && !Array.isArray(v);
  const strip = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(strip);
    if (!isObject(v)) return v;
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) {
      if ((k === 'maximum' && x === Number.MAX_SAFE_INTEGER) || (k === 'minimum' && x === Number.MIN_SAFE_INTEGER)) continue;
      out[k] = strip(x);
    }
    return out;
  };
  const compact = strip(root) as Record<string, unknown>;
  // Count every subschema (not the root, not the property maps themselves) by its JSON.
  const counts = new Map<string, number>();
  const visit = (v: unknown, isSchema: boolean): void => {
    if (Array.isArray(v)) return v.forEach((x) => visit(x, isSchema));
    if (!isObject(v)) return;
    if (isSchema && v !== compact) {
      const key = JSON.stringify(v);
      counts.set(key, (counts.get(key) ?? 0) + 1);
    }
    for (const [k, x] of Object.entries(v)) visit(x, isSchema ? k !== 'properties' && k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples' : true);
  };
  visit(compact, true);
  const defs: Record<string, unknown> = {};
  const names = new Map<string, string>();
  const replace = (v: unknown, isSchema: boolean): unknown => {
    if (Array.isArray(v)) return v.map((x) => replace(x, isSchema));
    if (!isObject(v)) return v;
    if (isSchema && v !== compact) {
      const key = JSON.stringify(v);
      if (key.length >= HOIST_MIN_CHARS && (counts.get(key) ?? 0) >= 2) {
        let name = names.get(key);
        if (!name) {
          name = `d${names.size}`;
          names.set(key, name);
          defs[name] = v;
        }
        return { $ref: `#/$defs/${name}` };
      }
    }
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = replace(x, isSchema ? k !== 'properties' && k !== 'enum' && k !== 'const' && k !== 'default' && k !== 'examples' : true);
    return out;
  };
  const result = replace(compact, true) as Record<string, unknown>;
  return names.size ? { ...result, $defs: defs } : result;
}

/** A tool as tools/list shows it: its JSON Schemas converted once per process (or once at build: tool-manifest.json). */
export function listedTool(tool: ToolDefinition): ListedTool {
  let listed = listedTools.get(tool);
  if (!listed) {
    listed = {
      name: tool.name,
      title: tool.title,
      description: tool.description,
      inputSchema: jsonSchemaOf(inputSchemaOf(tool), 'input'),
      outputSchema: jsonSchemaOf(z.object(tool.output), 'output'),
      annotations: { title: tool.title, ...tool.annotations },
    };
    listedTools.set(tool, Object.freeze(listed));
  }
  return listed;
}


const outputSchemas = new WeakMap<ToolDefinition, z.ZodObject>();

export function outputSchemaOf(tool: ToolDefinition): z.ZodObject {
  let schema = outputSchemas.get(tool);
  if (!schema) {
    schema = z.object(tool.output);
    outputSchemas.set(tool, schema);
  }
  return schema;
}

