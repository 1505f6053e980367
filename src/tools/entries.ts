/**
 * The tools as the server registers them: what tools/list shows (name, title, description, JSON
 * Schemas, annotations) and what the policy needs (kind, tenant-scoped, fleet), without loading a
 * tool's implementation; `load()` brings the definition in on its first call.
 *
 * Built (`npm run build`), the listing comes from dist/tools/tool-manifest.json, written by
 * scripts/gen-tool-manifest.mjs from the same definitions and the same conversion (listing.ts): the
 * server starts without importing the 24 tool modules and what they import (reads, cores, the EspoCRM
 * API modules, libphonenumber...), and tools/list is a cached JSON object from the first call. From the
 * sources (tests), or when the manifest is missing or from another version, the definitions are loaded
 * at once and listed from them.
 */
import { readFileSync } from 'node:fs';
import type { ToolKind } from '../tenants/policy.js';
import { SERVER_VERSION } from '../version.js';
import type { ToolDefinition } from './define.js';
import type { ListedTool } from './listing.js';

/** What the server needs of a tool before it is called. */
export interface ToolMeta {
  name: string;
  kind: ToolKind;
  tenantScoped: boolean;
  /** A fleet tool (plan_blueprint, apply_blueprint): run by the fleet pipeline. */
  fleet: boolean;
}

export interface ToolEntry extends ToolMeta {
  /** As tools/list shows it. */
  listed(): ListedTool;
  /** The definition (imported on first use, then the same object). */
  load(): Promise<ToolDefinition>;
}

/** One tool in tool-manifest.json. */
export interface ToolManifestEntry extends ToolMeta {
  listed: ListedTool;
  /** The module under dist/tools/ that exports it, and the export's name. */
  module: string;
  exportName: string;
}

export interface ToolManifest {
  version: string;
  tools: ToolManifestEntry[];
}

export const TOOL_MANIFEST = 'tool-manifest.json';

/** The build's manifest beside this module, or undefined (from the sources, or another version's). */
export function readToolManifest(url: URL = new URL(`./${TOOL_MANIFEST}`, import.meta.url)): ToolManifest | undefined {
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch {
    return undefined;
  }
  const m = JSON.parse(text) as ToolManifest;
  if (m.version !== SERVER_VERSION || !Array.isArray(m.tools)) return undefined;
  const safeModule = /^[a-z_]+\.js$/;
  if (!m.tools.every((t) => typeof t.name === 'string' && safeModule.test(t.module) && typeof t.exportName === 'string' && t.listed?.name === t.name)) return undefined;
  return m;
}

export function metaOf(tool: ToolDefinition): ToolMeta {
  return { name: tool.name, kind: tool.kind, tenantScoped: tool.tenantScoped, fleet: 'fleet' in tool };
}

function fromManifest(m: ToolManifest): ToolEntry[] {
  return m.tools.map((t) => {
    let loading: Promise<ToolDefinition> | undefined;
    const listed = Object.freeze({ ...t.listed });
    return {
      name: t.name,
      kind: t.kind,
      tenantScoped: t.tenantScoped,
      fleet: t.fleet,
      listed: () => listed,
      load: () =>
        (loading ??= import(new URL(`./${t.module}`, import.meta.url).href).then((mod: Record<string, unknown>) => {
          const def = mod[t.exportName] as ToolDefinition | undefined;
          if (!def || def.name !== t.name) throw new Error(`tool-manifest.json names ${t.module} ${t.exportName} for ${t.name}, which it does not export: rebuild (npm run build)`);
          return def;
        })),
    };
  });
}

function fromDefinitions(defs: readonly ToolDefinition[], listedTool: (def: ToolDefinition) => ListedTool): ToolEntry[] {
  return defs.map((def) => ({ ...metaOf(def), listed: () => listedTool(def), load: () => Promise.resolve(def) }));
}

const manifest = readToolManifest();
// Without a manifest, the catalogue's module now; its definitions are read on the first toolEntries()
// (a test may replace the catalogue with definitions of its own, made after this module loads).
const catalog = manifest ? undefined : await Promise.all([import('./catalog.js'), import('./listing.js')]);
let entries: readonly ToolEntry[] | undefined;

/** Every tool, in the order tools/list shows them. */
export function toolEntries(): readonly ToolEntry[] {
  return (entries ??= Object.freeze(manifest ? fromManifest(manifest) : fromDefinitions(catalog![0].allTools(), catalog![1].listedTool)));
}

/** Whether the tools come from the build's manifest (their modules load on first call). */
export const toolsFromManifest = manifest !== undefined;
