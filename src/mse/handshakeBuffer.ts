/**
 * Bytes received during an MSE handshake, awaiting parsing. Chunks are copied in (a socket's
 * read may be a reused buffer); what is consumed is dropped. The handshake's own bounds keep it
 * small: at most the longest handshake (about 10 KiB) plus one read.
 */
export class HandshakeBuffer {
  private buf = new Uint8Array(1024);
  private start = 0;
  private end = 0;
  /** Bytes consumed so far (the position of `view()[0]` in the whole stream). */
  consumed = 0;

  get length(): number {
    return this.end - this.start;
  }

  push(chunk: Uint8Array): void {
    if (chunk.length === 0) return;
    if (this.end + chunk.length > this.buf.length) {
      const live = this.length;
      const size = Math.max(this.buf.length, live + chunk.length);
      const next = size > this.buf.length ? new Uint8Array(Math.max(size, 2 * this.buf.length)) : this.buf;
      next.set(this.buf.subarray(this.start, this.end), 0);
      this.buf = next;
      this.start = 0;
      this.end = live;
    }
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /** The unread bytes (a view, valid until the next push or take). */
  view(): Uint8Array {
    return this.buf.subarray(this.start, this.end);
  }

  /** Removes and returns (as a copy) the next `n` bytes; caller ensures `n <= length`. */
  take(n: number): Uint8Array {
    const out = this.buf.slice(this.start, this.start + n);
    this.skip(n);
    return out;
  }

  skip(n: number): void {
    this.start += n;
    this.consumed += n;
  }

  /** Everything unread, as a copy, leaving the buffer empty. */
  rest(): Uint8Array {
    return this.take(this.length);
  }
}

/** Index of `needle` in `hay` at or after `from`, with the match ending by `limit`; -1 if none. */
export function indexWithin(hay: Uint8Array, needle: Uint8Array, from: number, limit: number): number {
  const last = Math.min(hay.length, limit) - needle.length;
  const first = needle[0];
  outer: for (let i = Math.max(0, from); i <= last; i++) {
    if (hay[i] !== first) continue;
    for (let k = 1; k < needle.length; k++) if (hay[i + k] !== needle[k]) continue outer;
    return i;
  }
  return -1;
}

/** What {@link seekSync} found: the pattern (now skipped), not yet (resume at `scanned`), or nothing in time. */
export type SyncSeek = { readonly kind: 'found' } | { readonly kind: 'wait'; readonly scanned: number } | { readonly kind: 'tooFar' };

/**
 * Looks in `buf` for a sync `pattern` the peer must send with its end no further than stream
 * position `limit` (MSE bounds both: VC within 616 bytes of Yb's start, req1's hash within 628
 * of the stream's). Found, it is skipped; otherwise the search resumes at `scanned` next time
 * (no byte is compared twice), or fails once `limit` bytes have arrived without it.
 */
export function seekSync(buf: HandshakeBuffer, pattern: Uint8Array, scanned: number, limit: number): SyncSeek {
  const at = indexWithin(buf.view(), pattern, scanned, limit - buf.consumed);
  if (at >= 0) {
    buf.skip(at + pattern.length);
    return { kind: 'found' };
  }
  if (buf.consumed + buf.length >= limit) return { kind: 'tooFar' };
  return { kind: 'wait', scanned: Math.max(0, buf.length - pattern.length + 1) };
}
