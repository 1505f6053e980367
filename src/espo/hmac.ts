import { createHmac } from 'node:crypto';

/**
 * The `X-Hmac-Authorization` header value (docs/espocrm.md, "HMAC signatures"):
 * `base64(apiKey + ":" + hex(HMAC-SHA256(secret, METHOD + " " + path)))`, where `path` is the
 * request path after the API base (`/api/v1`), with its leading slash and without the query string
 * (a signature over the query is refused with 401). Hex digests are what EspoCRM >= 8.4.1 expects.
 */
export function hmacAuthorization(apiKey: string, secret: string, method: string, path: string): string {
  const signed = `${method.toUpperCase()} ${signedPath(path)}`;
  const digest = createHmac('sha256', secret).update(signed, 'utf8').digest('hex');
  return Buffer.from(`${apiKey}:${digest}`, 'utf8').toString('base64');
}

/** `Lead?maxSize=1` → `/Lead`: the form EspoCRM signs (leading slash, no query, no fragment). */
export function signedPath(path: string): string {
  const noQuery = path.split(/[?#]/, 1)[0] ?? '';
  return noQuery.startsWith('/') ? noQuery : `/${noQuery}`;
}
