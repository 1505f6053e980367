import { z } from 'zod';
import { isSecretRef, looksLikeMalformedRef } from '../secrets/refs.js';
import { checkCountryCode } from './country.js';
import { builtOnUse, describeFound, describeKind, expected, strict, wholeNumber, describeUrl } from './messages.js';
import { httpSchema, httpTenantProblems } from './http.js';

/**
 * The zod schemas of tenants.json. Objects are strict (an unknown option is an error with a "did you
 * mean"); every error message says what was expected and what was found, except for secret fields,
 * whose values are never repeated.
 */

export const TENANT_ID = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
const TOOL_NAME = /^[a-z][a-z0-9_]*$/;
const REF_FORMS = '"env:NAME", "keychain", "keychain:ACCOUNT" or "file:PATH"';

/** Marks the issue of a literal secret; the formatter writes the fix, which needs the tenant and field. */
export const SECRET_LITERAL = 'secretLiteral';


function urlProblem(value: string, hint: string): string | undefined {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return `expected an http(s) URL, found ${describeUrl(value)} — ${hint}`;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    return `expected an http(s) URL, found ${describeUrl(value)} — ${hint}`;
  }
  // Credentials in a URL are a literal secret: say so without repeating the URL.
  if (url.username || url.password) {
    return 'must not contain a user name or password (the URL is not shown) — put the admin user in "admin" with a secret reference for its password';
  }
  if (url.search || url.hash) {
    return `expected the CRM's address without "?" or "#" parts, found ${describeUrl(value)} — ${hint}`;
  }
  return undefined;
}

const httpUrl = (hint: string) =>
  z.string({ error: expected('an http(s) URL', hint) }).superRefine((value, ctx) => {
    const problem = urlProblem(value, hint);
    if (problem) ctx.addIssue({ code: 'custom', message: problem });
  });

function malformedRefMessage(value: string): string {
  if (value.startsWith('env:')) {
    return '"env:" must be followed by an environment variable name (letters, digits and underscores), e.g. "env:DAMATH_ESPO_API_KEY"';
  }
  if (value.startsWith('keychain:')) {
    return '"keychain:" must be followed by an account name without surrounding spaces, e.g. "keychain:damath/apiKey", or write just "keychain"';
  }
  return '"file:" must be followed by a path, e.g. "file:secrets/damath-api-key" (relative to this file\'s folder)';
}

// Never describes the value itself: a wrong value here is most likely a pasted secret.
const secretRef = z
  .string({
    error: (iss) =>
      iss.input === undefined
        ? `missing: expected a secret reference (${REF_FORMS})`
        : `expected a secret reference written as a string (${REF_FORMS}), found ${describeKind(iss.input)}`,
  })
  .superRefine((value, ctx) => {
    if (isSecretRef(value)) return;
    if (looksLikeMalformedRef(value)) ctx.addIssue({ code: 'custom', message: malformedRefMessage(value) });
    else ctx.addIssue({ code: 'custom', message: 'a literal secret', params: { [SECRET_LITERAL]: true } });
  });

const text = (what: string) =>
  z.string({ error: expected(what) }).min(1, { error: `expected ${what}, found an empty string` });

const country = z
  .string({ error: expected('an ISO 3166-1 alpha-2 country code', 'e.g. "FR", "IN" or "US"') })
  .superRefine((value, ctx) => {
    const check = checkCountryCode(value);
    if (check.ok) return;
    const hint = check.suggestion ? `did you mean "${check.suggestion}"?` : 'e.g. "FR", "IN" or "US"';
    ctx.addIssue({ code: 'custom', message: `expected an ISO 3166-1 alpha-2 country code, found ${describeFound(value)} — ${hint}` });
  })
  .transform((value) => value.toUpperCase());

const comment = z.string({ error: expected('a text (a comment)') }).optional();

const limits = builtOnUse(() =>
  strict('an object such as { "concurrency": 4, "timeoutMs": 30000 }', {
    $comment: comment,
    concurrency: wholeNumber(1, 32, 'how many requests may run against this CRM at once; default 4').optional(),
    timeoutMs: wholeNumber(100, 600_000, 'the request timeout in milliseconds, e.g. 30000').optional(),
  }),
);

const keep = (what: string) =>
  strict(`an object such as { "days": 365, "count": 10000 }`, {
    $comment: comment,
    days: wholeNumber(1, 36_500, `how many days ${what} are kept, e.g. 365`).optional(),
    count: wholeNumber(1, 100_000_000, `how many of the newest ${what} are kept, e.g. 10000`).optional(),
  });

const retention = builtOnUse(() =>
  strict('an object such as { "changes": { "days": 400 }, "calls": { "days": 90, "count": 5000 } }', {
    $comment: comment,
    changes: keep('changes (with their before-states, for undo_change)').optional(),
    calls: keep('other calls (planned, refused, failed)').optional(),
  }),
);

const tools = builtOnUse(() => {
  const toolList = z.array(
    z
      .string({ error: expected('a tool name such as "find_duplicates"') })
      .regex(TOOL_NAME, { error: expected('a tool name in snake_case such as "find_duplicates"') }),
    { error: expected('a list of tool names, e.g. ["describe_entity", "get_layout"]') },
  );
  return strict('an object such as { "exclude": ["merge_duplicates"] }', { $comment: comment, include: toolList.optional(), exclude: toolList.optional() });
});

const admin = strict(
  'an object such as { "username": "admin", "password": "keychain" }',
  { $comment: comment, username: text('the admin user name'), password: secretRef },
  { user: 'username', login: 'username', pass: 'password', secret: 'password' },
);

const readOnly = z.boolean({ error: expected('true or false') });

const tenantAliases: Record<string, string> = {
  baseurl: 'url',
  base_url: 'url',
  apiurl: 'url',
  espourl: 'url',
  siteurl: 'siteUrl',
  api_key: 'apiKey',
  key: 'apiKey',
  hmac: 'hmacSecret',
  secretkey: 'hmacSecret',
  username: 'admin.username',
  password: 'admin.password',
  user: 'admin.username',
  read_only: 'readOnly',
  readonly: 'readOnly',
  country: 'defaultCountry',
};

export const tenantSchema = strict(
  'an object of the tenant\'s options, e.g. { "url": "https://crm.example.com", "apiKey": "env:DAMATH_ESPO_API_KEY" }',
  {
    $comment: comment,
    name: text('a name for people, e.g. "Damath Overseas"').optional(),
    description: z.string({ error: expected('a text') }).optional(),
    url: httpUrl('write the CRM\'s address, e.g. "https://crm.example.com"'),
    siteUrl: httpUrl('write the siteUrl the CRM reports, e.g. "https://crm.example.com"').optional(),
    apiKey: secretRef.optional(),
    hmacSecret: secretRef.optional(),
    admin: admin.optional(),
    readOnly: readOnly.optional(),
    tools: tools.optional(),
    defaultCountry: country.optional(),
    limits: limits.optional(),
    retention: retention.optional(),
  },
  tenantAliases,
).superRefine((t, ctx) => {
  if (t.hmacSecret !== undefined && t.apiKey === undefined) {
    ctx.addIssue({ code: 'custom', path: ['hmacSecret'], message: 'needs "apiKey" too: the HMAC secret signs requests made with the API key' });
  }
  if (t.apiKey === undefined && t.admin === undefined) {
    ctx.addIssue({
      code: 'custom',
      message:
        'no credentials — add "apiKey" (an API user, for data reads) and/or "admin": { "username", "password" } (an admin login, for schema and layout work)',
    });
  }
});

const tenantId = z.string().regex(TENANT_ID, {
  error: (iss) => {
    const id = typeof iss.input === 'string' ? iss.input : '';
    const fixed = id.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '');
    return `tenant id ${describeFound(id)} is not valid: expected lower-case letters, digits and dashes${fixed && TENANT_ID.test(fixed) ? `, e.g. "${fixed}"` : ''}`;
  },
});

const defaults = builtOnUse(() =>
  strict('an object such as { "readOnly": false, "defaultCountry": "FR" }', {
    $comment: comment,
    readOnly: readOnly.optional(),
    defaultCountry: country.optional(),
    limits: limits.optional(),
  }),
);

const audit = builtOnUse(() =>
  strict('an object such as { "path": "audit/espocrm-admin-mcp.jsonl" }', {
    $comment: comment,
    path: text('a file path of a JSON Lines audit log to import into the store at start, e.g. "audit/espocrm-admin-mcp.jsonl"').optional(),
  }),
);

const store = builtOnUse(() =>
  strict(
    'an object such as { "url": "env:ESPOCRM_MCP_DATABASE_URL" } (PostgreSQL) or { "path": "state/store.sqlite" } (embedded)',
    {
      $comment: comment,
      url: secretRef.optional(),
      path: text('a file path for the embedded store, e.g. "state/store.sqlite"').optional(),
      retention: retention.optional(),
    },
    { database: 'url', databaseUrl: 'url', file: 'path' },
  ).superRefine((s, ctx) => {
    if (s.url !== undefined && s.path !== undefined) {
      ctx.addIssue({ code: 'custom', message: '"url" (PostgreSQL) and "path" (embedded SQLite) name two stores: keep one' });
    }
  }),
);

const blueprints = builtOnUse(() =>
  strict('an object such as { "dir": "blueprints" }', {
    $comment: comment,
    dir: text('a folder of blueprint files (NAME.json), e.g. "blueprints"').optional(),
  }),
);

export const tenantsFileSchema = strict(
  'an object with "tenants"',
  {
    $schema: z.string({ error: expected('a text (a JSON schema URL)') }).optional(),
    $comment: comment,
    tenants: z
      .record(tenantId, tenantSchema, {
        error: expected('an object of tenants by id', 'e.g. "tenants": { "damath": { "url": "https://crm.example.com", ... } }'),
      })
      .refine((t) => Object.keys(t).length > 0, {
        error:
          'expected at least one tenant, found an empty object — add one, e.g. "damath": { "url": "https://crm.example.com", "apiKey": "env:DAMATH_ESPO_API_KEY" }',
      }),
    defaults: defaults.optional(),
    http: builtOnUse(httpSchema).optional(),
    audit: audit.optional(),
    store: store.optional(),
    blueprints: blueprints.optional(),
  },
  { tenant: 'tenants', servers: 'tenants', instances: 'tenants', default: 'defaults' },
).superRefine((file, ctx) => {
  if (!file.http) return;
  for (const p of httpTenantProblems(file.http, Object.keys(file.tenants))) ctx.addIssue({ code: 'custom', path: ['http', ...p.path], message: p.message });
}, { when: (payload) => payload.issues.length === 0 }); // needs both sections valid

export type TenantsFile = z.output<typeof tenantsFileSchema>;
export type TenantEntry = z.output<typeof tenantSchema>;
