/**
 * Where the dashboard lives. Apart from the rest of it so that the HTTP transport can route by it
 * without loading the dashboard (which it imports on the first dashboard request).
 */
export const DASHBOARD_PATH = '/dashboard';

/** Whether a request path is the dashboard's. */
export function isDashboardPath(pathname: string): boolean {
  return pathname === DASHBOARD_PATH || pathname.startsWith(`${DASHBOARD_PATH}/`);
}
