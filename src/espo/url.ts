/**
 * Normalises the EspoCRM URL a user configured into the three forms the client needs. Users paste
 * the address of the web UI (`https://crm.example.com/`), of the API (`.../api/v1`), or of an install
 * in a subdirectory (`https://example.com/crm/`); all of them lead to the same API base.
 */

export interface EspoUrl {
  /** `https://crm.example.com` (scheme, host and port only): what the connection pool is bound to. */
  origin: string;
  /** The instance's address without a trailing slash (`https://example.com/crm`), comparable with
   *  EspoCRM's `siteUrl` setting. */
  siteUrl: string;
  /** `https://example.com/crm/api/v1/`: always ends with `/api/v1/`. */
  apiBase: string;
  /** The path part of `apiBase` (`/crm/api/v1/`), prefixed to every request path. */
  apiBasePath: string;
}

/** A configured URL that cannot be used; the message says what to change. */
export class EspoUrlError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EspoUrlError';
  }
}

const API_SUFFIX = /\/api\/v1$/i;

export function normalizeEspoUrl(input: string): EspoUrl {
  const raw = input.trim();
  if (raw === '') throw new EspoUrlError('The EspoCRM URL is empty. Set it to the address of the CRM, e.g. "https://crm.example.com".');

  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new EspoUrlError(
      `The EspoCRM URL "${describe(raw)}" is not a valid absolute URL. Use the full address with its scheme, e.g. "https://crm.example.com".`,
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new EspoUrlError(`The EspoCRM URL must start with https:// (or http://), not "${url.protocol}". Example: "https://crm.example.com".`);
  }
  if (url.username !== '' || url.password !== '') {
    // Never echo the URL itself here: it carries a credential.
    throw new EspoUrlError(
      'The EspoCRM URL contains a user name or password ("user:pass@host"). Remove them from the URL; configure the API key and the admin login as secrets instead.',
    );
  }
  if (url.hostname === '') throw new EspoUrlError(`The EspoCRM URL "${describe(raw)}" has no host name.`);
  if (url.search !== '' || raw.includes('?')) {
    throw new EspoUrlError(`The EspoCRM URL "${describe(stripAfter(raw, '?'))}?…" has a query string. Remove everything from "?" on.`);
  }
  if (url.hash !== '' || raw.includes('#')) {
    throw new EspoUrlError(
      `The EspoCRM URL "${describe(stripAfter(raw, '#'))}#…" has a fragment (the part the web UI adds, like "#Lead"). Remove everything from "#" on.`,
    );
  }

  let path = url.pathname.replace(/\/+$/, '');
  if (API_SUFFIX.test(path)) path = path.replace(API_SUFFIX, '');
  if (/\/api\/v1\//i.test(`${path}/`)) {
    throw new EspoUrlError(
      `The EspoCRM URL "${describe(raw)}" points inside the API. Use the address of the CRM (the part before "/api/v1").`,
    );
  }

  const origin = url.origin;
  const siteUrl = `${origin}${path}`;
  const apiBasePath = `${path}/api/v1/`;
  return { origin, siteUrl, apiBase: `${origin}${apiBasePath}`, apiBasePath };
}

function stripAfter(s: string, ch: string): string {
  const i = s.indexOf(ch);
  return i < 0 ? s : s.slice(0, i);
}

/** Shown in messages: credentials masked, query cut, bounded so a pasted blob does not flood the error. */
function describe(s: string): string {
  const safe = stripAfter(s, '?').replace(/^([a-z][a-z0-9+.-]*:\/\/)?[^/?#@]*@/i, '$1***@');
  return safe.length > 120 ? `${safe.slice(0, 117)}...` : safe;
}
