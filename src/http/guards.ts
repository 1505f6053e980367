/**
 * Transport safety for the HTTP mode, against DNS rebinding and cross-site requests: the `Host` header
 * must name this server, and a browser (`Origin` header) must be one the operator allowed.
 */
import { isIP } from 'node:net';

/** Host names that always mean this machine; accepted when the server is bound to loopback. */
export const LOOPBACK_HOSTNAMES: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

/** Whether a bind address only accepts connections from this machine. */
export function isLoopbackAddress(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * The `Host` values the server answers to: loopback names when bound to loopback, plus the configured
 * `allowedHosts` and the host of `publicUrl`. `'any'` when bound elsewhere with nothing configured
 * (authentication is mandatory there; the server warns at start).
 */
export function allowedHostsFor(bindHost: string, cfg: { allowedHosts?: readonly string[]; publicUrl?: string } | undefined): readonly string[] | 'any' {
  const out = new Set<string>((cfg?.allowedHosts ?? []).map((h) => h.toLowerCase()));
  if (cfg?.publicUrl) out.add(new URL(cfg.publicUrl).host.toLowerCase());
  if (isLoopbackAddress(bindHost)) for (const h of LOOPBACK_HOSTNAMES) out.add(h);
  return out.size === 0 ? 'any' : [...out];
}

/** An entry with a port (`mcp.example.com:8443`) must match exactly; one without matches any port. */
export function hostAllowed(hostHeader: string | undefined, allowed: readonly string[] | 'any'): boolean {
  if (allowed === 'any') return true;
  if (!hostHeader) return false;
  let parsed: URL;
  try {
    parsed = new URL(`http://${hostHeader}`);
  } catch {
    return false;
  }
  // URL drops a default port; the header is compared as sent, lower-cased.
  if (parsed.username || parsed.password || parsed.pathname !== '/' || parsed.search) return false;
  const hostname = parsed.hostname.toLowerCase();
  const withPort = hostHeader.toLowerCase();
  return allowed.some((entry) => entry === hostname || entry === withPort);
}

/**
 * The origins of this server itself when it is bound to loopback: a page it serves on its own port
 * (`http://localhost:3000` for a server on 127.0.0.1:3000) is not a cross-site request.
 */
export function ownOrigins(bindHost: string, port: number): string[] {
  return isLoopbackAddress(bindHost) ? LOOPBACK_HOSTNAMES.map((h) => `http://${h}:${port}`) : [];
}

/** No `Origin` is a non-browser client and fine; a browser must be on the allow-list, exactly. */
export function originAllowed(origin: string | undefined, allowed: readonly string[]): boolean {
  return origin === undefined || allowed.includes(origin);
}
