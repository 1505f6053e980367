/**
 * Whether a layout is customised, as far as this server knows. EspoCRM's API does not say whether a
 * layout was customised in its admin UI, so only an edit through this server (applied, not undone and
 * not followed by a reset) proves it; anything else is unknown.
 */
import type { AuditEntry, ChangeHistory } from '../store/types.js';

export interface Customization {
  /** True when this server saved the layout and that edit stands; null when unknown (never false). */
  customized: true | null;
  note: string;
  /** The change that made it customised, when known. */
  changeId?: string;
}

const isLayoutChange = (e: AuditEntry, entity: string, name: string): boolean =>
  e.change?.kind === 'layout' && e.change.entity === entity && e.change.layout === name && (e.outcome === 'applied' || e.outcome === 'partial');

/** One indexed read of this layout's recorded changes (never the whole history). */
export async function customizationOf(history: ChangeHistory, tenant: string, entity: string, name: string): Promise<Customization> {
  const entries = (await history.layoutChanges(tenant, entity, name)).filter((e) => isLayoutChange(e, entity, name));
  const lastReset = entries.findLastIndex((e) => e.tool === 'reset_layout');
  const edit = entries.slice(lastReset + 1).findLast((e) => e.tool !== 'reset_layout' && e.changeId !== undefined && e.undoneBy === undefined);
  if (edit?.changeId) {
    return { customized: true, changeId: edit.changeId, note: `customised by this server (change ${edit.changeId}, ${edit.ts})` };
  }
  const unknown = "EspoCRM's API does not tell whether a layout was customised in its admin UI";
  if (lastReset >= 0) {
    const reset = entries[lastReset] as AuditEntry;
    const undone = reset.undoneBy !== undefined;
    return {
      customized: null,
      note: `${undone ? 'a reset to the default by this server was undone' : `reset to EspoCRM's default by this server (${reset.ts})`}; ${unknown}`,
    };
  }
  return { customized: null, note: `${unknown}, and this server has no edit of it on record` };
}
