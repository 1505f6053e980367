import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { decideTool } from '../tenants/policy.js';
import { expectedSiteUrl } from '../tenants/guard.js';
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
    'List the EspoCRM tenants (one CRM per client business) you can work on, with what each allows. ' +
    'Use it first when the user has not said which client CRM to act on, or to find the exact tenant id ' +
    'the other tools need. It needs no argument and makes no call to any CRM. Returns each tenant\'s id, name, expected siteUrl, ' +
    'whether it is read-only for you, which credentials are configured (an admin login is needed for fields, layouts and rebuild) ' +
    'and the write tools you may use on it. Example: list_tenants {}.',
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
