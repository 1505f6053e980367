import { z } from 'zod';
import { annotationsFor, defineTool } from './define.js';
import { entityArg, layoutNameArg, tenantArg } from './args.js';
import { GUIDE_LAYOUT_OPERATIONS_URI } from '../resources/uris.js';
import { customizationOf, loadLayoutContext, requireLayout, resolveEntity } from '../reads/index.js';
import { LayoutIssueOut, issueLines } from './layoutOutput.js';
import { kindDescription, layoutFingerprint, layoutKind, renderLayout, validateLayout } from '../core/layout/index.js';
import { fenceUntrusted, neutralizeText } from '../core/fence.js';

export const getLayout = defineTool({
  name: 'get_layout',
  title: 'Get a layout',
  description:
    'Read one layout as EspoCRM serves it. Use it before edit_layout. Returns the JSON, a rendering, its problems, customized ' +
    '(true: an edit by this server stands; null: unknown) and the fingerprint. Read-only; needs the admin login. Example: ' +
    `get_layout {"tenant": "damath", "entity": "Lead", "layout": "detail"}. Layout kinds: resource ${GUIDE_LAYOUT_OPERATIONS_URI}.`,
  kind: 'read',
  tenantScoped: true,
  input: { tenant: tenantArg, entity: entityArg, layout: layoutNameArg },
  output: {
    tenant: z.string(),
    entity: z.string().describe('The entity type as EspoCRM names it.'),
    layout: z.string(),
    kind: z.string().describe('The shape of this layout: panels, columns, fieldList, cells, panelMap or linkList.'),
    layoutJson: z.unknown().describe('The layout JSON as EspoCRM serves it.'),
    rendering: z.string().describe('The layout as readable text.'),
    customized: z.literal(true).nullable().describe('true: customised by an edit through this server that still stands; null: unknown.'),
    customizedNote: z.string(),
    issues: z.array(LayoutIssueOut).describe('Problems of the current layout: errors (edit_layout will not save a layout with errors) and warnings.'),
    fingerprint: z.string().describe('Identifies this exact layout content; it changes when the layout changes.'),
    notes: z.array(z.string()),
  },
  annotations: annotationsFor('read'),
  async handler(args, ctx) {
    const { name: entity, notes } = await resolveEntity(ctx.tenant, args.entity, ctx.signal);
    const name = args.layout;
    const [json, layoutCtx] = await Promise.all([requireLayout(ctx.tenant, entity, name, ctx.signal), loadLayoutContext(ctx.tenant, entity, ctx.signal)]);
    const issues = validateLayout(name, json, layoutCtx);
    const rendering = renderLayout(name, json);
    const fingerprint = layoutFingerprint(json);
    const custom = await customizationOf(ctx.history, ctx.tenant.id, entity, name);
    const kind = layoutKind(name);
    const text = [
      `${entity} ${name} layout on tenant "${ctx.tenant.id}", ${kindDescription(kind)}:`,
      // Panel labels and notes are typed in the CRM by third parties: the rendering is fenced as data.
      fenceUntrusted(rendering, `the ${name} layout of ${entity} as rendered`),
      ...(issues.length
        ? [`Problems (${issues.length}; edit_layout saves no layout with errors, so fix them in the same edit or reset_layout):`, ...issueLines(issues).map(neutralizeText)]
        : ['No problems found.']),
      custom.customized
        ? `Customised by this server: ${custom.note}; undo_change with that changeId, or reset_layout, brings back what was there before.`
        : `Customised: not known (${custom.note}). reset_layout shows in its plan the layout a reset would drop.`,
      `Fingerprint ${fingerprint}: pass it to edit_layout as "baseFingerprint" so an edit made on this version is refused if the layout changes in between.`,
      ...notes,
    ].join('\n');
    return {
      structured: {
        tenant: ctx.tenant.id,
        entity,
        layout: name,
        kind,
        layoutJson: json,
        rendering,
        customized: custom.customized,
        customizedNote: custom.note,
        issues,
        fingerprint,
        notes,
      },
      text,
    };
  },
});
