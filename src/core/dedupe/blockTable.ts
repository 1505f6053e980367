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
  /** Open addressing, linear probing: stored key = hash + 1 (0 marks an empty slot). */
  private keys: Ints;
  /** ≥ 0: the block's only record; −1: oversized; ≤ −2: shared block number (−2 − value). */
  private values: Ints;
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
    const size = BlockTable.capacityFor(expectedKeys, 1 << 12);
    this.keys = new Int32Array(size);
    this.values = new Int32Array(size);
  }

  private static capacityFor(keys: number, from: number): number {
    let size = from;
    while (size * MAX_LOAD < keys) size *= 2;
    return size;
  }

  /** Grows the table at once to hold `expectedKeys` distinct keys (never shrinks it). */
  reserve(expectedKeys: number): void {
    const size = BlockTable.capacityFor(expectedKeys, this.keys.length);
    if (size > this.keys.length) this.rehash(size);
  }

  private find(stored: number): number {
    const mask = this.keys.length - 1;
    let i = stored & mask;
    for (;;) {
      const k = this.keys[i] as number;
      if (k === stored || k === EMPTY) return i;
      i = (i + 1) & mask;
    }
  }

  private rehash(size = this.keys.length * 2): void {
    const oldKeys = this.keys;
    const oldValues = this.values;
    this.keys = new Int32Array(size);
    this.values = new Int32Array(size);
    for (let i = 0; i < oldKeys.length; i++) {
      const k = oldKeys[i] as number;
      if (k === EMPTY) continue;
      const j = this.find(k);
      this.keys[j] = k;
      this.values[j] = oldValues[i] as number;
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
    if (this.keys[i] === EMPTY) {
      this.keys[i] = stored;
      this.values[i] = record;
      if (++this.used > this.keys.length * MAX_LOAD) this.rehash();
      return;
    }
    const v = this.values[i] as number;
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
      this.values[i] = -2 - block;
      return;
    }
    const block = -2 - v;
    if ((this.size[block] as number) >= this.maxBlockSize) {
      this.values[i] = OVERSIZED; // its slots stay allocated but unreachable: simpler than a free list
      this.oversized++;
      return;
    }
    for (let s = this.head[block] as number; s >= 0; s = this.slotNext[s] as number) visit(this.slotRecord[s] as number);
    this.pushSlot(block, record);
  }

  /** Whether records filed under `hash` are still compared (the block exists and is not oversized). */
  isLive(hash: number): boolean {
    const i = this.find(hash + 1);
    return this.keys[i] !== EMPTY && this.values[i] !== OVERSIZED;
  }

  get blocks(): number {
    return this.used;
  }

  get oversizedBlocks(): number {
    return this.oversized;
  }
}
