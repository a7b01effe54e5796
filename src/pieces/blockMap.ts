import { Bitfield } from './bitfield.js';
import type { PieceGeometry } from './pieceGeometry.js';

/** Identifies a connected peer for bookkeeping (the session chooses the form, e.g. "ip:port#n"). */
export type PeerId = string;

/** Lifecycle of one piece. */
export const PieceState = {
  /** Nothing received, nothing requested. */
  Missing: 0,
  /** Some blocks requested or received. */
  Partial: 1,
  /** Every block received; waiting for the SHA-1 check. */
  Complete: 2,
  /** Hash matched; the piece is ours to serve. */
  Verified: 3,
} as const;
/** One of {@link PieceState}'s values. */
export type PieceState = (typeof PieceState)[keyof typeof PieceState];

/** Block slot value meaning "received and written"; smaller values count outstanding requests. */
export const RECEIVED = 255;
/** Most simultaneous requests one block can carry (keeps the slot below {@link RECEIVED}). */
export const MAX_REQUESTS_PER_BLOCK = 254;

/** Per-block detail of one in-progress piece; allocated when the piece starts, dropped when it ends. */
export class PieceProgress {
  /** Per block: number of outstanding requests (0..254) or {@link RECEIVED}. */
  readonly blocks: Uint8Array;
  /** Blocks received. */
  received = 0;
  /** Blocks not received with at least one outstanding request. */
  requested = 0;
  /** Peers that sent accepted blocks of this piece, in first-contribution order (for blame, BEP 3 has none). */
  readonly contributors: PeerId[] = [];

  constructor(blockCount: number) {
    this.blocks = new Uint8Array(blockCount);
  }

  /** Blocks neither received nor requested. */
  get free(): number {
    return this.blocks.length - this.received - this.requested;
  }
}

/**
 * Block-level state of a whole torrent: a one-byte state per piece, and {@link PieceProgress}
 * only for pieces in flight, so a torrent of 100k pieces costs 100 KB plus its active pieces.
 * Every operation is O(1) except those that touch a whole piece (start, fail, verify).
 */
export class BlockMap {
  readonly geometry: PieceGeometry;
  /** Verified pieces (what we announce with `have`). */
  readonly have: Bitfield;
  private readonly states: Uint8Array;
  private readonly progressByPiece = new Map<number, PieceProgress>();
  /** Partial pieces, densely packed so pickers scan only pieces in flight. */
  private readonly partialList: number[] = [];
  /** Position of each piece in {@link partialList}, or -1. */
  private readonly partialPos: Int32Array;
  private freeCount: number;
  private remainingCount: number;

  /**
   * @param onMissingChange told whenever a piece enters (true) or leaves (false) the Missing
   *   state, so a rarity index can keep only startable pieces
   */
  constructor(
    geometry: PieceGeometry,
    private readonly onMissingChange: (index: number, missing: boolean) => void = () => {},
  ) {
    this.geometry = geometry;
    this.have = new Bitfield(geometry.pieceCount);
    this.states = new Uint8Array(geometry.pieceCount);
    this.partialPos = new Int32Array(geometry.pieceCount).fill(-1);
    this.freeCount = geometry.totalBlocks;
    this.remainingCount = geometry.totalBlocks;
  }

  /** State of piece `index`. */
  state(index: number): PieceState {
    return (this.states[index] ?? PieceState.Verified) as PieceState;
  }

  /** In-flight detail of piece `index`, if it is partial or complete. */
  progress(index: number): PieceProgress | undefined {
    return this.progressByPiece.get(index);
  }

  /** Partial pieces (live view; do not mutate). */
  get partials(): readonly number[] {
    return this.partialList;
  }

  /** Blocks of unverified pieces that are neither received nor requested: 0 means endgame. */
  get freeBlocks(): number {
    return this.freeCount;
  }

  /** Blocks of unverified pieces not yet received. */
  get remainingBlocks(): number {
    return this.remainingCount;
  }

  /** Number of verified pieces. */
  get verifiedCount(): number {
    return this.have.count;
  }

  /** Progress of `index`, creating it (Missing -> Partial) if needed. */
  private ensureProgress(index: number): PieceProgress {
    let p = this.progressByPiece.get(index);
    if (p === undefined) {
      p = new PieceProgress(this.geometry.blockCount(index));
      this.progressByPiece.set(index, p);
      this.states[index] = PieceState.Partial;
      this.addPartial(index);
      this.onMissingChange(index, false);
    }
    return p;
  }

  /** One more outstanding request for a block; the caller ensures the block is not received. */
  addRequest(index: number, block: number): void {
    const p = this.ensureProgress(index);
    const v = p.blocks[block] ?? RECEIVED;
    if (v >= MAX_REQUESTS_PER_BLOCK) return;
    if (v === 0) {
      p.requested++;
      this.freeCount--;
    }
    p.blocks[block] = v + 1;
  }

  /** One outstanding request for a block ended without data (timeout, choke, disconnect, cancel). */
  removeRequest(index: number, block: number): void {
    const p = this.progressByPiece.get(index);
    if (p === undefined) return;
    const v = p.blocks[block] ?? 0;
    if (v === 0 || v === RECEIVED) return;
    p.blocks[block] = v - 1;
    if (v === 1) {
      p.requested--;
      this.freeCount++;
      // A partial piece with nothing received and nothing requested is Missing again; dropping
      // it keeps the partial list short and the piece eligible for rarest-first once more.
      if (p.received === 0 && p.requested === 0) this.dropToMissing(index);
    }
  }

  /**
   * Records a received block. Returns false when it was already received or the piece is not
   * wanted (complete or verified): the caller must not write it then.
   */
  markReceived(index: number, block: number, peer: PeerId): boolean {
    const st = this.states[index];
    if (st === undefined || st === PieceState.Complete || st === PieceState.Verified) return false;
    const p = this.ensureProgress(index);
    const v = p.blocks[block];
    if (v === undefined || v === RECEIVED) return false;
    if (v === 0) this.freeCount--;
    else p.requested--;
    p.blocks[block] = RECEIVED;
    p.received++;
    this.remainingCount--;
    if (!p.contributors.includes(peer)) p.contributors.push(peer);
    if (p.received === p.blocks.length) {
      this.states[index] = PieceState.Complete;
      this.removePartial(index);
    }
    return true;
  }

  /**
   * The piece's hash matched. Works from any state (resume marks pieces never downloaded);
   * returns false when it was already verified. Outstanding requests on it are the caller's to cancel.
   */
  markVerified(index: number): boolean {
    const st = this.states[index];
    if (st === undefined || st === PieceState.Verified) return false;
    const p = this.progressByPiece.get(index);
    const blocks = this.geometry.blockCount(index);
    if (p === undefined) {
      this.freeCount -= blocks;
      this.remainingCount -= blocks;
      this.onMissingChange(index, false);
    } else {
      this.freeCount -= p.free;
      this.remainingCount -= blocks - p.received;
      this.drop(index);
    }
    this.states[index] = PieceState.Verified;
    this.have.set(index);
    return true;
  }

  /**
   * A verified piece can no longer be read back (its file was truncated or replaced): it is
   * Missing again, so it is fetched like any other. Returns false when it was not verified.
   */
  markLost(index: number): boolean {
    if (this.states[index] !== PieceState.Verified) return false;
    const blocks = this.geometry.blockCount(index);
    this.freeCount += blocks;
    this.remainingCount += blocks;
    this.states[index] = PieceState.Missing;
    this.have.clear(index);
    this.onMissingChange(index, true);
    return true;
  }

  /**
   * The piece's hash did not match: every block is missing again. Returns the peers that
   * contributed to it. With `keepPartial` the piece stays in the partial list even with nothing
   * requested, so peers take it before new pieces (a refetch that smart ban waits for).
   */
  markFailed(index: number, keepPartial = false): readonly PeerId[] {
    const st = this.states[index];
    const p = this.progressByPiece.get(index);
    if (st === undefined || st === PieceState.Verified || p === undefined) return [];
    const blamed = p.contributors.slice();
    this.freeCount += p.received;
    this.remainingCount += p.received;
    // Requests still outstanding (possible only if called on a partial piece) stay counted as
    // requested blocks; the caller releases them, which drops this progress when it reaches zero.
    if (p.requested === 0 && !keepPartial) {
      this.dropToMissing(index);
    } else {
      for (let b = 0; b < p.blocks.length; b++) if (p.blocks[b] === RECEIVED) p.blocks[b] = 0;
      p.received = 0;
      p.contributors.length = 0;
      if (this.states[index] === PieceState.Complete) this.addPartial(index);
      this.states[index] = PieceState.Partial;
    }
    return blamed;
  }

  /** Peers that contributed blocks to the in-flight piece `index`. */
  contributors(index: number): readonly PeerId[] {
    return this.progressByPiece.get(index)?.contributors ?? [];
  }

  /** Frees the in-flight detail; the caller sets the new state. */
  private drop(index: number): void {
    this.progressByPiece.delete(index);
    this.removePartial(index);
  }

  private dropToMissing(index: number): void {
    this.drop(index);
    this.states[index] = PieceState.Missing;
    this.onMissingChange(index, true);
  }

  private addPartial(index: number): void {
    if ((this.partialPos[index] ?? -1) !== -1) return;
    this.partialPos[index] = this.partialList.length;
    this.partialList.push(index);
  }

  private removePartial(index: number): void {
    const pos = this.partialPos[index] ?? -1;
    if (pos === -1) return;
    const last = this.partialList.pop()!;
    if (last !== index) {
      this.partialList[pos] = last;
      this.partialPos[last] = pos;
    }
    this.partialPos[index] = -1;
  }
}
