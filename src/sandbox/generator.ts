/**
 * The sandbox's seeded data generator, kept at this path for its importers; it lives in
 * `./generator/` (index: assembly; cultures, random, builder, records, variants, homonyms).
 */
export { generateDataset, mulberry32 } from './generator/index.js';
export type { Dataset, DuplicateCluster, DuplicateTruth, GenerateOptions, GeneratedEntityType, Homonym } from './generator/index.js';
