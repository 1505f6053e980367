/** Duplicate detection and merge planning: pure, no I/O. */
export { DuplicateIndex, DEFAULT_MIN_SCORE, DEFAULT_MAX_BLOCK_SIZE } from './duplicateIndex.js';
export { planMerge, type MergePlan, type FieldChoice } from './mergePlan.js';
export {
  normalizeEmail,
  normalizePhone,
  normalizePersonName,
  normalizeCompanyName,
  normalizeWebsite,
  emailDomain,
  foldText,
  foldTokens,
  type NormalizedName,
} from './normalize.js';
export { isNonCorporateDomain } from './emailDomains.js';
export { jaroWinkler, nameSimilarity, isTypoVariant, typoDistance, type NameSimilarity } from './similarity.js';
export { chooseKeep } from './keep.js';
export { dedupeSelectFields, defaultNameKind } from './fields.js';
export {
  DEDUPE_SIGNALS,
  type DedupeRecord,
  type DedupeSignal,
  type DuplicateCluster,
  type DuplicateIndexOptions,
  type DuplicateIndexStats,
  type DuplicatePair,
  type NameKind,
} from './types.js';
