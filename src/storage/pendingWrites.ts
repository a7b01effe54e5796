import type { StorageError } from './storageError.js';

/**
 * Per-piece bookkeeping of writes: how many are in flight (and who waits for them to settle),
 * and the first that failed since the piece's last check.
 */
export class PendingWrites {
  /** Writes in flight per piece. */
  private readonly pending: Uint32Array;
  private readonly pieceWaiters = new Map<number, (() => void)[]>();
  private total = 0;
  private idleWaiters: (() => void)[] = [];
  /**
   * The first failed write of each piece since its last check: the disk may hold part of the
   * data, so the piece's check reports this error (a local failure) instead of a hash
   * mismatch that would blame the peers who sent good data.
   */
  private readonly failures = new Map<number, StorageError>();

  constructor(pieceCount: number) {
    this.pending = new Uint32Array(pieceCount);
  }

  /** Writes in flight, all pieces together. */
  get inFlight(): number {
    return this.total;
  }

  /** A write to piece `index` begins; call {@link finish} once it settles. */
  start(index: number): void {
    this.pending[index]!++;
    this.total++;
  }

  /** A write to piece `index` settled (failed or not): wakes who waits for the piece, or for no write at all. */
  finish(index: number): void {
    const left = --this.pending[index]!;
    this.total--;
    if (left === 0) {
      const list = this.pieceWaiters.get(index);
      if (list !== undefined) {
        this.pieceWaiters.delete(index);
        for (const r of list) r();
      }
    }
    if (this.total === 0 && this.idleWaiters.length > 0) {
      const list = this.idleWaiters;
      this.idleWaiters = [];
      for (const r of list) r();
    }
  }

  /** Resolves once no write to piece `index` is in flight. */
  settled(index: number): Promise<void> {
    if ((this.pending[index] ?? 0) === 0) return Promise.resolve();
    return new Promise((r) => {
      const list = this.pieceWaiters.get(index);
      if (list === undefined) this.pieceWaiters.set(index, [r]);
      else list.push(r);
    });
  }

  /** Resolves once the last write in flight settles (call only while {@link inFlight} is above 0). */
  idle(): Promise<void> {
    return new Promise<void>((r) => this.idleWaiters.push(r));
  }

  /** Records `error` as piece `index`'s failure unless one is recorded already; returns `error`. */
  failed(index: number, error: StorageError): StorageError {
    if (!this.failures.has(index)) this.failures.set(index, error);
    return error;
  }

  /** Piece `index`'s recorded failure, if any, forgotten as it is returned (its check reports it). */
  takeFailure(index: number): StorageError | undefined {
    const failure = this.failures.get(index);
    this.failures.delete(index);
    return failure;
  }
}
