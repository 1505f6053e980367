/**
 * What a tenant's EspoCRM is: its version (and so which behaviours to expect) and whether custom
 * fields get the `c` prefix. Read once per tenant and kept; a failed read is forgotten so the next call
 * tries again.
 */
import type { EspoClient } from '../espo/client.js';
import { getAbout, getAppUser } from '../espo/api/app.js';
import { espoFeatures, type EspoFeatures } from '../core/fieldSpec/version.js';

export interface TenantProfile {
  /** "9.1.7"; undefined when the CRM did not say (then the 9.x behaviour is assumed). */
  version?: string;
  features: EspoFeatures;
  /** Config `customPrefixDisabled`: no `c` prefix even on 8.2+. */
  customPrefixDisabled: boolean;
  /** The `siteUrl` setting the CRM reported: which instance this is (changes record it). */
  siteUrl?: string;
  /** The language of the user this server reads as (what `GET I18n` answers in), e.g. "fr_FR". */
  language?: string;
  /** The system's default language (setting `language`: what `GET I18n?default=true` answers in). */
  defaultLanguage?: string;
}

export class ProfileCache {
  private value?: Promise<TenantProfile>;

  constructor(
    private readonly client: () => EspoClient,
    private readonly hasAdmin: boolean,
  ) {}

  /**
   * `App/user` (as admin) carries both `settings.version` and `settings.customPrefixDisabled` in one
   * call; `App/about` (8.1+) is the fallback for the version.
   */
  get(signal?: AbortSignal): Promise<TenantProfile> {
    if (!this.value) {
      const p = this.read(signal);
      this.value = p;
      p.catch(() => {
        if (this.value === p) this.value = undefined;
      });
    }
    return this.value;
  }

  forget(): void {
    this.value = undefined;
  }

  private async read(signal?: AbortSignal): Promise<TenantProfile> {
    const client = this.client();
    const auth = this.hasAdmin ? 'admin' : 'api';
    const me = await getAppUser(client, auth, { signal });
    let version = typeof me.settings.version === 'string' && me.settings.version !== '' ? me.settings.version : undefined;
    if (version === undefined) {
      try {
        version = (await getAbout(client, { auth, signal })).version;
      } catch {
        // Before 8.1 there is no App/about: keep the 9.x assumption, every write is verified by reading it back.
      }
    }
    const siteUrl = typeof me.settings.siteUrl === 'string' && me.settings.siteUrl !== '' ? me.settings.siteUrl : undefined;
    const defaultLanguage = typeof me.settings.language === 'string' && me.settings.language !== '' ? me.settings.language : undefined;
    const language = typeof me.language === 'string' && me.language !== '' ? me.language : defaultLanguage;
    return {
      ...(version ? { version } : {}),
      ...(siteUrl ? { siteUrl } : {}),
      ...(language ? { language } : {}),
      ...(defaultLanguage ? { defaultLanguage } : {}),
      features: espoFeatures(version),
      customPrefixDisabled: me.settings.customPrefixDisabled === true,
    };
  }
}
