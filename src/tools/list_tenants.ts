import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { decideTool } from '../tenants/policy.js';
import { expectedSiteUrl } from '../tenants/guard.js';
import { GUIDE_EXAMPLES_URI } from '../resources/uris.js';
import { writeTools as writeTools_ } from './catalog.js';

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

export const listTenants = defineTool({
  name: 'list_tenants',
  title: 'List tenants',
  description:
    'List the tenants (one EspoCRM per client business) you may use. Use it first when the user has not said which client CRM, ' +
    'or to find a tenant id. Calls no CRM. Returns each tenant\'s id, name, siteUrl, read-only, credentials (fields, layouts and ' +
    `rebuild need an admin login) and allowed write tools. Example: list_tenants {}. Every tool's examples: resource ${GUIDE_EXAMPLES_URI}.`,
  kind: 'read',
  tenantScoped: false,
  input: {},
  output: { tenants: z.array(TenantSummary), count: z.number().int() },
  annotations: annotationsFor('read'),
  async handler(_args, ctx) {
    const tenants = ctx.registry.visible(ctx.principal).map((t) => {
      const c = t.config;
      const writeTools = writeTools_()
        .filter((tool) => decideTool(tool, c, ctx.principal, ctx.server).allowed)
        .map((tool) => tool.name);
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
    const text = tenants.length
      ? tenants
          .map((t) => `- ${t.id}: ${t.name} <${t.siteUrl}>${t.readOnly ? ' (read-only)' : ''}` +
            `${t.credentials.admin ? '' : ' (no admin login: schema tools unavailable)'}`)
          .join('\n')
      : 'No tenants are visible to you.';
    return { structured: { tenants, count: tenants.length }, text: `${tenants.length} tenant(s):\n${text}` };
  },
});
