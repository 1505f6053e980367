/**
 * Blocks in flat typed arrays. Most blocking keys are held by a single record (a typo variant nobody
 * else has), so a key's slot in an open-addressing table holds that record directly; only keys shared
 * by two or more records get a member list (a linked list of slots). At 100k records there are over
 * a million keys: a Map plus an array per block would cost well over 100 MB.
 */

type Ints = Int32Array<ArrayBuffer>;

function grow(a: Ints, need: number): Ints {
  if (need <= a.length) return a;
  const b = new Int32Array(Math.max(need, a.length * 2));
  b.set(a);
  return b;
}

const EMPTY = 0;
// Linear probing stays short (about 3.6 probes for a new key at worst) up to this load.
const MAX_LOAD = 0.6;
const OVERSIZED = -1;

export class BlockTable {
  /**
   * Open addressing, linear probing, key and value side by side (one cache line per probe: the table
   * is far larger than the caches). At 2i the stored key = hash + 1 (0 marks an empty slot); at 2i + 1
   * the value: ≥ 0 the block's only record; −1 oversized; ≤ −2 shared block number (−2 − value).
   */
  private table: Ints;
  /** Slots (key-value pairs) in `table`: a power of two. */
  private capacity: number;
  private used = 0;
  /** Shared block → first slot of its member list, and its size. */
  private head: Ints = new Int32Array(256);
  private size: Ints = new Int32Array(256);
  private shared = 0;
  private slotRecord: Ints = new Int32Array(1024);
  private slotNext: Ints = new Int32Array(1024);
  private slots = 0;
  private oversized = 0;

  /**
   * `maxBlockSize` ≥ 2. `expectedKeys`: distinct keys about to be filed, to size the table once (0:
   * start small and grow). `hash` values given to the table are non-negative 30-bit integers.
   */
  constructor(private readonly maxBlockSize: number, expectedKeys = 0) {
    this.capacity = BlockTable.capacityFor(expectedKeys, 1 << 12);
    this.table = new Int32Array(this.capacity * 2);
  }

  private static capacityFor(keys: number, from: number): number {
    let size = from;
    while (size * MAX_LOAD < keys) size *= 2;
    return size;
  }

  /** Grows the table at once to hold `expectedKeys` distinct keys (never shrinks it). */
  reserve(expectedKeys: number): void {
    const size = BlockTable.capacityFor(expectedKeys, this.capacity);
    if (size > this.capacity) this.rehash(size);
  }

  /** The index in `table` of the key's pair, or of the empty pair where it would go. */
  private find(stored: number): number {
    const table = this.table;
    const mask = this.capacity - 1;
    let i = stored & mask;
    for (;;) {
      const k = table[2 * i] as number;
      if (k === stored || k === EMPTY) return 2 * i;
      i = (i + 1) & mask;
    }
  }

  private rehash(size = this.capacity * 2): void {
    const old = this.table;
    this.table = new Int32Array(size * 2);
    this.capacity = size;
    for (let i = 0; i < old.length; i += 2) {
      const k = old[i] as number;
      if (k === EMPTY) continue;
      const j = this.find(k);
      this.table[j] = k;
      this.table[j + 1] = old[i + 1] as number;
    }
  }

  private pushSlot(block: number, record: number): void {
    const slot = this.slots++;
    this.slotRecord = grow(this.slotRecord, this.slots);
    this.slotNext = grow(this.slotNext, this.slots);
    this.slotRecord[slot] = record;
    this.slotNext[slot] = this.head[block] as number;
    this.head[block] = slot;
    this.size[block] = (this.size[block] as number) + 1;
  }

  /**
   * Files `record` under `hash`, first calling `visit` with each record already there. A block about
   * to exceed `maxBlockSize` becomes oversized instead: it is no longer visited or grown, and its
   * pairs do not count (see `isLive`).
   */
  add(hash: number, record: number, visit: (member: number) => void): void {
    const stored = hash + 1;
    const i = this.find(stored);
    const table = this.table;
    if (table[i] === EMPTY) {
      table[i] = stored;
      table[i + 1] = record;
      if (++this.used > this.capacity * MAX_LOAD) this.rehash();
      return;
    }
    const v = table[i + 1] as number;
    if (v === OVERSIZED) return;
    if (v >= 0) {
      visit(v);
      const block = this.shared++;
      this.head = grow(this.head, this.shared);
      this.size = grow(this.size, this.shared);
      this.head[block] = -1;
      this.size[block] = 0;
      this.pushSlot(block, v);
      this.pushSlot(block, record);
      table[i + 1] = -2 - block;
      return;
    }
    const block = -2 - v;
    if ((this.size[block] as number) >= this.maxBlockSize) {
      table[i + 1] = OVERSIZED; // its slots stay allocated but unreachable: simpler than a free list
      this.oversized++;
      return;
    }
    for (let s = this.head[block] as number; s >= 0; s = this.slotNext[s] as number) visit(this.slotRecord[s] as number);
    this.pushSlot(block, record);
  }

  /** Whether records filed under `hash` are still compared (the block exists and is not oversized). */
  isLive(hash: number): boolean {
    const i = this.find(hash + 1);
    return this.table[i] !== EMPTY && this.table[i + 1] !== OVERSIZED;
  }

  get blocks(): number {
    return this.used;
  }

  get oversizedBlocks(): number {
    return this.oversized;
  }
}
