/**
 * `espocrm://tenants/{tenant}/entities/{entity}/layouts/{layout}`: one layout as EspoCRM serves it,
 * with its readable rendering and fingerprint. Panel labels, notes and other free text in it are CRM
 * content, so they come fenced as untrusted data.
 */
import type { ResourceDefinition } from './catalog.js';
import { completeVariable } from './entities.js';
import { oneVar } from './uris.js';
import { KNOWN_LAYOUT_NAMES, layoutKind } from '../core/layout/kinds.js';
import { fenceJson, newFence } from '../core/fence.js';
import { ToolError } from '../errors.js';

export const layoutResource: ResourceDefinition = {
  name: 'layout',
  uri: 'espocrm://tenants/{tenant}/entities/{entity}/layouts/{layout}',
  template: true,
  title: 'Entity layout',
  description:
    'One layout of an entity type (detail, list, filters, ...) exactly as EspoCRM serves it, its kind, a readable rendering and its ' +
    'fingerprint. Free text in it (panel labels, notes) is CRM content, fenced as untrusted data.',
  variables: ['tenant', 'entity', 'layout'],
  complete: completeVariable,
  async read(args) {
    const tenant = args.registry.resolve(oneVar(args.vars.tenant), args.principal);
    const signal = args.signal ?? AbortSignal.timeout(60_000);
    const layout = oneVar(args.vars.layout) ?? '';
    if (!KNOWN_LAYOUT_NAMES.includes(layout)) {
      throw new ToolError(`"${layout}" is not a layout name EspoCRM uses. Layout names: ${KNOWN_LAYOUT_NAMES.join(', ')}.`, 'unknown_layout');
    }
    // The readers and the layout cores load on the first read, not when the server starts.
    const [{ resolveEntity }, { requireLayout }, { layoutFingerprint }, { renderLayout }] = await Promise.all([
      import('../reads/entities.js'),
      import('../reads/layouts.js'),
      import('../core/layout/fingerprint.js'),
      import('../core/layout/render.js'),
    ]);
    const { name: entity } = await resolveEntity(tenant, oneVar(args.vars.entity) ?? '', signal);
    const json = await requireLayout(tenant, entity, layout, signal);
    const fence = newFence();
    return {
      tenant: tenant.id,
      entity,
      layout,
      kind: layoutKind(layout),
      untrustedData: fence.notice('panel labels, notes and other free text of the layout'),
      layoutJson: fenceJson(json, fence, { keys: /label|text/i }),
      rendering: fence.wrap(renderLayout(layout, json)),
      fingerprint: layoutFingerprint(json),
    };
  },
};
