/**
 * Outstanding queries by transaction id (BEP 5 `t`). Ids are random bytes from the caller's
 * crypto source, so an off-path host cannot forge a response; a response counts only if its
 * `t` is outstanding *and* it comes from the endpoint we asked. The table is bounded: when
 * full, no new query goes out until one is answered or times out.
 */
import type { Endpoint } from './compactInfo.js';

/** Bytes of the transaction ids we send (libtorrent sends 2; 4 are harder to guess). */
export const TRANSACTION_BYTES = 4;

/** One query in flight. */
export interface Outstanding<T> {
  readonly to: Endpoint;
  readonly value: T;
}

/** Transaction id → what we were waiting for. */
export class Transactions<T> {
  private readonly open = new Map<string, Outstanding<T>>();

  constructor(readonly max: number = 1024) {}

  /** Queries in flight. */
  get size(): number {
    return this.open.size;
  }

  /**
   * Registers a query; `randomId()` is called until it gives an unused id. Undefined when the
   * table is full.
   */
  start(to: Endpoint, value: T, randomId: () => Uint8Array): Uint8Array | undefined {
    if (this.open.size >= this.max) return undefined;
    for (;;) {
      const t = randomId();
      const key = keyOf(t);
      if (this.open.has(key)) continue;
      this.open.set(key, { to, value });
      return t;
    }
  }

  /** The query `t` answers, if `t` is outstanding and `from` is where it went; removes it. */
  settle(t: Uint8Array, from: Endpoint): T | undefined {
    const key = keyOf(t);
    const o = this.open.get(key);
    if (o === undefined || o.to.ip !== from.ip || o.to.port !== from.port) return undefined;
    this.open.delete(key);
    return o.value;
  }

  /** Gives up on `t` (timeout); returns what it was waiting for. */
  abandon(t: Uint8Array): T | undefined {
    const key = keyOf(t);
    const o = this.open.get(key);
    this.open.delete(key);
    return o?.value;
  }

  /** Everything still open (at shutdown). */
  drain(): T[] {
    const all = [...this.open.values()].map((o) => o.value);
    this.open.clear();
    return all;
  }
}

const keyOf = (t: Uint8Array): string => Buffer.from(t.buffer, t.byteOffset, t.byteLength).toString('latin1');
