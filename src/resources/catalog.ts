import type { Principal, ToolKind } from '../tenants/policy.js';
import type { TenantRegistry } from '../tenants/registry.js';
import type { ChangeHistory, HealthLog, SnapshotLog } from '../store/types.js';
import type { Logger } from '../log/logger.js';
import { tenantListResource, tenantResource } from './tenants.js';
import { entityResource } from './entities.js';
import { layoutResource } from './layouts.js';
import { changesResource } from './changes.js';
import { healthResource } from './health.js';
import { snapshotsResource } from './snapshots.js';
import { compareResource, driftResource } from './drift.js';
import { examplesGuide, fieldTypesGuide, layoutOperationsGuide } from './guides.js';

export interface ResourceScope {
  registry: TenantRegistry;
  principal: Principal;
  /** The server-wide --read-only switch. */
  readOnly: boolean;
  /** The changes this server recorded (read-only). Resources read tenants through src/reads. */
  history: ChangeHistory;
  /** The kept health checks of the tenants (read-only here). */
  health: Pick<HealthLog, 'healthHistory' | 'latestHealth'>;
  /** The kept snapshots of the tenants (read-only here). */
  snapshots: Pick<SnapshotLog, 'listSnapshots'>;
  /** The write tools the server has (name and kind), for policy summaries. */
  writeTools: ReadonlyArray<{ name: string; kind: ToolKind }>;
  /** Where what a remote caller may not see goes (a secret's path, a variable's name), under a reference. */
  logger: Logger;
}

export interface ResourceListing {
  uri: string;
  name: string;
  title?: string;
  description?: string;
}

/** What a client already chose for the other variables of the template (completion context). */
export interface CompletionContext {
  arguments?: Record<string, string>;
}

/** A resource or resource template, declared without the SDK; `src/server.ts` registers it. */
export interface ResourceDefinition {
  name: string;
  /** A fixed URI, or an RFC 6570 template when `template` is true. */
  uri: string;
  template: boolean;
  title: string;
  description: string;
  variables?: string[];
  /**
   * The concrete resources of a template, for `resources/list`: only what the caller may see, from
   * the configuration (synchronous: a listing never waits on a CRM). Templates without it are
   * discovered through resources/templates/list and completion.
   */
  list?(scope: ResourceScope): ResourceListing[];
  /** Values for one variable starting with `value` (case-insensitive), given the other variables chosen. */
  complete?(variable: string, value: string, scope: ResourceScope, context: CompletionContext): string[] | Promise<string[]>;
  read(args: { uri: URL; vars: Record<string, string | string[]>; signal?: AbortSignal } & ResourceScope): Promise<unknown>;
}

export function allResources(): ResourceDefinition[] {
  return [tenantListResource, tenantResource, entityResource, layoutResource, changesResource, healthResource, snapshotsResource, compareResource, driftResource, layoutOperationsGuide, fieldTypesGuide, examplesGuide];
}
