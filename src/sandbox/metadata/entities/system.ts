/** The non-CRM entity types: User, Team, Role and AuthToken (the last two not customizable). */
import type { EntityBundle } from '../bundle.js';
import { bool, contactChannelFields, enumField, link, linkMultiple, personNameFields, systemFields, systemLinks, varchar } from '../fieldKit.js';

export function userBundle(): EntityBundle {
  return {
    name: 'User',
    scope: { entity: true, layouts: true, tab: true, acl: true, customizable: true, object: true, isCustom: false, hasPersonalData: true },
    entityDefs: {
      fields: {
        userName: varchar(50, { required: true }),
        ...personNameFields(),
        type: enumField(['regular', 'admin', 'portal', 'system', 'super-admin', 'api'], { default: 'regular' }),
        isActive: bool({ default: true }),
        title: varchar(100),
        ...contactChannelFields(),
        authMethod: enumField(['', 'ApiKey', 'Hmac']),
        apiKey: varchar(100, { readOnly: true }),
        secretKey: { type: 'varchar', readOnly: true, notStorable: true },
        password: { type: 'password' },
        defaultTeam: link(),
        roles: linkMultiple(),
        ...systemFields(false),
        teams: linkMultiple({ view: 'views/fields/teams' }),
      },
      links: {
        ...systemLinks(false),
        defaultTeam: { type: 'belongsTo', entity: 'Team' },
        teams: { type: 'hasMany', entity: 'Team', foreign: 'users', relationName: 'teamUser' },
        roles: { type: 'hasMany', entity: 'Role', foreign: 'users' },
      },
      collection: { orderBy: 'userName', order: 'asc', textFilterFields: ['name', 'userName', 'emailAddress'] },
    },
    clientDefs: { controller: 'controllers/user' },
    layouts: {
      detail: [{ label: 'Overview', rows: [[{ name: 'userName' }, { name: 'name' }], [{ name: 'title' }, { name: 'type' }], [{ name: 'emailAddress' }, { name: 'phoneNumber' }]] }],
      list: [{ name: 'userName', link: true }, { name: 'name', width: 30 }, { name: 'type', width: 15 }, { name: 'isActive', width: 10 }],
      filters: ['type', 'isActive', 'teams', 'roles'],
      massUpdate: ['isActive', 'teams', 'roles'],
    },
    labels: { scopeName: 'User', scopeNamePlural: 'Users', fields: { userName: 'User Name', isActive: 'Is Active', apiKey: 'API Key', authMethod: 'Authentication Method' } },
  };
}

export function teamBundle(): EntityBundle {
  return {
    name: 'Team',
    scope: { entity: true, layouts: true, tab: true, acl: true, customizable: true, object: true, isCustom: false },
    entityDefs: {
      fields: {
        name: varchar(100, { required: true }),
        positionList: { type: 'array' },
        users: linkMultiple({ layoutDetailDisabled: true }),
        ...systemFields(false),
      },
      links: { ...systemLinks(false), users: { type: 'hasMany', entity: 'User', foreign: 'teams', relationName: 'teamUser' } },
      collection: { orderBy: 'name', order: 'asc', textFilterFields: ['name'] },
    },
    clientDefs: { controller: 'controllers/record' },
    layouts: {
      detail: [{ label: 'Overview', rows: [[{ name: 'name' }, false], [{ name: 'positionList' }, false]] }],
      list: [{ name: 'name', link: true }],
    },
    labels: { scopeName: 'Team', scopeNamePlural: 'Teams', fields: { positionList: 'Position List' } },
  };
}

export function roleBundle(): EntityBundle {
  const permission = enumField(['not-set', 'all', 'team', 'no'], { default: 'not-set' });
  return {
    name: 'Role',
    scope: { entity: true, layouts: false, tab: false, acl: 'boolean', customizable: false, isCustom: false },
    entityDefs: {
      fields: {
        name: varchar(150, { required: true }),
        assignmentPermission: permission,
        userPermission: permission,
        exportPermission: enumField(['not-set', 'yes', 'no'], { default: 'not-set' }),
        data: { type: 'jsonObject' },
        fieldData: { type: 'jsonObject' },
        users: linkMultiple(),
        ...systemFields(false),
      },
      links: { ...systemLinks(false), users: { type: 'hasMany', entity: 'User', foreign: 'roles' } },
      collection: { orderBy: 'name', order: 'asc' },
    },
    clientDefs: { controller: 'controllers/role' },
    layouts: {},
    labels: { scopeName: 'Role', scopeNamePlural: 'Roles' },
  };
}

export function authTokenBundle(): EntityBundle {
  return {
    name: 'AuthToken',
    scope: { entity: true, layouts: false, tab: false, acl: false, customizable: false, isCustom: false },
    entityDefs: {
      fields: {
        token: varchar(36, { readOnly: true }),
        user: link({ readOnly: true }),
        ipAddress: varchar(45, { readOnly: true }),
        isActive: bool({ default: true }),
        lastAccess: { type: 'datetime', readOnly: true },
        createdAt: { type: 'datetime', readOnly: true },
      },
      links: { user: { type: 'belongsTo', entity: 'User' } },
      collection: { orderBy: 'lastAccess', order: 'desc' },
    },
    clientDefs: {},
    layouts: {},
    labels: { scopeName: 'Auth Token', scopeNamePlural: 'Auth Tokens' },
  };
}

