export { SecretError } from './errors.js';
export type { SecretStore } from './store.js';
export { KeychainStore } from './keychain.js';
export { resolveSecret, type ResolveSecretContext } from './resolve.js';
export { readSecretInput, type SecretInput } from './read-input.js';
export {
  KEYCHAIN_SERVICE,
  SECRET_FIELDS,
  conventionalEnvVar,
  describeSecretRef,
  envPrefixFor,
  isSecretRef,
  keychainAccount,
  parseSecretRef,
  secretFieldOf,
  tenantSecretRefs,
  type ParsedSecretRef,
  type SecretField,
} from './refs.js';
