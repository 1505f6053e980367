/**
 * What the dashboard's pages show, as plain data: built by `data.ts` from the store (health checks,
 * changes, kept usage/drift/duplicate-scan summaries), rendered by `views.ts` into HTML. Every string
 * here that came from a CRM or the configuration is raw text (no fence markers): the views escape it.
 */
import type { LastScan } from '../reads/duplicateScan.js';
import type { HealthStatus } from '../store/types.js';

/** A tenant's health as shown: a stored check's status, or `unknown` when it was never checked. */
export type HealthState = HealthStatus | 'unknown';

/** One credential or check step of the last health check. */
export interface StepState {
  status: 'ok' | 'failed' | 'not_configured' | 'skipped' | 'unknown';
  /** What the check said (our words, CRM text quoted). */
  message?: string;
}

/** One health check, for the latency and status charts. */
export interface LatencyPoint {
  /** When the check started, ISO 8601. */
  ts: string;
  status: HealthStatus;
  /** null when the check did not measure one (e.g. it crashed). */
  latencyMs: number | null;
}

/** Leads created in one UTC month. */
export interface MonthPoint {
  /** "2026-11" */
  month: string;
  /** null when the count failed. */
  count: number | null;
}

/** The kept usage of a tenant (tenant_usage's read, taken by a dashboard round or "check now"). */
export interface UsageSummary {
  /** When it was read, ISO 8601. */
  at: string;
  /** Active human users (regular + admin); null when not readable (no admin login, or the count failed). */
  activeUsers: number | null;
  /** Active users per type, as read (null counts left out). */
  usersByType: Record<string, number>;
  /** Leads created this UTC month so far; null when not readable. */
  leadsThisMonth: number | null;
  /** Records per main entity type (null when the count failed). */
  records: Record<string, number | null>;
  /** Leads per month, oldest first, the current month last. */
  leadsPerMonth: MonthPoint[];
  /** Why counts are missing (our words, CRM text quoted), when some are. */
  problems: string[];
}

/** One difference between a tenant and a blueprint. */
export interface DriftItem {
  kind: string;
  entity?: string;
  field?: string;
  layout?: string;
  summary: string;
}

/** The kept comparison of a tenant with a blueprint. */
export interface DriftSummary {
  blueprint: string;
  /** When it was read, ISO 8601. */
  at: string;
  status: 'in_sync' | 'drifted' | 'unreachable' | 'skipped';
  differences: DriftItem[];
  /** Why it was skipped or could not be read. */
  reason?: string;
}

/** The last find_duplicates scan of a tenant, as find_duplicates keeps it (src/reads/duplicateScan.ts). */
export type DuplicateScanSummary = Omit<LastScan, 'principal'> & { principal?: string };

/** One recorded change, for the tenant page. */
export interface ChangeRow {
  ts: string;
  changeId?: string;
  principal: string;
  tool: string;
  outcome: string;
  /** What was done, as recorded (our words, CRM text quoted). */
  summary?: string;
  error?: string;
  /** Set when an undo reverted it. */
  undoneBy?: string;
  /** The undo_change arguments to pass, as JSON text (`{"tenant":…,"changeId":…}`), when this server can still undo it. */
  undoCall?: string;
  /** The change was recorded on another instance (siteUrl differs from the configured one). */
  otherInstance?: boolean;
}

/** One row of the fleet page. */
export interface FleetRow {
  tenant: string;
  /** The configured human name (defaults to the id). */
  name: string;
  /** EspoCRM's version, as the last check read it. */
  version?: string;
  health: HealthState;
  /** When the last check started. */
  checkedAt?: string;
  /** The last check's problems (our words, CRM text quoted). */
  problems: string[];
  /** The last checks, oldest first (at most 24). */
  latency: LatencyPoint[];
  apiKey: StepState;
  admin: StepState;
  usage?: UsageSummary;
  /** The comparison with the page's blueprint, when one was made. */
  drift?: DriftSummary;
  /** When the newest applied change was recorded. */
  lastChangeAt?: string;
  readOnly: boolean;
}

export type FleetSortKey = 'name' | 'health' | 'version' | 'latency' | 'users' | 'leads' | 'drift' | 'changed' | 'checked';

export interface FleetQuery {
  /** Case-insensitive text matched against id and name. */
  q: string;
  /** Only tenants in this state ('' = all). */
  health: HealthState | '';
  /** Only drifted (or in-sync) tenants against the page's blueprint ('' = all). */
  drift: 'drifted' | 'in_sync' | 'unknown' | '';
  sort: FleetSortKey;
  dir: 'asc' | 'desc';
  /** The blueprint compared (a name from the blueprints folder). */
  blueprint: string;
  /** The page of rows shown, from 1. */
  page: number;
}

export interface FleetView {
  /** The rows of this page (sorted, filtered; at most `pageSize`). */
  rows: FleetRow[];
  /** How many tenants the caller may see (before the filter). */
  total: number;
  /** How many rows the filter kept (every page). */
  matching: number;
  /** Rows per page, and how many pages the filter's rows fill (at least 1). */
  pageSize: number;
  pages: number;
  query: FleetQuery;
  /** Blueprint names offered in the drift selector. */
  blueprints: string[];
  /** Counts per health state over every visible tenant (before the filter). */
  counts: Record<HealthState, number>;
}

export interface TenantView {
  row: FleetRow;
  /** The configured URL of the CRM (no credentials: a URL with user info is shown without it). */
  url: string;
  description?: string;
  /** Health checks, oldest first (at most 200). */
  history: LatencyPoint[];
  /** The last check's steps. */
  steps: { reachable: StepState; siteUrl: StepState; apiKey: StepState; admin: StepState };
  changes: ChangeRow[];
  /** The blueprint compared and the ones offered. */
  blueprint: string;
  blueprints: string[];
  duplicates?: DuplicateScanSummary;
}

/** What every page needs besides its data. */
export interface PageContext {
  /** The dashboard's path prefix, e.g. "/dashboard" (no trailing slash). */
  base: string;
  /** The signed-in caller (the local user without authentication). */
  caller: { name: string; readOnly: boolean };
  /** Whether a sign-out button is shown (signed in with a token). */
  signedIn: boolean;
  /** The CSRF token every POST form carries (hidden field `csrf`). */
  csrf: string;
  /** "Now", ISO 8601, for relative times ("5 min ago"). */
  now: string;
  /** A one-line message after an action (e.g. "Checked 3 tenants."). */
  notice?: string;
  /** The package version, shown in the footer. */
  version: string;
}
