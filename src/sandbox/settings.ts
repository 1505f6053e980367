/**
 * Application settings (`GET Settings`, `App/user` → `settings`). Without authentication only the
 * "global" ones are served (no `version`); admins see everything; other users do not see the
 * admin-only ones.
 */
import type { Json } from './types.js';

type Settings = Record<string, Json>;

const globalKeys = [
  'applicationName', 'language', 'timeZone', 'dateFormat', 'timeFormat', 'weekStart', 'thousandSeparator', 'decimalMark',
  'defaultCurrency', 'theme', 'logoSrc', 'authenticationMethod', 'passwordRecoveryDisabled',
];

const adminOnlyKeys = [
  'smtpServer', 'smtpPort', 'smtpAuth', 'smtpSecurity', 'smtpUsername', 'jobPeriod', 'jobMaxPortion', 'cronMinInterval',
  'authTokenLifetime', 'authTokenMaxIdleTime', 'authMaxFailedAttemptNumber', 'authFailedAttemptsPeriod', 'customPrefixDisabled', 'useCache',
];

export function initialSettings(opts: { version: string; siteUrl: string; lockout: { maxFailed: number; windowMs: number } | false }): Settings {
  return {
    applicationName: 'EspoCRM',
    version: opts.version,
    siteUrl: opts.siteUrl,
    language: 'en_US',
    timeZone: 'UTC',
    dateFormat: 'YYYY-MM-DD',
    timeFormat: 'HH:mm',
    weekStart: 1,
    thousandSeparator: ',',
    decimalMark: '.',
    currencyList: ['USD'],
    defaultCurrency: 'USD',
    baseCurrency: 'USD',
    theme: 'Espo',
    logoSrc: 'client/img/logo-light.svg',
    authenticationMethod: 'Espo',
    passwordRecoveryDisabled: false,
    recordsPerPage: 20,
    recordsPerPageSmall: 5,
    recordListMaxSizeLimit: 200,
    tabList: ['Account', 'Contact', 'Lead', 'Opportunity', 'User', 'Team'],
    quickCreateList: ['Account', 'Contact', 'Lead', 'Opportunity'],
    globalSearchEntityList: ['Account', 'Contact', 'Lead', 'Opportunity'],
    phoneNumberInternational: true,
    phoneNumberNumericSearch: true,
    personNameFormat: 'firstLast',
    displayListViewRecordCount: true,
    cacheTimestamp: Math.floor(Date.now() / 1000),
    smtpServer: null,
    smtpPort: 587,
    smtpAuth: true,
    smtpSecurity: 'TLS',
    smtpUsername: null,
    jobPeriod: 7800,
    jobMaxPortion: 15,
    cronMinInterval: 2,
    useCache: true,
    authTokenLifetime: 0,
    authTokenMaxIdleTime: 48,
    authMaxFailedAttemptNumber: opts.lockout === false ? 0 : opts.lockout.maxFailed,
    authFailedAttemptsPeriod: opts.lockout === false ? '0 seconds' : `${Math.round(opts.lockout.windowMs / 1000)} seconds`,
    customPrefixDisabled: false,
  };
}

export function globalSettings(settings: Settings): Settings {
  return Object.fromEntries(globalKeys.filter((k) => k in settings).map((k) => [k, settings[k] as Json]));
}

export function settingsFor(settings: Settings, isAdmin: boolean): Settings {
  if (isAdmin) return structuredClone(settings);
  return Object.fromEntries(Object.entries(settings).filter(([k]) => !adminOnlyKeys.includes(k)));
}
