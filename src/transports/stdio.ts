import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { buildServer, type ServerOptions } from '../server.js';

/** Serves MCP over stdin/stdout until stdin closes or the process is told to stop. */
export async function serveStdio(opts: ServerOptions): Promise<void> {
  const server = buildServer(opts);
  const transport = new StdioServerTransport();
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    opts.logger.info({ why }, 'shutting down');
    await server.close().catch(() => undefined);
    await opts.registry.close().catch(() => undefined);
  };
  transport.onclose = () => void shutdown('transport closed');
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
  process.stdin.once('end', () => void shutdown('stdin ended'));
  await server.connect(transport);
  const tenants = opts.registry.visible(opts.principal).map((t) => t.id);
  opts.logger.info({ tenants, readOnly: opts.readOnly }, 'serving MCP over stdio');
}
