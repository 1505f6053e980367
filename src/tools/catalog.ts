import type { ToolDefinition } from './define.js';
import type { ToolKind } from '../tenants/policy.js';
import { listTenants } from './list_tenants.js';
import { listChanges } from './list_changes.js';
import { checkTenant } from './check_tenant.js';
import { checkTenants } from './check_tenants.js';
import { getLayout } from './get_layout.js';
import { editLayout } from './edit_layout.js';
import { resetLayout } from './reset_layout.js';
import { describeEntity } from './describe_entity.js';
import { createCustomField } from './create_custom_field.js';
import { updateCustomField } from './update_custom_field.js';
import { deleteCustomField } from './delete_custom_field.js';
import { rebuildTool } from './rebuild.js';
import { undoChange } from './undo_change.js';
import { findDuplicates } from './find_duplicates.js';
import { mergeDuplicates } from './merge_duplicates.js';
import { findUnusedFields } from './find_unused_fields.js';
import { rotateCredentials } from './rotate_credentials.js';
import { snapshotTenant } from './snapshot_tenant.js';
import { restoreSnapshot } from './restore_snapshot.js';
import { tenantUsage } from './tenant_usage.js';
import { fleetDrift } from './fleet_drift.js';
import { compareTenants } from './compare_tenants.js';
import { planBlueprintTool } from './plan_blueprint.js';
import { applyBlueprintTool } from './apply_blueprint.js';

/** Every tool the server offers, in the order `tools/list` shows them. */
export function allTools(): ToolDefinition[] {
  return [listTenants, checkTenant, checkTenants, getLayout, editLayout, resetLayout, describeEntity, createCustomField, updateCustomField, deleteCustomField, rebuildTool, findDuplicates, mergeDuplicates, findUnusedFields, undoChange, listChanges, tenantUsage, rotateCredentials, snapshotTenant, restoreSnapshot, planBlueprintTool, applyBlueprintTool, fleetDrift, compareTenants] as unknown as ToolDefinition[];
}

/** The write and destructive tools, for policy summaries. */
export function writeTools(): Array<{ name: string; kind: ToolKind }> {
  return allTools()
    .filter((t) => t.kind !== 'read')
    .map((t) => ({ name: t.name, kind: t.kind }));
}
