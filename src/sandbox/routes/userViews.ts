/** How users and roles look in responses (`App/user`, `POST User`, `POST Role`). */
import type { SandboxState } from '../state.js';
import type { Json } from '../types.js';
import { isAdminUser, type AccessAction, type SandboxRole, type SandboxUser } from '../users.js';

const personName = (user: SandboxUser) => [user.firstName, user.lastName].filter(Boolean).join(' ') || user.userName;

/**
 * The user's attributes: `detail` adds what a record read shows (related-record attributes);
 * `withSecrets` adds the API key and HMAC secret of an API user (answers to an admin only: create,
 * read, update, `UserSecurity/apiKey/generate`; never list rows).
 */
export function userRecord(state: SandboxState, user: SandboxUser, options: { detail?: boolean; withSecrets?: boolean } = {}): Record<string, Json> {
  const createdBy = user.createdById ? state.users.user(user.createdById) : undefined;
  const roles = user.roleIds.map((id) => state.users.role(id)).filter((r): r is SandboxRole => r !== undefined);
  const record: Record<string, Json> = {
    id: user.id,
    name: personName(user),
    deleted: false,
    userName: user.userName,
    type: user.type,
    authMethod: user.authMethod,
    salutationName: null,
    firstName: user.firstName,
    lastName: user.lastName,
    isActive: user.isActive,
    title: null,
    emailAddress: null,
    phoneNumber: null,
    createdAt: user.createdAt,
    modifiedAt: user.modifiedAt,
    middleName: null,
    emailAddressIsOptedOut: null,
    emailAddressIsInvalid: null,
    phoneNumberIsOptedOut: null,
    phoneNumberIsInvalid: null,
    defaultTeamId: null,
    defaultTeamName: null,
    teamsIds: [],
    teamsNames: {},
    rolesIds: roles.map((r) => r.id),
    rolesNames: Object.fromEntries(roles.map((r) => [r.id, r.name])),
    createdById: createdBy?.id ?? 'system',
    createdByName: createdBy ? personName(createdBy) : 'System',
  };
  if (options.detail) {
    // the record view of `POST User` / `GET User/{id}` has the related-record attributes too
    Object.assign(record, {
      lastAccess: null, targetListIsOptedOut: false, emailAddressData: [], phoneNumberData: [], teamsColumns: {},
      emailAddressIsOptedOut: false, emailAddressIsInvalid: false, phoneNumberIsOptedOut: false, phoneNumberIsInvalid: false,
      portalsIds: [], portalsNames: {}, portalRolesIds: [], portalRolesNames: {}, contactId: null, contactName: null,
      accountsIds: [], accountsNames: {}, avatarId: null, avatarName: null, dashboardTemplateId: null, dashboardTemplateName: null,
      workingTimeCalendarId: null, workingTimeCalendarName: null, layoutSetId: null, layoutSetName: null,
    });
  }
  if (options.withSecrets && user.type === 'api') {
    record.apiKey = user.apiKey;
    if (user.authMethod === 'Hmac') record.secretKey = user.secretKey;
  }
  return record;
}

export function roleRecord(role: SandboxRole): Record<string, Json> {
  return {
    id: role.id,
    name: role.name,
    deleted: false,
    ...role.permissions,
    data: structuredClone(role.data) as Json,
    fieldData: structuredClone(role.fieldData),
    createdAt: role.createdAt,
    modifiedAt: role.modifiedAt,
  };
}

const actions: AccessAction[] = ['read', 'stream', 'edit', 'delete', 'create'];

/** `App/user` → `acl`: the access table over every entity type, as the UI reads it. */
export function aclView(state: SandboxState, user: SandboxUser): Record<string, Json> {
  const table: Record<string, Json> = {};
  for (const scope of state.metadata.entityTypes()) {
    if (state.metadata.scope(scope)?.acl === false) continue;
    table[scope] = Object.fromEntries(actions.map((action) => [action, state.users.access(user, scope, action)]));
  }
  const permission = isAdminUser(user) ? 'all' : 'no';
  return {
    table,
    fieldTable: {},
    assignmentPermission: permission,
    messagePermission: permission,
    mentionPermission: permission,
    userCalendarPermission: permission,
    auditPermission: isAdminUser(user) ? 'yes' : 'no',
    exportPermission: isAdminUser(user) ? 'yes' : 'no',
    massUpdatePermission: isAdminUser(user) ? 'yes' : 'no',
    userPermission: permission,
    portalPermission: isAdminUser(user) ? 'yes' : 'no',
    groupEmailAccountPermission: permission,
    followerManagementPermission: permission,
    dataPrivacyPermission: isAdminUser(user) ? 'yes' : 'no',
    fieldTableQuickAccess: {},
  };
}

export function preferencesView(user: SandboxUser): Record<string, Json> {
  return {
    id: user.id,
    weekStart: -1,
    thousandSeparator: null,
    decimalMark: null,
    timeZone: null,
    language: null,
    dateFormat: null,
    timeFormat: null,
    defaultCurrency: null,
    dashboardLayout: null,
    dashletsOptions: null,
    exportDelimiter: ',',
    receiveAssignmentEmailNotifications: true,
    receiveMentionEmailNotifications: true,
    receiveStreamEmailNotifications: true,
    signature: null,
    theme: null,
    useCustomTabList: false,
    tabList: [],
  };
}
