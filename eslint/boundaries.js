/**
 * Import boundaries of src/, as an ESLint rule (lint fails on a forbidden import; CI runs lint).
 * Each import is resolved against the importing file, so `../errors.js` from src/core/layout/ (inside
 * core) and from src/core/ (outside) are told apart. The zones, and why:
 *
 * - src/core: pure cores. They import nothing else of src/ (and no SDK): tools, the EspoCRM client,
 *   the server and the transports build on them, never the reverse.
 * - src/sandbox: the EspoCRM test double, shipped on its own ("./sandbox" export). It imports nothing
 *   outside itself.
 * - src/resources, src/prompts: read-only views. They import no tool and nothing that writes (the write
 *   pipeline, the server, the transports); tenants are read through src/reads.
 * - src/reads: the tenant-reads layer. It reads, so it imports no tool, pipeline, resource or server.
 * - src/tools: the server and the transports call tools, not the reverse; and a tool neither runs the
 *   write pipeline nor records audit lines (src/pipeline/run.ts, record.ts): the pipeline runs it.
 * - `writeAccess` (the right to write to a CRM) is minted by the write pipeline only (src/pipeline);
 *   elsewhere in src/ importing it is an error, so a tool cannot write without guard and audit.
 * - The MCP SDK's server API is used by src/server.ts (and the transports that carry it) only.
 */
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const src = path.join(root, 'src');

const ZONES = [
  { from: 'core', allow: ['core'], why: 'src/core is pure: it imports nothing else of src/ (tools, espo, server and transports build on it)' },
  { from: 'sandbox', allow: ['sandbox'], why: 'src/sandbox stands alone: it imports nothing outside itself' },
  { from: 'resources', deny: ['tools', 'pipeline', 'server', 'transports'], why: 'resources only read: they import no tool and nothing that writes (read tenants through src/reads)' },
  { from: 'prompts', deny: ['tools', 'pipeline', 'server', 'transports'], why: 'prompts import no tool and nothing that writes' },
  { from: 'reads', deny: ['tools', 'pipeline', 'resources', 'prompts', 'server', 'transports'], why: 'the tenant-reads layer reads: it imports no tool, write step, resource or server' },
  { from: 'tools', deny: ['server', 'transports', 'http'], why: 'the server calls tools, never the reverse' },
  { from: 'tools', denyPaths: ['pipeline/run', 'pipeline/record'], why: 'only the write pipeline runs write steps and records audit lines; a tool supplies plan, apply and verify' },
];

/** The top-level entry of src/ a path is in ("core", "server" for src/server.ts, ...), or undefined outside src/. */
function areaOf(file) {
  const rel = path.relative(src, file);
  if (rel.startsWith('..') || path.isAbsolute(rel)) return undefined;
  return rel.split(path.sep)[0].replace(/\.(js|ts)$/, '');
}

function check(context, node, source, specifiers) {
  const file = context.filename ?? context.getFilename();
  const from = areaOf(file);
  if (from === undefined) return;
  if (source.startsWith('@modelcontextprotocol/') && /\/server(\/|$)|^@modelcontextprotocol\/server/.test(source)) {
    if (!(from === 'server' || from === 'transports')) {
      context.report({ node, message: `"${source}": only src/server.ts (and the transports) touch the MCP SDK's server API.` });
    }
    return;
  }
  if (!source.startsWith('.')) return;
  const target = path.resolve(path.dirname(file), source);
  const to = areaOf(target);
  if (to === undefined) return;
  if (path.relative(src, target).replace(/\\/g, '/').replace(/\.(js|ts)$/, '') === 'espo/writeAccess' && from !== 'pipeline') {
    const valueImport = specifiers.some((s) => s.type === 'ImportSpecifier' && s.importKind !== 'type' && s.imported.name === 'writeAccess') || specifiers.some((s) => s.type !== 'ImportSpecifier');
    if (valueImport) context.report({ node, message: '`writeAccess` is minted by the write pipeline only (src/pipeline): write tools get a WriteClient in apply.' });
  }
  for (const zone of ZONES) {
    if (zone.from !== from) continue;
    const targetPath = path.relative(src, target).replace(/\\/g, '/').replace(/\.(js|ts)$/, '');
    const forbidden = zone.allow ? !zone.allow.includes(to) : zone.deny ? zone.deny.includes(to) : zone.denyPaths.includes(targetPath);
    if (forbidden) context.report({ node, message: `src/${from} may not import src/${to} ("${source}"): ${zone.why}.` });
  }
}

export const boundaries = {
  rules: {
    imports: {
      meta: { type: 'problem', schema: [], docs: { description: 'Import boundaries between the layers of src/' } },
      create(context) {
        return {
          ImportDeclaration(node) {
            check(context, node, node.source.value, node.specifiers);
          },
          ExportNamedDeclaration(node) {
            if (node.source) check(context, node, node.source.value, node.specifiers ?? []);
          },
          ExportAllDeclaration(node) {
            check(context, node, node.source.value, [{ type: 'ExportAll' }]);
          },
          ImportExpression(node) {
            if (node.source.type === 'Literal' && typeof node.source.value === 'string') check(context, node, node.source.value, [{ type: 'Dynamic' }]);
          },
        };
      },
    },
  },
};
