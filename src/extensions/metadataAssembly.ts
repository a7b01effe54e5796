import { createHash } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { MAX_METADATA_SIZE, METADATA_PIECE_SIZE } from './limits.js';
import { metadataPieceCount } from './utMetadata.js';

/** Why a received metadata piece is not accepted; the sender is penalised. */
export type MetadataPieceFault =
  /** We did not ask this peer for this piece (or it already arrived). */
  | 'unrequested'
  /** `total_size` differs from the size we are assembling. */
  | 'wrong-total-size'
  /** Not 16 KiB (or the exact remainder for the last piece). */
  | 'wrong-length';

/** One piece as some peer sent it, remembered so a later good copy can show who lied. */
export interface PieceWitness {
  readonly piece: number;
  readonly peerId: string;
  readonly digest: string;
}

/** Accepts a claimed `metadata_size` (BEP 9), or says why not. Nothing is allocated here. */
export function checkMetadataSize(size: number, max: number = MAX_METADATA_SIZE): E.Either<string, number> {
  if (!Number.isSafeInteger(size) || size <= 0) return E.left(`metadata size ${size} is not a positive integer`);
  if (size > max) return E.left(`metadata size ${size} is over the ${max}-byte limit`);
  return E.right(size);
}

const sha1 = (b: Uint8Array): string => createHash('sha1').update(b).digest('hex');

/**
 * The info dictionary being fetched by ut_metadata (BEP 9): 16 KiB pieces, which are
 * received, which are requested from whom, and who sent each. The buffer is allocated once,
 * only for a size that passed {@link checkMetadataSize}.
 */
export class MetadataAssembly {
  readonly pieceCount: number;
  private readonly buffer: Uint8Array;
  /** Peer each piece is requested from (undefined: not requested). */
  private readonly requestedFrom: (string | undefined)[];
  /** Peer each received piece came from (undefined: missing). */
  private readonly sentBy: (string | undefined)[];
  private received = 0;

  private constructor(readonly size: number) {
    this.pieceCount = metadataPieceCount(size);
    this.buffer = new Uint8Array(size);
    this.requestedFrom = new Array<string | undefined>(this.pieceCount).fill(undefined);
    this.sentBy = new Array<string | undefined>(this.pieceCount).fill(undefined);
  }

  /** A new assembly for a claimed size, or why the size is refused. */
  static create(size: number, max: number = MAX_METADATA_SIZE): E.Either<string, MetadataAssembly> {
    return E.map((s: number) => new MetadataAssembly(s))(checkMetadataSize(size, max));
  }

  /** Bytes piece `piece` must have: 16 KiB, the last one the remainder. */
  pieceLength(piece: number): number {
    return piece === this.pieceCount - 1 ? this.size - piece * METADATA_PIECE_SIZE : METADATA_PIECE_SIZE;
  }

  get receivedCount(): number {
    return this.received;
  }

  isComplete(): boolean {
    return this.received === this.pieceCount;
  }

  /** Pieces neither received nor requested, lowest first. */
  unrequested(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.pieceCount; i++) if (this.sentBy[i] === undefined && this.requestedFrom[i] === undefined) out.push(i);
    return out;
  }

  /** Pieces currently requested from `peerId`. */
  requestedOf(peerId: string): number[] {
    const out: number[] = [];
    this.requestedFrom.forEach((p, i) => p === peerId && out.push(i));
    return out;
  }

  /** Records that `piece` was asked of `peerId`. */
  markRequested(piece: number, peerId: string): void {
    this.requestedFrom[piece] = peerId;
  }

  /** Forgets `peerId`'s outstanding requests (it rejected, timed out or left) so others can be asked. */
  release(peerId: string, piece?: number): void {
    this.requestedFrom.forEach((p, i) => {
      if (p === peerId && (piece === undefined || piece === i)) this.requestedFrom[i] = undefined;
    });
  }

  /** Whether a data message is acceptable, without storing it. */
  fault(peerId: string, piece: number, totalSize: number, data: Uint8Array): MetadataPieceFault | undefined {
    if (piece >= this.pieceCount || this.requestedFrom[piece] !== peerId || this.sentBy[piece] !== undefined) return 'unrequested';
    if (totalSize !== this.size) return 'wrong-total-size';
    if (data.length !== this.pieceLength(piece)) return 'wrong-length';
    return undefined;
  }

  /** Stores a piece that passed {@link MetadataAssembly.fault}. */
  store(peerId: string, piece: number, data: Uint8Array): void {
    this.buffer.set(data, piece * METADATA_PIECE_SIZE);
    this.requestedFrom[piece] = undefined;
    this.sentBy[piece] = peerId;
    this.received++;
  }

  /** Every peer that sent at least one piece. */
  contributors(): string[] {
    return [...new Set(this.sentBy.filter((p): p is string => p !== undefined))];
  }

  /** True when the assembled bytes hash to `infoHashHex` (BEP 9: the SHA-1 of the info dictionary). */
  matches(infoHashHex: string): boolean {
    return this.isComplete() && sha1(this.buffer) === infoHashHex.toLowerCase();
  }

  /** Each received piece's digest and sender, kept when the whole failed the hash. */
  witnesses(): PieceWitness[] {
    const out: PieceWitness[] = [];
    for (let i = 0; i < this.pieceCount; i++) {
      const peerId = this.sentBy[i];
      if (peerId !== undefined) out.push({ piece: i, peerId, digest: sha1(this.piece(i)) });
    }
    return out;
  }

  /**
   * After the metadata verified: the peers whose earlier copy of some piece (in `witnesses`
   * from a failed attempt of the same size) differs from the verified bytes. They lied.
   */
  liarsAmong(witnesses: readonly PieceWitness[]): string[] {
    const liars = new Set<string>();
    for (const w of witnesses) if (w.piece < this.pieceCount && w.digest !== sha1(this.piece(w.piece))) liars.add(w.peerId);
    return [...liars];
  }

  /**
   * A compact form for snapshots, traces and logs: piece states, never the (up to 8 MiB) bytes.
   * JSON.stringify calls this, so inspecting a machine that holds an assembly stays cheap.
   */
  toJSON(): { size: number; received: number; requestedFrom: (string | null)[]; sentBy: (string | null)[] } {
    return { size: this.size, received: this.received, requestedFrom: this.requestedFrom.map((p) => p ?? null), sentBy: this.sentBy.map((p) => p ?? null) };
  }

  /** The assembled bytes (a copy). */
  bytes(): Uint8Array {
    return this.buffer.slice();
  }

  private piece(i: number): Uint8Array {
    return this.buffer.subarray(i * METADATA_PIECE_SIZE, i * METADATA_PIECE_SIZE + this.pieceLength(i));
  }
}
