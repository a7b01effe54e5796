import type * as E from 'fp-ts/lib/Either.js';

/**
 * SHA-1s of pieces completed in memory, kept for the piece's check so it need not read the
 * piece back. A digest holds only for the data it was computed from: new data for the piece,
 * or a failed write of it, forgets it.
 */
export class PieceDigests {
  /** SHA-1 of pieces written whole from memory, waiting for their check. */
  private readonly digests = new Map<number, Uint8Array>();
  /** SHA-1s of pieces completed in memory that a worker is computing, for their check. */
  private readonly jobs = new Map<number, Promise<E.Either<string, Uint8Array>>>();

  /** Piece `index`'s SHA-1, computed here. */
  set(index: number, digest: Uint8Array): void {
    this.digests.set(index, digest);
  }

  /** Piece `index`'s SHA-1, being computed by a worker. */
  setJob(index: number, job: Promise<E.Either<string, Uint8Array>>): void {
    this.jobs.set(index, job);
  }

  /** Forgets piece `index`'s SHA-1, computed or being computed. */
  forget(index: number): void {
    this.digests.delete(index);
    this.jobs.delete(index);
  }

  /** Piece `index`'s computed SHA-1, if any, forgotten as it is returned. */
  take(index: number): Uint8Array | undefined {
    const digest = this.digests.get(index);
    this.digests.delete(index);
    return digest;
  }

  /** The worker's job computing piece `index`'s SHA-1, if any, forgotten as it is returned. */
  takeJob(index: number): Promise<E.Either<string, Uint8Array>> | undefined {
    const job = this.jobs.get(index);
    this.jobs.delete(index);
    return job;
  }
}
