/** The store's public face: types, opening one, and the empty history of a process that records nothing. */
export type { AuditEntry, AuditOutcome, ChangeHistory, ChangePage, ChangeQuery, ChangeRecord, HealthEntry, HealthLog, HealthStatus, InstanceIdentity, NewEntry, NewSnapshot, RetentionPolicy, Snapshot, SnapshotInfo, SnapshotLog, SnapshotSummary, Store } from './types.js';
export { LazyStore } from './lazy.js';
export { openStore, openStoreOnUse, defaultAuditPath, defaultStorePath, stateDir, retentionOf, DEFAULT_RETENTION } from './open.js';
export { newChangeId, jsonLine, scrubArgs, boundArgs } from './entry.js';
import { ConfirmTokens } from '../core/confirm.js';
import type { ChangeHistory, Store } from './types.js';

/** A history with nothing in it (a one-off check that records nothing). */
export const EMPTY_HISTORY: ChangeHistory = {
  findChange: async () => undefined,
  recentChanges: async () => [],
  layoutChanges: async () => [],
  listChanges: async () => ({ entries: [] }),
};

/** Nowhere to keep results (a one-off check): nothing kept, nothing found. */
export const NO_RESULTS: Pick<Store, 'putResult' | 'getResult'> = {
  putResult: async () => undefined,
  getResult: async () => undefined,
};

/** Nowhere to keep health checks (a one-off check without a store): nothing kept, nothing found. */
export const NO_HEALTH: Pick<Store, 'recordHealth' | 'healthHistory' | 'latestHealth'> = {
  recordHealth: async () => undefined,
  healthHistory: async () => [],
  latestHealth: async () => [],
};

/** Nowhere to keep snapshots (a one-off check without a store): taking one is refused, none is found. */
export const NO_SNAPSHOTS: Pick<Store, 'putSnapshot' | 'getSnapshot' | 'listSnapshots'> = {
  putSnapshot: async () => {
    throw new Error('There is no store here to keep a snapshot in: take snapshots through the server (snapshot_tenant) or `espocrm-admin-mcp snapshot`, which use the configured store.');
  },
  getSnapshot: async () => undefined,
  listSnapshots: async () => [],
};

/** A store in one SQLite file (or `:memory:`), without import or retention: scripts and tests. */
export async function openSqliteStore(file: string): Promise<Store> {
  const [{ SqliteSql }, { SqlStore }] = await Promise.all([import('./sqlite.js'), import('./store.js')]);
  return SqlStore.open(await SqliteSql.open(file), file);
}

/**
 * Confirm tokens every process on this store honours: signed with the store's shared key (made on
 * first use) and spent once across all of them (a token used on one replica is refused on another).
 */
export async function confirmTokensOn(store: Store, opts: { ttlMs?: number; now?: () => number } = {}): Promise<ConfirmTokens> {
  // The key is read by the first write that needs it (`ready()`), so a store opened on use stays closed until then.
  return new ConfirmTokens(() => store.sharedKey('confirm-tokens'), opts.ttlMs, opts.now, store);
}
