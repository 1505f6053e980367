/**
 * Everything one sandbox instance knows: metadata, labels, layouts, users and tokens, the login
 * failure log, settings and records. Exposed as `Sandbox.state` for test setup and inspection.
 */
import { AuthFailureLog, type LockoutPolicy } from './authLog.js';
import { I18nStore } from './i18nStore.js';
import { LayoutStore } from './layoutStore.js';
import { entityBundles, initialI18n, initialLayouts, initialMetadata } from './metadata/index.js';
import { MetadataStore } from './metadataStore.js';
import { initialSettings } from './settings.js';
import type { Json, RecordAttributes } from './types.js';
import { UserDirectory, type SandboxUser } from './users.js';

/** Who writes a record (createdBy / modifiedBy). */
export interface RecordActor {
  id: string;
  name: string;
}

/** The record operations the router delegates to (implemented by `records/RecordStore`). */
export interface RecordStoreApi {
  list(entityType: string, query: URLSearchParams, ctx: { noTotal: boolean; isAdmin: boolean }): { total: number; list: RecordAttributes[] };
  read(entityType: string, id: string, ctx: { isAdmin: boolean }): RecordAttributes;
  /** skipDuplicateCheck: from the header when sent; undefined lets the legacy body flag decide */
  create(entityType: string, body: Record<string, unknown>, ctx: { skipDuplicateCheck: boolean | undefined; user?: RecordActor }): RecordAttributes;
  update(entityType: string, id: string, body: Record<string, unknown>, opts?: { user?: RecordActor }): RecordAttributes;
  delete(entityType: string, id: string, opts?: { user?: RecordActor }): true;
  action(body: unknown, opts?: { user?: RecordActor }): RecordAttributes;
  massAction(body: unknown, opts?: { user?: RecordActor }): { count: number; ids?: string[] };
  insert(entityType: string, records: RecordAttributes[]): void;
  count?(entityType: string): number;
}

export interface SandboxStateOptions {
  name: string;
  version: string;
  siteUrl: string;
  lockout: LockoutPolicy | false;
  admin: { username: string; password: string };
  apiKey: string;
  hmac: { apiKey: string; secret: string };
  createRecordStore: (catalog: MetadataStore) => RecordStoreApi;
}

export class SandboxState {
  readonly name: string;
  readonly version: string;
  readonly metadata: MetadataStore;
  readonly i18n: I18nStore;
  readonly layouts: LayoutStore;
  readonly users: UserDirectory;
  readonly authLog: AuthFailureLog;
  readonly settings: Record<string, Json>;
  readonly records: RecordStoreApi;
  /** the built-in admin and API users */
  readonly admin: SandboxUser;
  readonly apiUser: SandboxUser;
  readonly hmacUser: SandboxUser;
  /** how often `Admin/rebuild` and `Admin/clearCache` ran (tools report them) */
  readonly counters = { rebuilds: 0, cacheClears: 0 };
  /** `X-App-Timestamp`; bumped by cache clears, as EspoCRM does */
  appTimestamp = Math.floor(Date.now() / 1000);

  constructor(opts: SandboxStateOptions) {
    const bundles = entityBundles();
    this.name = opts.name;
    this.version = opts.version;
    this.metadata = new MetadataStore(initialMetadata(bundles));
    this.i18n = new I18nStore(initialI18n(bundles));
    this.layouts = new LayoutStore(initialLayouts(bundles), (entityType) => Object.keys(this.metadata.entityDefs(entityType)?.fields ?? {}));
    this.users = new UserDirectory();
    this.authLog = new AuthFailureLog(opts.lockout);
    this.settings = initialSettings({ version: opts.version, siteUrl: opts.siteUrl, lockout: opts.lockout });
    this.records = opts.createRecordStore(this.metadata);

    this.admin = this.users.addUser({ userName: opts.admin.username, type: 'admin', password: opts.admin.password, lastName: 'Admin' });
    const readCrm = this.users.addRole({
      name: 'Sandbox API read CRM',
      data: Object.fromEntries(['Lead', 'Contact', 'Account'].map((scope) => [scope, { create: 'no', read: 'all', edit: 'no', delete: 'no', stream: 'no' }])),
      permissions: { assignmentPermission: 'no', userPermission: 'no' },
    });
    this.apiUser = this.users.addUser({ userName: 'sandbox-api', type: 'api', authMethod: 'ApiKey', apiKey: opts.apiKey, roleIds: [readCrm.id], createdById: this.admin.id });
    this.hmacUser = this.users.addUser({
      userName: 'sandbox-api-hmac', type: 'api', authMethod: 'Hmac', apiKey: opts.hmac.apiKey, secretKey: opts.hmac.secret, roleIds: [readCrm.id], createdById: this.admin.id,
    });
  }

  /**
   * The reported version is at least major.minor (EspoCRM behaviour differs across versions:
   * docs/espocrm.md, "Versions").
   */
  versionAtLeast(major: number, minor: number): boolean {
    const [maj = 0, min = 0] = this.version.split('.').map((part) => Number.parseInt(part, 10) || 0);
    return maj > major || (maj === major && min >= minor);
  }

  get siteUrl(): string {
    return String(this.settings.siteUrl);
  }

  set siteUrl(value: string) {
    this.settings.siteUrl = value;
  }
}
