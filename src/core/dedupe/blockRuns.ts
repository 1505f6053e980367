/**
 * Blocks as one sorted run of (key, record) pairs, merged with each batch of new pairs.
 *
 * Why not a hash table: at 100k records there are over a million block keys, nearly all held by one
 * record. A table that size (16 MB and more) is read at a random place for every key, and each read
 * costs a cache miss and, in a virtual machine, a page-table walk: it was the largest single cost of
 * matching. Here new pairs are appended (sequential writes), sorted by key a batch at a time (a radix
 * sort: sequential passes), and merged into the run (sequential again). Records that share a key meet
 * during the merge, where the new members of a block are paired with its earlier members and with each
 * other. A block that would outgrow `maxBlockSize` is collapsed to a marker: its records are no longer
 * paired, and pairs met through it earlier do not count (see `isLive`), whatever order records came in.
 */

type Ints = Int32Array<ArrayBuffer>;

/** A key whose block outgrew the cap: the run keeps only this marker for it. */
const OVERSIZED = -1;
const RADIX_BITS = 10;
const RADIX = 1 << RADIX_BITS;
/** Pairs gathered before a merge, at least; more as the run grows (each merge copies the whole run). */
const MIN_BATCH = 1 << 14;

function grown(a: Ints, need: number): Ints {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

export class BlockRuns {
  /**
   * The run: keys ascending; within a key, records ascending (or the single OVERSIZED marker). The
   * arrays have room past `runLength` for the next batch: a merge works in place, from the end.
   */
  private runKeys: Ints = new Int32Array(0);
  private runRecs: Ints = new Int32Array(0);
  private runLength = 0;
  /** Pairs waiting for the next merge, in the order added, and the radix sort's scratch. */
  private batchKeys: Ints = new Int32Array(1024);
  private batchRecs: Ints = new Int32Array(1024);
  private tmpKeys: Ints = new Int32Array(0);
  private tmpRecs: Ints = new Int32Array(0);
  private batchLength = 0;
  private readonly counts = new Int32Array(RADIX);
  private distinct = 0;
  private oversized = 0;
  /** Largest batch before a merge, from `reserve` (unbounded without it). */
  private maxBatch = Number.POSITIVE_INFINITY;

  /** `maxBlockSize` ≥ 2. Keys are non-negative 30-bit integers; records non-negative integers. */
  constructor(private readonly maxBlockSize: number) {}

  /** Sizes the arrays for about this many pairs in all (a hint: they still grow past it). */
  reserve(expectedPairs: number): void {
    if (!(expectedPairs > this.runKeys.length)) return;
    const n = Math.floor(expectedPairs);
    this.runKeys = grown(this.runKeys, n);
    this.runRecs = grown(this.runRecs, n);
    // Batches then stay under a sixteenth of all pairs (see `due`): the last one, merged and scored
    // after the last page has arrived, stays short.
    this.maxBatch = Math.max(MIN_BATCH, n >> 4);
    const batch = this.maxBatch;
    this.batchKeys = grown(this.batchKeys, batch);
    this.batchRecs = grown(this.batchRecs, batch);
  }

  /** Files `record` under `key`; it meets the block's other records at the next `merge`. */
  add(key: number, record: number): void {
    const at = this.batchLength++;
    if (at === this.batchKeys.length) {
      this.batchKeys = grown(this.batchKeys, at + 1);
      this.batchRecs = grown(this.batchRecs, at + 1);
    }
    this.batchKeys[at] = key;
    this.batchRecs[at] = record;
  }

  /**
   * Whether enough pairs wait for a merge to be worth its cost: a merge moves the whole run, so
   * batches grow with it (half its size, which keeps the pairs moved in all to about twice their
   * number), up to a sixteenth of the pairs expected (`reserve`), so the last batch stays small.
   */
  get due(): boolean {
    return this.batchLength >= Math.max(MIN_BATCH, Math.min(this.runLength >> 1, this.maxBatch));
  }

  /**
   * Merges the waiting pairs into the run, calling `pair(a, b)` for each two records that meet in a
   * block that is not oversized: every new member with every earlier one and with the other new ones.
   * Two records sharing several keys meet once per key: the caller drops the repeats.
   */
  merge(pair: (a: number, b: number) => void): void {
    const n = this.batchLength;
    if (n === 0) return;
    this.sortBatch();
    const bk = this.batchKeys;
    const br = this.batchRecs;
    const need = this.runLength + n;
    if (this.runKeys.length < need) {
      this.runKeys = grown(this.runKeys, Math.max(need, this.runKeys.length * 2));
      this.runRecs = grown(this.runRecs, this.runKeys.length);
    }
    const rk = this.runKeys;
    const rr = this.runRecs;
    const max = this.maxBlockSize;
    // From the end: i and j are the last old and new pairs not yet placed, o the last free slot.
    // o − i = j + 1 ≥ the new pairs of a group, so a group's slots never reach below its old pairs.
    let i = this.runLength - 1;
    let j = n - 1;
    let o = need - 1;
    while (j >= 0) {
      const key = bk[j] as number;
      // Old pairs above the new key: moved up as they are (most of the run).
      while (i >= 0 && (rk[i] as number) > key) {
        rk[o] = rk[i] as number;
        rr[o--] = rr[i--] as number;
      }
      let j1 = j;
      while (j1 > 0 && bk[j1 - 1] === key) j1--;
      let i1 = i + 1;
      while (i1 > 0 && rk[i1 - 1] === key) i1--;
      const olds = i + 1 - i1;
      if (olds === 0) this.distinct++;
      if (olds === 1 && rr[i1] === OVERSIZED) {
        rk[o] = key;
        rr[o--] = OVERSIZED;
      } else if (olds + (j - j1 + 1) > max) {
        rk[o] = key;
        rr[o--] = OVERSIZED;
        this.oversized++;
      } else {
        for (let x = j1; x <= j; x++) {
          const rec = br[x] as number;
          for (let y = i1; y <= i; y++) pair(rr[y] as number, rec);
          for (let y = j1; y < x; y++) pair(br[y] as number, rec);
        }
        // New members last (records ascending within a key), then the old ones moved up, top down.
        for (let x = j; x >= j1; x--) {
          rk[o] = key;
          rr[o--] = br[x] as number;
        }
        for (let y = i; y >= i1; y--) {
          rk[o] = key;
          rr[o--] = rr[y] as number;
        }
      }
      i = i1 - 1;
      j = j1 - 1;
    }
    // Old pairs below every new key stay where they are; markers may have left a gap above them.
    const gap = o - i;
    if (gap > 0) {
      rk.copyWithin(i + 1, o + 1, need);
      rr.copyWithin(i + 1, o + 1, need);
    }
    this.runLength = need - gap;
    this.batchLength = 0;
  }

  /** Sorts the waiting pairs by key, keeping the order of records within a key (LSD radix sort). */
  private sortBatch(): void {
    const n = this.batchLength;
    if (this.tmpKeys.length < n) {
      this.tmpKeys = new Int32Array(this.batchKeys.length);
      this.tmpRecs = new Int32Array(this.batchKeys.length);
    }
    let srcK = this.batchKeys;
    let srcR = this.batchRecs;
    let dstK = this.tmpKeys;
    let dstR = this.tmpRecs;
    const counts = this.counts;
    for (let shift = 0; shift < 30; shift += RADIX_BITS) {
      counts.fill(0);
      for (let i = 0; i < n; i++) {
        const d = ((srcK[i] as number) >>> shift) & (RADIX - 1);
        counts[d] = (counts[d] as number) + 1;
      }
      let sum = 0;
      for (let d = 0; d < RADIX; d++) {
        const c = counts[d] as number;
        counts[d] = sum;
        sum += c;
      }
      for (let i = 0; i < n; i++) {
        const k = srcK[i] as number;
        const d = (k >>> shift) & (RADIX - 1);
        const at = counts[d] as number;
        counts[d] = at + 1;
        dstK[at] = k;
        dstR[at] = srcR[i] as number;
      }
      const sk = srcK;
      const sr = srcR;
      srcK = dstK;
      srcR = dstR;
      dstK = sk;
      dstR = sr;
    }
    this.batchKeys = srcK;
    this.batchRecs = srcR;
    this.tmpKeys = dstK;
    this.tmpRecs = dstR;
  }

  /** Whether records filed under `key` are paired: the block exists and is not oversized (after `merge`). */
  isLive(key: number): boolean {
    let lo = 0;
    let hi = this.runLength;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((this.runKeys[mid] as number) < key) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.runLength && this.runKeys[lo] === key && this.runRecs[lo] !== OVERSIZED;
  }

  /** Distinct keys merged so far. */
  get blocks(): number {
    return this.distinct;
  }

  get oversizedBlocks(): number {
    return this.oversized;
  }
}
