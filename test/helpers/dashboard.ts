/**
 * A browser-like client for the dashboard's HTTP routes (node:http, no redirect following): a cookie
 * jar, urlencoded forms, the CSRF token read from the page, and the Origin a browser would send.
 */
import { request as httpRequest } from 'node:http';

export interface PageResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: string;
  /** The body's bytes as sent (with `raw`: e.g. gzipped). */
  raw?: Buffer;
}

export function dashRequest(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; form?: Record<string, string>; raw?: boolean } = {},
): Promise<PageResponse> {
  const body = opts.form ? new URLSearchParams(opts.form).toString() : undefined;
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      url,
      {
        method: opts.method ?? (body !== undefined ? 'POST' : 'GET'),
        headers: {
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded', 'content-length': String(Buffer.byteLength(body)) } : {}),
          ...opts.headers,
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const bytes = Buffer.concat(chunks);
          resolve({ status: res.statusCode ?? 0, headers: res.headers, body: bytes.toString('utf8'), ...(opts.raw ? { raw: bytes } : {}) });
        });
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The value of the first hidden `csrf` field of a page. */
export function csrfOf(html: string): string {
  const m = /name="csrf"[^>]*value="([^"]*)"|value="([^"]*)"[^>]*name="csrf"/.exec(html);
  if (!m) throw new Error('no csrf field on the page');
  return (m[1] ?? m[2])!;
}

/** A browser session: keeps the cookie, sends its own Origin on POSTs. */
export class Browserish {
  cookie: string | undefined;
  constructor(readonly origin: string) {}

  async get(path: string, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.keep(await dashRequest(`${this.origin}${path}`, { headers: { ...this.cookieHeader(), ...headers } }));
  }

  async post(path: string, form: Record<string, string>, headers: Record<string, string> = {}): Promise<PageResponse> {
    return this.keep(await dashRequest(`${this.origin}${path}`, { form, headers: { origin: this.origin, ...this.cookieHeader(), ...headers } }));
  }

  /** Signs in through the form; returns the sign-in answer. */
  async signIn(token: string): Promise<PageResponse> {
    const page = await this.get('/dashboard/login');
    return this.post('/dashboard/login', { token, csrf: csrfOf(page.body) });
  }

  private cookieHeader(): Record<string, string> {
    return this.cookie ? { cookie: this.cookie } : {};
  }

  private keep(res: PageResponse): PageResponse {
    const set = res.headers['set-cookie'];
    for (const line of Array.isArray(set) ? set : set ? [set] : []) {
      const pair = line.split(';')[0]!;
      const value = pair.slice(pair.indexOf('=') + 1);
      this.cookie = value === '' ? undefined : pair;
    }
    return res;
  }
}

/** The tenant ids of the fleet table's rows, in order. */
export function rowTenants(html: string): string[] {
  return [...html.matchAll(/<tr[^>]*data-tenant="([^"]*)"/g)].map((m) => m[1]!);
}
