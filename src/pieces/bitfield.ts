import * as E from 'fp-ts/lib/Either.js';

/** Why a peer's `bitfield` message payload was rejected (BEP 3). */
export interface BitfieldError {
  readonly _tag: 'BitfieldError';
  readonly code: 'wrong-size' | 'spare-bits-set';
  /** One line a person can act on. */
  readonly message: string;
}

/** Number of set bits in each byte value, so counting a whole field is one lookup per byte. */
const POPCOUNT = new Uint8Array(256);
for (let b = 1; b < 256; b++) POPCOUNT[b] = (b & 1) + (POPCOUNT[b >> 1] ?? 0);

/**
 * One bit per piece in BEP 3 wire order: the high bit of byte 0 is piece 0. The set-bit count is
 * kept incrementally so `count`, `isComplete` and `isEmpty` are O(1).
 */
export class Bitfield {
  /** Number of pieces (bits) this field describes. */
  readonly length: number;
  private readonly bits: Uint8Array;
  private setCount = 0;

  /** An all-clear field of `length` bits. */
  constructor(length: number) {
    if (!Number.isSafeInteger(length) || length < 0) throw new RangeError(`bitfield length ${length} is not a non-negative integer`);
    this.length = length;
    this.bits = new Uint8Array((length + 7) >>> 3);
  }

  /**
   * Parses a peer's `bitfield` payload. BEP 3: the payload is exactly ceil(pieceCount / 8) bytes
   * and "spare bits at the end are set to zero"; a peer that breaks either rule is misbehaving.
   */
  static fromWire(bytes: Uint8Array, pieceCount: number): E.Either<BitfieldError, Bitfield> {
    const field = new Bitfield(pieceCount);
    if (bytes.length !== field.bits.length) {
      return E.left({
        _tag: 'BitfieldError',
        code: 'wrong-size',
        message: `bitfield: ${bytes.length} bytes for ${pieceCount} pieces, expected ${field.bits.length}`,
      });
    }
    const spare = field.bits.length * 8 - pieceCount;
    if (spare > 0 && ((bytes[bytes.length - 1] ?? 0) & ((1 << spare) - 1)) !== 0) {
      return E.left({
        _tag: 'BitfieldError',
        code: 'spare-bits-set',
        message: `bitfield: spare bits after piece ${pieceCount - 1} are set`,
      });
    }
    field.bits.set(bytes);
    let n = 0;
    for (let i = 0; i < bytes.length; i++) n += POPCOUNT[bytes[i] ?? 0] ?? 0;
    field.setCount = n;
    return E.right(field);
  }

  /** A field with every piece set (a seed, or BEP 6 `have all`). */
  static full(length: number): Bitfield {
    const f = new Bitfield(length);
    f.setAll();
    return f;
  }

  /** True when piece `index` is set; false for any out-of-range index. */
  has(index: number): boolean {
    if (!(index >= 0 && index < this.length)) return false;
    return ((this.bits[index >>> 3] ?? 0) & (0x80 >>> (index & 7))) !== 0;
  }

  /** Sets piece `index`; returns true when the bit changed. Throws on an out-of-range index. */
  set(index: number): boolean {
    this.check(index);
    const byte = index >>> 3;
    const mask = 0x80 >>> (index & 7);
    const old = this.bits[byte] ?? 0;
    if ((old & mask) !== 0) return false;
    this.bits[byte] = old | mask;
    this.setCount++;
    return true;
  }

  /** Clears piece `index`; returns true when the bit changed. Throws on an out-of-range index. */
  clear(index: number): boolean {
    this.check(index);
    const byte = index >>> 3;
    const mask = 0x80 >>> (index & 7);
    const old = this.bits[byte] ?? 0;
    if ((old & mask) === 0) return false;
    this.bits[byte] = old & ~mask;
    this.setCount--;
    return true;
  }

  /** Sets every piece. */
  setAll(): void {
    this.bits.fill(0xff);
    const spare = this.bits.length * 8 - this.length;
    if (spare > 0) this.bits[this.bits.length - 1] = (0xff << spare) & 0xff;
    this.setCount = this.length;
  }

  /** Clears every piece. */
  clearAll(): void {
    this.bits.fill(0);
    this.setCount = 0;
  }

  /** Number of set pieces (O(1)). */
  get count(): number {
    return this.setCount;
  }

  /** True when every piece is set. */
  get isComplete(): boolean {
    return this.setCount === this.length;
  }

  /** True when no piece is set. */
  get isEmpty(): boolean {
    return this.setCount === 0;
  }

  /** The wire form (a copy, safe to send while this field keeps changing). */
  toBytes(): Uint8Array {
    return this.bits.slice();
  }

  /** An independent copy. */
  copy(): Bitfield {
    const f = new Bitfield(this.length);
    f.bits.set(this.bits);
    f.setCount = this.setCount;
    return f;
  }

  /** First set index at or after `from`, or -1. Skips whole zero bytes. */
  nextSet(from = 0): number {
    for (let i = Math.max(0, from); i < this.length; ) {
      if ((i & 7) === 0 && this.bits[i >>> 3] === 0) {
        i += 8;
        continue;
      }
      if (this.has(i)) return i;
      i++;
    }
    return -1;
  }

  /** First clear index at or after `from`, or -1. Skips whole 0xff bytes. */
  nextClear(from = 0): number {
    for (let i = Math.max(0, from); i < this.length; ) {
      if ((i & 7) === 0 && this.bits[i >>> 3] === 0xff) {
        i += 8;
        continue;
      }
      if (!this.has(i)) return i;
      i++;
    }
    return -1;
  }

  /** Set indices in increasing order. */
  *setIndices(): IterableIterator<number> {
    for (let i = this.nextSet(0); i !== -1; i = this.nextSet(i + 1)) yield i;
  }

  /** Clear indices in increasing order. */
  *clearIndices(): IterableIterator<number> {
    for (let i = this.nextClear(0); i !== -1; i = this.nextClear(i + 1)) yield i;
  }

  /** Calls `fn` for each set index without allocating an iterator. */
  forEachSet(fn: (index: number) => void): void {
    for (let i = this.nextSet(0); i !== -1; i = this.nextSet(i + 1)) fn(i);
  }

  private check(index: number): void {
    if (!(Number.isInteger(index) && index >= 0 && index < this.length)) {
      throw new RangeError(`piece ${index} out of range 0..${this.length - 1}`);
    }
  }
}
