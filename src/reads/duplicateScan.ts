/**
 * The summary of a tenant's last find_duplicates scan: kept in the store's results beside the scan's
 * pages (which expire after minutes), for longer, so the dashboard can say when the tenant was last
 * scanned and what was found. Figures only: no record value.
 */

/** How long the summary of a tenant's last scan is kept. */
export const LAST_SCAN_TTL_MS = 90 * 24 * 3600_000;

/** Where a tenant's last scan summary is kept in the store's results. */
export function lastScanKey(tenant: string): string {
  return `dupscan:${tenant}`;
}

export interface LastScan {
  /** The scan's result id: find_duplicates pages it while it is kept. */
  id: string;
  principal: string;
  scannedAt: string;
  /** When its pages expire. */
  expiresAt: string;
  entities: string[];
  recordsScanned: number;
  clusters: number;
  /** Records in clusters. */
  records: number;
}
