/**
 * A store opened by its first use. `serve` over stdio answers the client's first requests (the tool
 * list, a read) without the embedded engine: loading SQLite, migrating and importing old audit files
 * happen on the first call that reads or writes the store. A failed open is not kept: the next call
 * tries again (and says why, as that call's error).
 */
import type { AuditEntry, ChangePage, ChangeQuery, ChangeRecord, HealthEntry, NewEntry, NewSnapshot, RetentionPolicy, Snapshot, SnapshotInfo, Store } from './types.js';

export class LazyStore implements Store {
  private opening: Promise<Store> | undefined;
  private closed = false;

  constructor(
    readonly engine: Store['engine'],
    readonly location: string,
    private readonly openStore: () => Promise<Store>,
  ) {}

  /** The open store, opening it now if no call did yet. */
  opened(): Promise<Store> {
    if (this.closed) return Promise.reject(new Error(`the store ${this.location} is closed (the server is stopping)`));
    this.opening ??= this.openStore().catch((err: unknown) => {
      this.opening = undefined;
      throw err;
    });
    return this.opening;
  }

  /** Whether a call opened it (or is opening it). */
  get isOpen(): boolean {
    return this.opening !== undefined;
  }

  append(entry: NewEntry): Promise<AuditEntry> {
    return this.opened().then((s) => s.append(entry));
  }
  read(opts?: { tenant?: string }): Promise<AuditEntry[]> {
    return this.opened().then((s) => s.read(opts));
  }
  each(opts: { tenant?: string }, fn: (entry: AuditEntry) => void | Promise<void>): Promise<number> {
    return this.opened().then((s) => s.each(opts, fn));
  }
  useOnce(key: string, expiresAtMs: number): Promise<boolean> {
    return this.opened().then((s) => s.useOnce(key, expiresAtMs));
  }
  putResult(id: string, tenant: string, data: unknown, expiresAtMs: number): Promise<void> {
    return this.opened().then((s) => s.putResult(id, tenant, data, expiresAtMs));
  }
  getResult(id: string, tenant: string): Promise<unknown> {
    return this.opened().then((s) => s.getResult(id, tenant));
  }
  countCall(tenant: string, windowStartMs: number, windowMs: number): Promise<{ current: number; previous: number }> {
    return this.opened().then((s) => s.countCall(tenant, windowStartMs, windowMs));
  }
  sharedKey(name: string): Promise<Buffer> {
    return this.opened().then((s) => s.sharedKey(name));
  }
  prune(tenant: string, policy: RetentionPolicy, nowMs?: number): Promise<number> {
    return this.opened().then((s) => s.prune(tenant, policy, nowMs));
  }
  importJsonl(file: string): Promise<{ imported: number; skipped: number }> {
    return this.opened().then((s) => s.importJsonl(file));
  }
  findChange(changeId: string): Promise<AuditEntry | undefined> {
    return this.opened().then((s) => s.findChange(changeId));
  }
  recentChanges(tenant: string, limit: number, kinds?: ChangeRecord['kind'][]): Promise<AuditEntry[]> {
    return this.opened().then((s) => s.recentChanges(tenant, limit, kinds));
  }
  layoutChanges(tenant: string, entity: string, layout: string): Promise<AuditEntry[]> {
    return this.opened().then((s) => s.layoutChanges(tenant, entity, layout));
  }
  listChanges(q: ChangeQuery): Promise<ChangePage> {
    return this.opened().then((s) => s.listChanges(q));
  }
  recordHealth(entry: HealthEntry): Promise<void> {
    return this.opened().then((s) => s.recordHealth(entry));
  }
  healthHistory(tenant: string, limit: number): Promise<HealthEntry[]> {
    return this.opened().then((s) => s.healthHistory(tenant, limit));
  }
  latestHealth(tenants: string[]): Promise<HealthEntry[]> {
    return this.opened().then((s) => s.latestHealth(tenants));
  }
  putSnapshot(input: NewSnapshot): Promise<SnapshotInfo> {
    return this.opened().then((s) => s.putSnapshot(input));
  }
  getSnapshot(id: string, tenant: string): Promise<Snapshot | undefined> {
    return this.opened().then((s) => s.getSnapshot(id, tenant));
  }
  listSnapshots(tenant: string, limit: number, before?: string): Promise<SnapshotInfo[]> {
    return this.opened().then((s) => s.listSnapshots(tenant, limit, before));
  }

  /** Closes the store if it was opened; no call opens it afterwards. */
  async close(): Promise<void> {
    this.closed = true;
    const opening = this.opening;
    this.opening = undefined;
    const store = await opening?.catch(() => undefined);
    await store?.close();
  }
}
