/**
 * What a route handler returns, and how EspoCRM writes it: JSON for arrays, objects, booleans and
 * numbers; a PHP string raw (unquoted); null as an empty body.
 */
import type { ServerResponse } from 'node:http';
import type { SandboxHttpError } from '../errors.js';

export interface Reply {
  status?: number;
  /** JSON-encoded body; undefined means no JSON body */
  json?: unknown;
  /** raw text body (what EspoCRM does with a PHP string) */
  raw?: string;
  headers?: Record<string, string>;
}

export const json = (value: unknown): Reply => ({ json: value });
export const raw = (text: string): Reply => ({ raw: text });
export const emptyBody = (): Reply => ({});

const cacheControl = 'no-store, no-cache, must-revalidate, post-check=0, pre-check=0';

export function writeReply(res: ServerResponse, reply: Reply, appTimestamp: number): void {
  const body = reply.raw ?? (reply.json === undefined || reply.json === null ? '' : JSON.stringify(reply.json));
  res.statusCode = reply.status ?? 200;
  res.setHeader('Content-Type', 'application/json');
  res.setHeader('Cache-Control', cacheControl);
  res.setHeader('Expires', '0');
  res.setHeader('Last-Modified', new Date().toUTCString());
  res.setHeader('X-App-Timestamp', String(appTimestamp));
  for (const [name, value] of Object.entries(reply.headers ?? {})) res.setHeader(name, value);
  res.end(body);
}

/**
 * EspoCRM's ErrorOutput: the status, `X-Status-Reason` when the error has one (an empty value is
 * still sent), and a JSON body only when the error carries one. 401 is answered as PHP does it,
 * with a text/html content type and, for a plain browser-like GET, a Basic challenge.
 */
export function writeError(res: ServerResponse, error: SandboxHttpError, options: { challenge: boolean }): void {
  res.statusCode = error.status;
  if (error.status === 401) {
    if (options.challenge) res.setHeader('WWW-Authenticate', 'Basic realm=""');
    res.setHeader('Content-type', 'text/html; charset=UTF-8');
    res.end();
    return;
  }
  res.setHeader('Content-Type', 'application/json');
  if (error.reason !== undefined) res.setHeader('X-Status-Reason', headerSafe(error.reason));
  res.end(error.body === undefined ? '' : JSON.stringify(error.body));
}

/** Characters not valid in a header value are replaced with spaces, as EspoCRM does. */
function headerSafe(text: string): string {
  return text.replace(/[^\t\x20-\x7e\x80-\xff]/g, ' ');
}
