/**
 * OAuth 2.0 Protected Resource Metadata (RFC 9728) and the `WWW-Authenticate` challenge that points at
 * it, as the MCP authorization spec asks of a server that refuses a request for want of a token.
 */
import type { HttpConfig } from '../config/http.js';

export const MCP_PATH = '/mcp';
export const METADATA_PATH = '/.well-known/oauth-protected-resource';
/** RFC 9728 §3.1: the metadata of resource `<base>/mcp` may also be asked for with the path appended. */
export const METADATA_PATHS: readonly string[] = [METADATA_PATH, `${METADATA_PATH}${MCP_PATH}`];

/** Where clients reach the server: the configured `publicUrl`, else the (validated) Host of the request. */
export function publicBase(cfg: HttpConfig | undefined, hostHeader: string | undefined, fallbackHost: string): string {
  return cfg?.publicUrl ?? `http://${hostHeader ?? fallbackHost}`;
}

export function protectedResourceMetadata(base: string, cfg: HttpConfig | undefined): Record<string, unknown> {
  const issuer = cfg?.jwt?.issuer;
  const issuerIsUrl = issuer !== undefined && /^https?:\/\//.test(issuer);
  return {
    resource: `${base}${MCP_PATH}`,
    ...(issuerIsUrl ? { authorization_servers: [issuer] } : {}),
    bearer_methods_supported: ['header'],
    resource_name: 'espocrm-admin-mcp',
  };
}

/** RFC 6750 §3: no error code when the request carried no token; `invalid_token` etc. otherwise. */
export function wwwAuthenticate(base: string, failure?: { error: string; description: string }): string {
  const parts = [`resource_metadata="${base}${METADATA_PATH}"`];
  if (failure) parts.push(`error="${failure.error}"`, `error_description="${failure.description.replace(/["\\]/g, "'")}"`);
  return `Bearer ${parts.join(', ')}`;
}
