/** A place secrets live, addressed by account (`TENANT/FIELD` by default). */
export interface SecretStore {
  /** The stored value, or null when there is none. */
  get(account: string): Promise<string | null>;
  set(account: string, value: string): Promise<void>;
  /** True when an entry was deleted, false when there was none. */
  delete(account: string): Promise<boolean>;
}
