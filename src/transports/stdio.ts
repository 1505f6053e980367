import { serveMcpStdio, type ServerOptions } from '../server.js';

/**
 * Serves MCP over stdin/stdout (both protocol eras: the client's first message picks one) until stdin
 * closes or the process is told to stop.
 */
export async function serveStdio(opts: ServerOptions): Promise<void> {
  const serving = serveMcpStdio(opts);
  let closing = false;
  const shutdown = async (why: string) => {
    if (closing) return;
    closing = true;
    opts.logger.info({ why }, 'shutting down');
    await serving.close().catch(() => undefined);
    await opts.registry.close().catch(() => undefined);
  };
  process.once('SIGINT', () => void shutdown('SIGINT').then(() => process.exit(0)));
  process.once('SIGTERM', () => void shutdown('SIGTERM').then(() => process.exit(0)));
  // Not on the server's close: a client probing the 2026 era first may make the SDK discard one server.
  process.stdin.once('end', () => void shutdown('stdin ended'));
  // The start line once the client's first message is handled (a client writes its first requests at
  // spawn, and they wait in the pipe while the server starts): writing it loads the logger, which need
  // not delay the first answers. Within a second in any case, for a client that does not write at once.
  let started = false;
  const startLine = () => {
    if (started || closing) return;
    started = true;
    clearTimeout(fallback);
    const tenants = opts.registry.visible(opts.principal).map((t) => t.id);
    opts.logger.info({ tenants, readOnly: opts.readOnly }, 'serving MCP over stdio');
  };
  const fallback = setTimeout(startLine, 1_000).unref();
  // Only beside the transport's own reader (attached synchronously by serveMcpStdio): a first 'data'
  // listener would start the stream flowing before the transport reads it.
  if (process.stdin.listenerCount('data') > 0) process.stdin.once('data', () => setImmediate(startLine));
}
