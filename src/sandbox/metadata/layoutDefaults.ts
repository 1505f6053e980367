/**
 * The generic default layouts: what EspoCRM serves for a layout name an entity type does not
 * define itself (also for unknown entity types, as recorded for `NoSuchEntity/layout/detail`).
 */
import type { Json } from '../types.js';

const nameOnlyDetail = (): Json => [{ label: 'Overview', rows: [[{ name: 'name' }, false]] }];
const nameOnlyList = (): Json => [{ name: 'name', link: true }];

const defaults: Record<string, () => Json> = {
  detail: nameOnlyDetail,
  detailSmall: nameOnlyDetail,
  detailConvert: nameOnlyDetail,
  list: nameOnlyList,
  listSmall: nameOnlyList,
  listDashlet: nameOnlyList,
  kanban: nameOnlyList,
  filters: () => [],
  massUpdate: () => [],
  relationships: () => [],
  bottomPanelsDetail: () => ({}),
  bottomPanelsDetailSmall: () => ({}),
  bottomPanelsEdit: () => ({}),
  bottomPanelsEditSmall: () => ({}),
  sidePanelsDetail: () => ({}),
  sidePanelsDetailSmall: () => ({}),
  sidePanelsEdit: () => ({}),
  sidePanelsEditSmall: () => ({}),
};

/**
 * The generic default for `name`, or undefined when EspoCRM has none. `defaultSidePanel` is built
 * by a class in EspoCRM: the assigned user and teams when the entity has them.
 */
export function genericDefaultLayout(name: string, fieldNames: readonly string[]): Json | undefined {
  if (name === 'defaultSidePanel') {
    const cells: Json[] = [];
    if (fieldNames.includes('assignedUser')) cells.push({ name: ':assignedUser' });
    if (fieldNames.includes('teams')) cells.push({ name: 'teams' });
    return cells;
  }
  return defaults[name]?.();
}

/** The layout names the EspoCRM layout manager offers for every entity type. */
export const standardLayoutNames = [
  'list', 'detail', 'listSmall', 'detailSmall', 'defaultSidePanel', 'bottomPanelsDetail', 'filters', 'massUpdate',
  'sidePanelsDetail', 'sidePanelsEdit', 'sidePanelsDetailSmall', 'sidePanelsEditSmall',
] as const;
