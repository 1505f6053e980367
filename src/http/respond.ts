import type { ServerResponse } from 'node:http';

/** A JSON body with the given status; `headers` are added as they are. */
export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) {
    res.end();
    return;
  }
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text), 'cache-control': 'no-store', ...headers });
  res.end(text);
}

/**
 * An HTTP-level refusal in the JSON-RPC error shape the MCP transport uses: `id` null unless the body
 * was read and held a single request (`extra.id`); `extra.data` is the error's data.
 */
export function sendJsonRpcError(
  res: ServerResponse,
  status: number,
  message: string,
  headers: Record<string, string> = {},
  code = -32000,
  extra: { id?: string | number | null; data?: unknown } = {},
): void {
  const error = { code, message, ...(extra.data !== undefined ? { data: extra.data } : {}) };
  sendJson(res, status, { jsonrpc: '2.0', error, id: extra.id ?? null }, headers);
}
