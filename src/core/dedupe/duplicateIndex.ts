/**
 * The streaming duplicate index. Records arrive a page at a time; each is normalised once and filed
 * under its blocking keys; every few pages the new keys are merged into the blocks (`BlockRuns`) and
 * each record is scored against the records it met there, a few pairs per page, so the work overlaps
 * with fetching. A block that outgrows `maxBlockSize` is dropped (a key shared by that many records,
 * like a switchboard number, is no evidence), which keeps the cost close to linear.
 *
 * The result does not depend on the order records arrive in: a pair counts only if the two records
 * share at least one block that is not oversized at the end, and pair scores are computed in id order.
 */
import { BlockRuns } from './blockRuns.js';
import { blockHashes, blockHashesInto, hashString } from './blocking.js';
import { defaultNameKind } from './fields.js';
import { chooseKeep } from './keep.js';
import { buildProfile, type ProfileOptions, type RecordProfile } from './profile.js';
import { describePair, emptyEvidence, evaluatePair, scorePair } from './score.js';
import type { NameSimilarity } from './similarity.js';
import {
  DEDUPE_SIGNALS,
  type DedupeRecord,
  type DuplicateCluster,
  type DuplicateIndexOptions,
  type DuplicateIndexStats,
  type DuplicatePair,
  type NameKind,
} from './types.js';
import { UnionFind } from './unionFind.js';

export const DEFAULT_MIN_SCORE = 0.7;
export const DEFAULT_MAX_BLOCK_SIZE = 100;
// Distinct block keys a person record adds on average (sizes the block runs for `expectedRecords`).
const KEYS_PER_RECORD = 12;
// A pre-size request beyond this is capped (the tables still grow if more records come).
const MAX_PRESIZE = 2_000_000;
// Record pairs are packed into one double: record indexes stay below 2^26 (67 million records).
const PAIR_SHIFT = 2 ** 26;

const round3 = (x: number): number => Math.round(x * 1000) / 1000;

export class DuplicateIndex {
  readonly entityType: string;
  readonly minScore: number;
  readonly maxBlockSize: number;
  private readonly nameKind: NameKind;
  private readonly profileOptions: ProfileOptions;
  private readonly profiles: RecordProfile[] = [];
  /**
   * Ids seen: open addressing over a 30-bit hash of the id, pairs side by side: at 2i the hash + 1
   * (0: empty), at 2i + 1 the record index (its profile holds the id, compared only on equal hashes).
   */
  private idSlots = new Int32Array(2 << 12);
  private readonly blocks: BlockRuns;
  /** Record pairs met in the last merge, packed as `low * 2^26 + high` (repeats dropped by sorting). */
  private candidates = new Float64Array(1024);
  private candidateCount = 0;
  /** After a merge, `candidates[queueAt..queued)` are the distinct pairs still to score. */
  private queued = 0;
  private queueAt = 0;
  private readonly meet = (a: number, b: number): void => {
    if (this.candidateCount === this.candidates.length) {
      const more = new Float64Array(this.candidates.length * 2);
      more.set(this.candidates);
      this.candidates = more;
    }
    this.candidates[this.candidateCount++] = a < b ? a * PAIR_SHIFT + b : b * PAIR_SHIFT + a;
  };
  private readonly edgeA: number[] = [];
  private readonly edgeB: number[] = [];
  private readonly edgeScore: number[] = [];
  private comparisons = 0;
  private repeatedIds = 0;
  private unmatchable = 0;
  private cached: DuplicateCluster[] | null = null;
  private readonly evidence = emptyEvidence();
  private readonly nameScratch: NameSimilarity = { score: 0, sameTokens: false, minToken: 0, extraTokens: 0, typoLevel: false };
  private readonly keyScratch: number[] = [];

  constructor(opts: DuplicateIndexOptions) {
    const signals = new Set(opts.signals);
    if (signals.size === 0) throw new Error('DuplicateIndex: choose at least one signal (email, phone, name, company).');
    for (const s of signals) {
      if (!DEDUPE_SIGNALS.includes(s)) throw new Error(`DuplicateIndex: unknown signal "${String(s)}"; use ${DEDUPE_SIGNALS.join(', ')}.`);
    }
    const minScore = opts.minScore ?? DEFAULT_MIN_SCORE;
    if (!(minScore > 0 && minScore <= 1)) throw new Error('DuplicateIndex: minScore must be in (0, 1].');
    const maxBlockSize = opts.maxBlockSize ?? DEFAULT_MAX_BLOCK_SIZE;
    if (!Number.isInteger(maxBlockSize) || maxBlockSize < 2) throw new Error('DuplicateIndex: maxBlockSize must be an integer ≥ 2.');
    this.entityType = opts.entityType;
    this.minScore = minScore;
    this.maxBlockSize = maxBlockSize;
    this.blocks = new BlockRuns(maxBlockSize);
    if (opts.expectedRecords !== undefined) this.reserve(opts.expectedRecords);
    this.nameKind = opts.nameKind ?? defaultNameKind(opts.entityType);
    this.profileOptions = { signals, nameKind: this.nameKind, defaultCountry: opts.defaultCountry };
  }

  /**
   * Sizes the tables for this many records in all (see `DuplicateIndexOptions.expectedRecords`), for
   * when the count is known only after the index is made. A hint: any number of records still works.
   */
  reserve(expectedRecords: number): void {
    if (!(expectedRecords > 0)) return;
    const n = Math.min(Math.floor(expectedRecords), MAX_PRESIZE);
    this.blocks.reserve(n * KEYS_PER_RECORD);
    let slots = this.idSlots.length / 2;
    while (slots < 2 * n) slots *= 2;
    if (slots > this.idSlots.length / 2) this.rehashIds(slots);
  }

  /** Index in `idSlots` of `id`'s pair if it was added, else of the empty pair where it would go. */
  private slotOfId(id: string, hash: number): number {
    const slots = this.idSlots;
    const mask = slots.length / 2 - 1;
    const stored = hash + 1;
    for (let i = hash & mask; ; i = (i + 1) & mask) {
      const h = slots[2 * i] as number;
      if (h === 0) return 2 * i;
      if (h === stored && (this.profiles[slots[2 * i + 1] as number] as RecordProfile).id === id) return 2 * i;
    }
  }

  private rehashIds(pairs: number): void {
    this.idSlots = new Int32Array(2 * pairs);
    for (let r = 0; r < this.profiles.length; r++) {
      const id = (this.profiles[r] as RecordProfile).id;
      const hash = hashString(id);
      const at = this.slotOfId(id, hash);
      this.idSlots[at] = hash + 1;
      this.idSlots[at + 1] = r;
    }
  }

  /** Adds a page of records. A record whose id was already added is ignored (overlapping pages). */
  add(records: readonly DedupeRecord[]): void {
    for (const record of records) {
      if (typeof record?.id !== 'string' || record.id === '') continue;
      const idHash = hashString(record.id);
      const slot = this.slotOfId(record.id, idHash);
      if (this.idSlots[slot] !== 0) {
        this.repeatedIds++;
        continue;
      }
      const i = this.profiles.length;
      if (i >= PAIR_SHIFT) throw new Error(`DuplicateIndex: at most ${PAIR_SHIFT} records.`);
      const profile = buildProfile(record, this.profileOptions);
      this.profiles.push(profile);
      this.idSlots[slot] = idHash + 1;
      this.idSlots[slot + 1] = i;
      if (4 * (i + 1) > this.idSlots.length) this.rehashIds(this.idSlots.length); // load ≤ 1/2
      const keys = blockHashesInto(profile, this.keyScratch);
      if (keys.length === 0) this.unmatchable++;
      for (let k = 0; k < keys.length; k++) this.blocks.add(keys[k] as number, i);
    }
    // Up to four queued pairs per record added: a batch brings about one pair a record, so the queue
    // is empty again well before the next merge.
    if (this.queueAt < this.queued) this.scoreQueued(4 * records.length);
    if (this.blocks.due) this.mergeBlocks();
    this.cached = null;
  }

  /**
   * Merges the keys waiting in the block runs; the pairs of records that met there are queued (once
   * each) and scored a few at a time by the next `add` calls (see `scoreQueued`), so no page takes
   * much longer than another to add: a caller fetching pages meanwhile keeps its requests flowing.
   */
  private mergeBlocks(): void {
    this.scoreQueued(Number.POSITIVE_INFINITY);
    this.candidateCount = 0;
    this.blocks.merge(this.meet);
    const n = this.candidateCount;
    if (n === 0) return;
    const pairs = this.candidates.subarray(0, n).sort();
    let unique = 0;
    for (let p = 0; p < n; p++) if (p === 0 || pairs[p] !== pairs[p - 1]) pairs[unique++] = pairs[p] as number;
    this.queued = unique;
    this.queueAt = 0;
  }

  /** Merges what waits and scores every queued pair: the index is then complete. */
  private settle(): void {
    this.mergeBlocks();
    this.scoreQueued(Number.POSITIVE_INFINITY);
  }

  /** Scores up to `budget` queued pairs (all with Infinity). */
  private scoreQueued(budget: number): void {
    const end = Math.min(this.queued, this.queueAt + budget);
    for (let p = this.queueAt; p < end; p++) {
      const packed = this.candidates[p] as number;
      const low = Math.floor(packed / PAIR_SHIFT);
      this.compare(low, packed - low * PAIR_SHIFT);
    }
    this.queueAt = end;
  }

  private compare(i: number, j: number): void {
    this.comparisons++;
    const pi = this.profiles[i] as RecordProfile;
    const pj = this.profiles[j] as RecordProfile;
    const iFirst = pi.id < pj.id;
    const score = evaluatePair(iFirst ? pi : pj, iFirst ? pj : pi, this.nameKind, this.evidence, this.nameScratch);
    if (score >= this.minScore) {
      this.edgeA.push(iFirst ? i : j);
      this.edgeB.push(iFirst ? j : i);
      this.edgeScore.push(score);
    }
  }

  /** True when the two records still share a block that did not outgrow the cap. */
  private shareLiveBlock(a: RecordProfile, b: RecordProfile): boolean {
    const keysA = blockHashes(a);
    for (const k of blockHashes(b)) if (keysA.includes(k) && this.blocks.isLive(k)) return true;
    return false;
  }

  /** Clusters of likely duplicates, highest score first. Recomputed only after more records are added. */
  clusters(): DuplicateCluster[] {
    if (this.cached) return this.cached;
    this.settle();
    const profiles = this.profiles;
    const edges: number[] = [];
    for (let e = 0; e < this.edgeA.length; e++) {
      if (this.shareLiveBlock(profiles[this.edgeA[e] as number] as RecordProfile, profiles[this.edgeB[e] as number] as RecordProfile)) edges.push(e);
    }
    const idOf = (e: number, side: number[]): string => (profiles[side[e] as number] as RecordProfile).id;
    // Strongest first, ties by ids: the spanning tree, hence each cluster's score, is then reproducible.
    edges.sort((e, f) =>
      (this.edgeScore[f] as number) - (this.edgeScore[e] as number) ||
      (idOf(e, this.edgeA) < idOf(f, this.edgeA) ? -1 : idOf(e, this.edgeA) > idOf(f, this.edgeA) ? 1 : 0) ||
      (idOf(e, this.edgeB) < idOf(f, this.edgeB) ? -1 : idOf(e, this.edgeB) > idOf(f, this.edgeB) ? 1 : 0));

    const uf = new UnionFind(profiles.length);
    const weakest = new Map<number, number>();
    for (const e of edges) {
      const a = this.edgeA[e] as number;
      const b = this.edgeB[e] as number;
      const ra = uf.find(a);
      const rb = uf.find(b);
      if (ra === rb) continue;
      const s = this.edgeScore[e] as number;
      const low = Math.min(s, weakest.get(ra) ?? 1, weakest.get(rb) ?? 1);
      uf.union(a, b);
      weakest.set(uf.find(a), low);
    }

    const groups = new Map<number, { members: Set<number>; edges: number[] }>();
    for (const e of edges) {
      const a = this.edgeA[e] as number;
      const root = uf.find(a);
      let g = groups.get(root);
      if (!g) groups.set(root, (g = { members: new Set(), edges: [] }));
      g.members.add(a);
      g.members.add(this.edgeB[e] as number);
      g.edges.push(e);
    }

    const clusters: DuplicateCluster[] = [];
    for (const [root, g] of groups) {
      const members = [...g.members].map((m) => profiles[m] as RecordProfile);
      const pairs: DuplicatePair[] = g.edges.map((e) => {
        const pa = profiles[this.edgeA[e] as number] as RecordProfile;
        const pb = profiles[this.edgeB[e] as number] as RecordProfile;
        const reasons = describePair(scorePair(pa, pb, this.nameKind), this.nameKind);
        return { a: pa.id, b: pb.id, score: round3(this.edgeScore[e] as number), reasons };
      });
      const reasons = [...new Set(pairs.flatMap((p) => p.reasons))];
      clusters.push({
        ids: members.map((m) => m.id).sort(),
        score: round3(weakest.get(root) ?? 0),
        reasons,
        pairs,
        keep: chooseKeep(members),
      });
    }
    clusters.sort((c, d) => d.score - c.score || d.ids.length - c.ids.length || ((c.ids[0] ?? '') < (d.ids[0] ?? '') ? -1 : 1));
    this.cached = clusters;
    return clusters;
  }

  /** Records added so far (cheap: for progress while pages arrive). */
  get size(): number {
    return this.profiles.length;
  }

  /** Counts after merging the keys still waiting (so `comparisons` is complete). */
  stats(): DuplicateIndexStats {
    this.settle();
    return {
      records: this.profiles.length,
      comparisons: this.comparisons,
      blocks: this.blocks.blocks,
      oversizedBlocks: this.blocks.oversizedBlocks,
      maxBlockSize: this.maxBlockSize,
      repeatedIds: this.repeatedIds,
      unmatchable: this.unmatchable,
    };
  }
}
