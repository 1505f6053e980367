/** Public shapes of the dedupe core. */

/** What a record contributes to matching. EspoCRM attributes; anything else is kept for completeness. */
export interface DedupeRecord {
  id: string;
  name?: string | null;
  firstName?: string | null;
  lastName?: string | null;
  emailAddress?: string | null;
  emailAddressData?: Array<{ emailAddress: string }> | null;
  phoneNumber?: string | null;
  phoneNumberData?: Array<{ phoneNumber: string }> | null;
  accountName?: string | null;
  /** Account website; corroborates or contradicts company-name matches. */
  website?: string | null;
  createdAt?: string | null;
  [attribute: string]: unknown;
}

/** Which evidence is read: fields outside the chosen signals are ignored entirely. */
export type DedupeSignal = 'email' | 'phone' | 'name' | 'company';
export const DEDUPE_SIGNALS: readonly DedupeSignal[] = ['email', 'phone', 'name', 'company'];

/** How `name` is read: a person (first/last, order-free) or an organisation (legal forms removed). */
export type NameKind = 'person' | 'company';

export interface DuplicateIndexOptions {
  entityType: string;
  signals: DedupeSignal[];
  /** ISO 3166 alpha-2 country for phone numbers written without an international prefix. */
  defaultCountry?: string;
  /** Pairs scoring below this are not linked; default 0.7. */
  minScore?: number;
  /** Default: `company` for Account, `person` otherwise. */
  nameKind?: NameKind;
  /** Blocks that grow past this many records are skipped (counted in stats); default 100. */
  maxBlockSize?: number;
  /**
   * How many records are about to be added, when known (e.g. the total of a count request): the
   * tables are sized for them at once instead of growing by doubling, which briefly holds both the
   * old and the new copy. Only a hint: more or fewer records work the same.
   */
  expectedRecords?: number;
}

export interface DuplicatePair {
  a: string;
  b: string;
  score: number;
  reasons: string[];
}

export interface DuplicateCluster {
  /** Sorted. */
  ids: string[];
  /** The weakest link that holds the cluster together (lowest pair score on its maximum spanning tree). */
  score: number;
  /** Distinct reasons of its pairs, strongest pair first. */
  reasons: string[];
  /** Every linked pair (score ≥ minScore), strongest first. */
  pairs: DuplicatePair[];
  /** The suggested record to keep. */
  keep: { id: string; why: string };
}

export interface DuplicateIndexStats {
  /** Distinct records indexed (a repeated id is counted once, see `repeatedIds`). */
  records: number;
  /** Pairs scored. */
  comparisons: number;
  /** Distinct blocking keys. */
  blocks: number;
  /** Blocks that outgrew `maxBlockSize`: their pairs are not compared (other keys usually still pair true duplicates). */
  oversizedBlocks: number;
  maxBlockSize: number;
  /** Records seen again under an id already indexed (pages that overlap); the first copy is kept. */
  repeatedIds: number;
  /** Records with nothing to match on for the chosen signals. */
  unmatchable: number;
}
