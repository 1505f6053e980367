/** Thin, typed calls over `EspoClient`; tools build on them. */
export { getAppUser, getAbout, getSettings, destroyToken, type AppUser } from './app.js';
export { getMetadata, getI18n } from './metadata.js';
export * as fieldManager from './fieldManager.js';
export * as layouts from './layouts.js';
export * as admin from './admin.js';
export * as records from './records.js';
export * as users from './users.js';
export type { FieldDefinition } from './fieldManager.js';
export type { RecordData, RecordList } from './records.js';
export type { LayoutData } from './layouts.js';
export type { CallOptions, AuthCallOptions } from './common.js';
