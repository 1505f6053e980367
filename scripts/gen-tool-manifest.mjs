#!/usr/bin/env node
/**
 * Writes dist/tools/tool-manifest.json after `tsc` (part of `npm run build`): every tool as tools/list
 * shows it (the same conversion as the server's, src/tools/listing.ts), with its kind, whether it is
 * tenant-scoped or a fleet tool, and the module and export that define it. A built server starts and
 * lists its tools from this file, and imports a tool's module on its first call (src/tools/entries.ts).
 * test/tools/manifest.test.ts checks that the file matches the sources.
 */
import { readdirSync, writeFileSync } from 'node:fs';

const dir = new URL('../dist/tools/', import.meta.url);
const { allTools } = await import(new URL('catalog.js', dir).href);
const { listedTool } = await import(new URL('listing.js', dir).href);
const { metaOf, TOOL_MANIFEST } = await import(new URL('entries.js', dir).href);
const { SERVER_VERSION } = await import(new URL('../version.js', dir).href);

const defs = allTools();
const where = new Map();
for (const file of readdirSync(dir).filter((f) => f.endsWith('.js')).sort()) {
  const mod = await import(new URL(file, dir).href);
  for (const [exportName, value] of Object.entries(mod)) {
    if (defs.includes(value) && !where.has(value) && file !== 'catalog.js') where.set(value, { module: file, exportName });
  }
}
const tools = defs.map((def) => {
  const at = where.get(def);
  if (!at) throw new Error(`gen-tool-manifest: no module under dist/tools exports the tool ${def.name}`);
  return { ...metaOf(def), listed: listedTool(def), ...at };
});
writeFileSync(new URL(TOOL_MANIFEST, dir), `${JSON.stringify({ version: SERVER_VERSION, tools })}\n`);
process.stderr.write(`tool manifest: ${tools.length} tools -> dist/tools/${TOOL_MANIFEST}\n`);
