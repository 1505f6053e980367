// The floor for bench/overhead.mjs: the smallest SDK v2 server that does what get_layout's wire work
// is (one tool; one GET of the layout with the admin token reused; the JSON back as text and structured
// content), over stdio (default) or Streamable HTTP (`--http`: prints its URL on stderr). Its overhead
// against the direct GET is what any server on this SDK pays before doing anything of its own.
import http from 'node:http';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { serveStdio } from '@modelcontextprotocol/server/stdio';
import { z } from 'zod';

const base = process.env.FLOOR_CRM_URL;
const user = process.env.FLOOR_USER;
const password = process.env.FLOOR_PASSWORD;
const login = await fetch(`${base}/App/user`, { headers: { 'Espo-Authorization': Buffer.from(`${user}:${password}`).toString('base64') } });
const { token } = await login.json();
const byToken = { 'Espo-Authorization': Buffer.from(`${user}:${token}`).toString('base64'), 'Espo-Authorization-By-Token': 'true' };

const build = () => {
  const server = new McpServer({ name: 'floor', version: '1.0.0' });
  server.registerTool(
    'get_layout',
    { description: 'A layout', inputSchema: z.object({ entity: z.string(), layout: z.string() }) },
    async ({ entity, layout }) => {
      const r = await fetch(`${base}/${encodeURIComponent(entity)}/layout/${encodeURIComponent(layout)}`, { headers: byToken });
      const layoutJson = await r.json();
      return { content: [{ type: 'text', text: JSON.stringify(layoutJson) }], structuredContent: { entity, layout, layoutJson } };
    },
  );
  return server;
};

if (process.argv.includes('--http')) {
  const { toNodeHandler } = await import('@modelcontextprotocol/node');
  const node = toNodeHandler(createMcpHandler(build, { legacy: 'stateless' }));
  const srv = http.createServer((req, res) => void node(req, res));
  srv.listen(0, '127.0.0.1', () => process.stderr.write(`"url":"http://127.0.0.1:${srv.address().port}/mcp"\n`));
} else {
  serveStdio(build);
}
