import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { decideTool } from '../tenants/policy.js';
import { expectedSiteUrl } from '../tenants/guard.js';
import { GUIDE_EXAMPLES_URI } from '../resources/uris.js';
import { ToolError } from '../errors.js';

const TenantSummary = z.object({
  id: z.string(),
  name: z.string(),
  siteUrl: z.string().describe('The CRM address this tenant is expected to answer as.'),
  description: z.string().optional(),
  readOnly: z.boolean().describe('True when no write tool may run on this tenant for you.'),
  credentials: z.object({
    apiKey: z.boolean().describe('An API user is configured (record reads).'),
    admin: z.boolean().describe('An admin login is configured (fields, layouts, rebuild).'),
  }),
  writeTools: z.array(z.string()).describe('Write tools you may use on this tenant.'),
});

const DEFAULT_LIMIT = 50;

export const listTenants = defineTool({
  name: 'list_tenants',
  title: 'List tenants',
  description:
    'List the tenants (one EspoCRM per client business) you may use. Use it first when the user has not said which client CRM, ' +
    'or to find a tenant id ("query" matches id or name). Calls no CRM. Returns each tenant\'s id, name, siteUrl, read-only, ' +
    'credentials (fields, layouts and rebuild need an admin login) and allowed write tools, by pages. Example: list_tenants ' +
    `{"query": "transport"}. Every tool's examples: resource ${GUIDE_EXAMPLES_URI}.`,
  kind: 'read',
  tenantScoped: false,
  input: {
    query: z.string().trim().max(100).optional().describe('Only tenants whose id or name contains this (any case).'),
    limit: z.number().int().min(1).max(200).optional().describe(`Tenants per page (default ${DEFAULT_LIMIT}).`),
    cursor: z.string().max(20).optional().describe('nextCursor of the previous page.'),
  },
  output: {
    tenants: z.array(TenantSummary),
    count: z.number().int().describe('Tenants on this page.'),
    total: z.number().int().describe('Tenants matching, on every page.'),
    nextCursor: z.string().optional().describe('Pass as "cursor" for the next page.'),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const query = args.query?.toLowerCase();
    const matching = ctx.registry
      .visible(ctx.principal)
      .filter((t) => !query || t.id.toLowerCase().includes(query) || t.config.name.toLowerCase().includes(query));
    let start = 0;
    if (args.cursor !== undefined) {
      const m = /^t(\d{1,7})$/.exec(args.cursor);
      if (!m || Number(m[1]) > matching.length) {
        throw new ToolError('The cursor is not one list_tenants gave: pass "nextCursor" of the previous page as it was, or no cursor to start over.', 'invalid_cursor');
      }
      start = Number(m[1]);
    }
    const limit = args.limit ?? DEFAULT_LIMIT;
    // The server's tools (the catalogue, imported here only without a server: tests of the handler).
    const tools = (ctx.tools ?? (await import('./catalog.js')).allTools()).filter((tool) => tool.kind !== 'read');
    const tenants = matching.slice(start, start + limit).map((t) => {
      const c = t.config;
      const writeTools = tools.filter((tool) => decideTool(tool, c, ctx.principal, ctx.server).allowed).map((tool) => tool.name);
      return {
        id: c.id,
        name: c.name,
        siteUrl: expectedSiteUrl(c),
        ...(c.description ? { description: c.description } : {}),
        readOnly: ctx.server.readOnly || c.readOnly || Boolean(ctx.principal.readOnly),
        credentials: { apiKey: Boolean(c.apiKey || c.hmacSecret), admin: Boolean(c.admin) },
        writeTools,
      };
    });
    const next = start + limit < matching.length ? `t${start + limit}` : undefined;
    const lines = tenants.map(
      (t) =>
        `- ${t.id}: ${t.name} <${t.siteUrl}>${t.readOnly ? ' (read-only)' : ''}` +
        `${t.credentials.admin ? '' : ' (no admin login: schema tools unavailable)'}`,
    );
    const head = matching.length === 0
      ? query ? `No tenant matches "${args.query}".` : 'No tenants are visible to you.'
      : `${matching.length} tenant(s)${query ? ` matching "${args.query}"` : ''}${tenants.length < matching.length ? `, ${start + 1}-${start + tenants.length} shown` : ''}:`;
    return {
      structured: { tenants, count: tenants.length, total: matching.length, ...(next ? { nextCursor: next } : {}) },
      text: [head, ...lines, ...(next ? [`More: list_tenants with "cursor": "${next}".`] : [])].join('\n'),
    };
  },
});
