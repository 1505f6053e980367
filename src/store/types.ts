/**
 * What the store keeps, and the two faces it shows: `ChangeHistory` (read-only, what tools and reads
 * may know of the recorded history) and `Store` (everything, for the write pipeline, the transports and
 * the CLI). One implementation (`SqlStore`) over two engines: embedded SQLite and PostgreSQL.
 */

export type AuditOutcome = 'applied' | 'unchanged' | 'planned' | 'dry_run' | 'failed' | 'partial' | 'refused';

/** The instance a change was made on, as the CRM reported it. */
export interface InstanceIdentity {
  /** EspoCRM's `siteUrl` setting, as `App/user` reported it. */
  siteUrl?: string;
  version?: string;
}

export interface AuditEntry {
  ts: string;
  changeId?: string;
  tenant: string;
  principal: string;
  /** How the caller authenticated over HTTP (a static token, a JWT, none on loopback); absent on stdio. */
  auth?: 'token' | 'jwt' | 'none';
  tool: string;
  args: Record<string, unknown>;
  outcome: AuditOutcome;
  summary?: string;
  error?: string;
  /** For undo: what the change touched and its state before and after. */
  change?: ChangeRecord;
  /** The instance the change was made on (changes only; absent on lines recorded before the store). */
  instance?: InstanceIdentity;
  /** Set on read: the change id of the undo that reverted this change. */
  undoneBy?: string;
}

export interface ChangeRecord {
  kind: 'layout' | 'field_create' | 'field_update' | 'field_delete' | 'undo' | 'blueprint';
  entity: string;
  layout?: string;
  field?: string;
  /** State before the change (layout JSON, field definition, ...); null when the thing did not exist. */
  before: unknown;
  after: unknown;
  /** For kind 'undo': the change it reverted. */
  undoes?: string;
  /** Extra before-states, e.g. layouts a field deletion edited. */
  related?: Array<{ layout: string; before: unknown; after: unknown }>;
  /** Whether the layout was customised before the change (a reset restores the default). */
  customizedBefore?: boolean;
  /** For kind 'blueprint' (apply_blueprint, one tenant): each step's own change, in the order applied; undone in reverse. */
  steps?: ChangeRecord[];
}

export type NewEntry = Omit<AuditEntry, 'ts' | 'undoneBy'> & { ts?: string };

/** A filter over the audit trail; newest first. */
export interface ChangeQuery {
  /** The tenants to read (the caller's); never empty. */
  tenants: string[];
  /** ISO times, inclusive. */
  since?: string;
  until?: string;
  tool?: string;
  principal?: string;
  outcome?: AuditOutcome;
  /** Only lines that recorded a change (with a changeId). */
  changesOnly?: boolean;
  limit: number;
  /** From a previous page's `next`. */
  before?: number;
}

export interface ChangePage {
  entries: AuditEntry[];
  /** Pass as `before` for the next (older) page; absent on the last page. */
  next?: number;
}

/** Applied or partial changes only (the ones that changed a CRM). */
export interface ChangeHistory {
  /** The applied (or partial) change with this id, with its tenant and `undoneBy`, or undefined. */
  findChange(changeId: string): Promise<AuditEntry | undefined>;
  /** The applied changes of one tenant, newest first (undos included). */
  recentChanges(tenant: string, limit: number, kinds?: ChangeRecord['kind'][]): Promise<AuditEntry[]>;
  /** The applied changes (and resets) of one layout, oldest first. */
  layoutChanges(tenant: string, entity: string, layout: string): Promise<AuditEntry[]>;
  /** The audit trail, filtered and paginated. */
  listChanges(query: ChangeQuery): Promise<ChangePage>;
}

/** How long a tenant's lines are kept: by age and/or by number, changes and other calls apart. */
export interface RetentionPolicy {
  changes: { days?: number; count?: number };
  calls: { days?: number; count?: number };
}

/** How a tenant's health check came out (src/reads/health.ts). */
export type HealthStatus = 'ok' | 'degraded' | 'unreachable';

/** One health check of a tenant, as kept (`check_tenant`, `check_tenants`, `tenants check`, `serve --health-every`). */
export interface HealthEntry {
  tenant: string;
  /** When the check started, ISO 8601. */
  ts: string;
  status: HealthStatus;
  /** EspoCRM's version, as the CRM reported it. */
  version?: string;
  /** How long the CRM took to answer (or fail) the unauthenticated request. */
  latencyMs?: number;
  /** The whole check (steps, problems, breaker state), without secrets; bounded to 16 KB of JSON. */
  result: Record<string, unknown>;
}

/** The kept health checks: recorded by the checks, read by the health resource. */
export interface HealthLog {
  /** Keeps one check; a tenant keeps its newest `HEALTH_KEEP` checks (and none older than its calls retention). */
  recordHealth(entry: HealthEntry): Promise<void>;
  /** A tenant's checks, newest first, at most `limit` (up to 1,000). */
  healthHistory(tenant: string, limit: number): Promise<HealthEntry[]>;
  /** The newest check of each tenant that has one, in the order the tenants were given. */
  latestHealth(tenants: string[]): Promise<HealthEntry[]>;
}

/** What a snapshot counts, for listings (the data itself is read only with `getSnapshot`). */
export interface SnapshotSummary {
  /** Custom fields kept. */
  fields: number;
  /** Customized layouts kept. */
  layouts: number;
  /** Entities with at least one custom field or customized layout. */
  entities: number;
}

/** A snapshot as listed: everything but its data. */
export interface SnapshotInfo {
  /** `snap_<time, base 36>_<random hex>`. */
  id: string;
  tenant: string;
  /** When it was taken, ISO 8601. */
  ts: string;
  /** The instance it was read from, as the CRM reported it. */
  instance: InstanceIdentity;
  summary: SnapshotSummary;
  /** Size of its data, in bytes of JSON. */
  bytes: number;
}

/** A kept snapshot: the tenant's customization (`TenantCustomization`, src/core/blueprint/types.ts) as read at `ts`. */
export interface Snapshot extends SnapshotInfo {
  data: unknown;
}

export interface NewSnapshot {
  tenant: string;
  /** Defaults to now. */
  ts?: string;
  instance: InstanceIdentity;
  summary: SnapshotSummary;
  data: unknown;
}

/** Kept snapshots of the tenants' customizations (`snapshot_tenant`, `snapshot`, `restore_snapshot`). */
export interface SnapshotLog {
  /**
   * Keeps a snapshot and returns it as listed (with its new id). Refused (a `SnapshotTooLargeError`) when its
   * data is over `MAX_SNAPSHOT_BYTES` of JSON. A tenant keeps its newest `SNAPSHOT_KEEP` snapshots, none
   * older than its changes retention.
   */
  putSnapshot(snapshot: NewSnapshot): Promise<SnapshotInfo>;
  /** The snapshot with this id if it belongs to `tenant`; undefined when unknown or another tenant's (the same answer). */
  getSnapshot(id: string, tenant: string): Promise<Snapshot | undefined>;
  /**
   * A tenant's snapshots, newest first, at most `limit` (up to 500), without their data; `before` (a
   * snapshot id of this tenant, e.g. the last of a page) gives the ones older than it.
   */
  listSnapshots(tenant: string, limit: number, before?: string): Promise<SnapshotInfo[]>;
}

export interface Store extends ChangeHistory, HealthLog, SnapshotLog {
  readonly engine: 'sqlite' | 'postgres';
  /** Where it is, for messages (a file path, or a database URL without its password). */
  readonly location: string;
  /** Records one line; arguments are scrubbed and bounded. Returns the line as stored. */
  append(entry: NewEntry): Promise<AuditEntry>;
  /** Every line (tests, export), oldest first; `tenant` narrows it. */
  read(opts?: { tenant?: string }): Promise<AuditEntry[]>;
  /** Streams every line oldest first, in pages (export of large stores). */
  each(opts: { tenant?: string }, fn: (entry: AuditEntry) => void | Promise<void>): Promise<number>;
  /** Marks `key` used; false when it already was (one-time confirm tokens, across replicas). */
  useOnce(key: string, expiresAtMs: number): Promise<boolean>;
  /** Keeps a result for later pages (find_duplicates). */
  putResult(id: string, tenant: string, data: unknown, expiresAtMs: number): Promise<void>;
  /** A kept result of this tenant, or undefined when unknown or expired. */
  getResult(id: string, tenant: string): Promise<unknown>;
  /** Counts one call on `tenant` in a fixed window; returns the calls in this window and the one before. */
  countCall(tenant: string, windowStartMs: number, windowMs: number): Promise<{ current: number; previous: number }>;
  /** A random key shared by every process on this store, made on first use (confirm-token signatures). */
  sharedKey(name: string): Promise<Buffer>;
  /** Removes what a tenant's retention no longer keeps (audit lines; health checks past the calls' days; snapshots past the changes' days); returns how many audit lines went. */
  prune(tenant: string, policy: RetentionPolicy, nowMs?: number): Promise<number>;
  /** Imports lines of a JSON Lines audit file (the first version's `audit.jsonl`); idempotent. */
  importJsonl(file: string): Promise<{ imported: number; skipped: number }>;
  close(): Promise<void>;
}
