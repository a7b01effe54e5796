import { readUint32 } from '../src/wire/bytes.js';

/**
 * Received socket chunks awaiting parsing. Chunks are kept as they arrived (never
 * concatenated), so parsing a long stream is linear: `take` returns a view into a chunk when
 * the frame lies inside one, and copies exactly once when it spans several.
 */
export class ReceiveBuffer {
  private chunks: Uint8Array[] = [];
  private head = 0; // index of the first unread chunk
  private offset = 0; // read position inside chunks[head]
  private total = 0;
  private scratch = new Uint8Array(0);

  /** Unread bytes. */
  get length(): number {
    return this.total;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    this.chunks.push(chunk);
    this.total += chunk.length;
  }

  /** Byte at `i` from the read position; caller ensures `i < length`. */
  byteAt(i: number): number {
    let k = this.head;
    let pos = this.offset + i;
    for (;;) {
      const c = this.chunks[k];
      if (c === undefined) return 0;
      if (pos < c.length) return c[pos] ?? 0;
      pos -= c.length;
      k++;
    }
  }

  /** Big-endian uint32 at the read position; caller ensures `length >= 4`. */
  peekUint32(): number {
    const c = this.chunks[this.head];
    if (c !== undefined && c.length - this.offset >= 4) {
      return readUint32(c, this.offset);
    }
    return ((this.byteAt(0) << 24) | (this.byteAt(1) << 16) | (this.byteAt(2) << 8) | this.byteAt(3)) >>> 0;
  }

  /**
   * Removes and returns the next `n` bytes; caller ensures `n <= length`. With `scratch`, bytes
   * spanning chunks are gathered into a buffer reused by the next such call instead of a new
   * one: for callers that are done with the result before they call `take` again.
   */
  take(n: number, scratch = false): Uint8Array {
    const first = this.chunks[this.head];
    if (first !== undefined && first.length - this.offset >= n) {
      const view = first.subarray(this.offset, this.offset + n);
      this.advance(n);
      return view;
    }
    let out: Uint8Array;
    if (scratch) {
      if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, 2 * this.scratch.length));
      out = this.scratch.subarray(0, n);
    } else out = new Uint8Array(n);
    let filled = 0;
    while (filled < n) {
      const c = this.chunks[this.head];
      if (c === undefined) break;
      const part = Math.min(n - filled, c.length - this.offset);
      out.set(c.subarray(this.offset, this.offset + part), filled);
      filled += part;
      this.advance(part);
    }
    return out;
  }

  /** Drops the next `n` bytes. */
  skip(n: number): void {
    this.advance(Math.min(n, this.total));
  }

  /** Replaces the unread bytes by one owned copy, so no chunk pushed so far is referenced any more. */
  detach(): void {
    if (this.total === 0) {
      this.chunks = [];
      this.head = 0;
      this.offset = 0;
      return;
    }
    const first = this.chunks[this.head];
    const inOne = first !== undefined && first.length - this.offset >= this.total;
    // spanning bytes come back from take as a fresh copy already
    const rest = inOne ? new Uint8Array(this.take(this.total)) : this.take(this.total);
    this.chunks = [rest];
    this.head = 0;
    this.offset = 0;
    this.total = rest.length;
  }

  /** Forgets everything, e.g. after a protocol error, so nothing more is held. */
  clear(): void {
    this.chunks = [];
    this.head = 0;
    this.scratch = new Uint8Array(0);
    this.offset = 0;
    this.total = 0;
  }

  private advance(n: number): void {
    this.total -= n;
    this.offset += n;
    for (;;) {
      const c = this.chunks[this.head];
      if (c === undefined || this.offset < c.length) break;
      this.offset -= c.length;
      this.head++;
    }
    // drop consumed chunk references in batches so the array does not grow without bound
    if (this.head > 64 && this.head * 2 > this.chunks.length) {
      this.chunks = this.chunks.slice(this.head);
      this.head = 0;
    }
  }
}
