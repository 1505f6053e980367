/** The shapes of the sandbox's generated data set: options, records per entity type, duplicate truth. */
import type { EntityCatalog, RecordAttributes } from '../types.js';

export type GeneratedEntityType = 'Lead' | 'Contact' | 'Account';

export interface DuplicateCluster {
  entityType: GeneratedEntityType;
  /** The original first, then its duplicates. */
  ids: string[];
  /** How the duplicates differ from the original, e.g. 'name:typo', 'email:case', 'phone:same'. */
  variations: string[];
}

/**
 * Two people with the same name at the same company who are not the same person: a known
 * non-duplicate pair (a duplicate finder that links them has a false positive).
 */
export interface Homonym {
  entityType: 'Lead' | 'Contact';
  /** The namesake, then the record that was given its name. */
  ids: [string, string];
  /**
   * The identifiers both records hold, each different: 'email+phone' (conflicting evidence: another
   * email and another phone), or only one of them ('email', 'phone': the other is missing on at least
   * one record, which looks exactly like a duplicate whose email or phone changed).
   */
  differing: 'email+phone' | 'email' | 'phone';
}

export interface DuplicateTruth {
  clusters: DuplicateCluster[];
  /** Known non-duplicates: same name and company, different identifiers. */
  homonyms: Homonym[];
}

export interface GenerateOptions {
  seed: number;
  leads: number;
  contacts: number;
  accounts: number;
  /** Total clusters over the three entity types; default: about 2% of each type's records (at least 1 from 10 records). */
  duplicateClusters?: number;
  /**
   * Homonym pairs (see `Homonym`) over leads and contacts; default: 0.2% of each type's records
   * (none under 500 records).
   */
  homonyms?: number;
  /** ISO country the data leans towards (default FR); FR, US, DE, ES, GB, IT are known. */
  defaultCountry?: string;
  /** Reference "now" for createdAt (default 2026-11-28T12:00:00Z, so output does not drift). */
  now?: Date;
  /** Live metadata, to take status/source/type/industry values from the entity's options. */
  catalog?: EntityCatalog;
}

export interface Dataset {
  records: Record<GeneratedEntityType, RecordAttributes[]>;
  truth: DuplicateTruth;
}
