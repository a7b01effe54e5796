import { BlockSenders, type PieceSenders } from './blockSenders.js';
import { sameBlock } from './blockDigests.js';

/** An IP proven to have sent bad data, and why (shown to users). */
export interface Culprit {
  readonly ip: string;
  readonly reason: string;
}

/** Tunables of {@link SmartBan}. */
export interface SmartBanOptions {
  /** Most failed copies remembered across all pieces; the oldest piece's are dropped first (default 256). */
  readonly maxCopies?: number;
  /** Most failed copies remembered per piece (default 4). */
  readonly maxCopiesPerPiece?: number;
}

/** One failed copy of a piece: who sent each block and each block's digest. */
interface FailedCopy extends PieceSenders {
  readonly digests: Uint8Array;
}

const NONE: readonly Culprit[] = Object.freeze([]);

/**
 * Smart ban (the idea of libtorrent's smart_ban and anacrolix's smartban; BEP 3 gives no
 * rule): blame for a piece that fails its hash check goes to exactly the IPs whose blocks were
 * wrong, never to everyone who contributed. The block path records each block's sender
 * ({@link record}); when a piece fails, the digests of its blocks are kept with their senders
 * (not the data); when a later copy passes, the failed copies are compared block by block and
 * the IPs whose blocks differ are the culprits. A piece whose every block came from one IP
 * needs no comparison: that IP is the culprit at once.
 *
 * Memory is bounded: per piece in flight one Int32Array of sender slots; per failed copy
 * 20 bytes and 2 bytes per block; at most `maxCopies` copies.
 */
export class SmartBan {
  private readonly senders = new BlockSenders();
  /** Failed copies by piece, oldest piece first (Map order). */
  private readonly failed = new Map<number, FailedCopy[]>();
  private copies = 0;
  private readonly maxCopies: number;
  private readonly maxPerPiece: number;

  constructor(options: SmartBanOptions = {}) {
    this.maxCopies = Math.max(1, options.maxCopies ?? 256);
    this.maxPerPiece = Math.max(1, options.maxCopiesPerPiece ?? 4);
  }

  /** Block `block` of piece `index` (of `blockCount` blocks) was accepted from `ip`. Hot path: no allocation after the piece's first block. */
  record(index: number, block: number, blockCount: number, ip: string): void {
    this.senders.record(index, block, blockCount, ip);
  }

  /**
   * Piece `index` is about to be hashed and failed: the single IP that sent every block of it,
   * if there is one (the failed copy is then not kept: no comparison is needed).
   */
  soleSender(index: number): string | undefined {
    return this.senders.soleSender(index);
  }

  /**
   * Piece `index` failed its hash check. `digests` are its blocks' digests as received (see
   * blockDigests), or undefined when they could not be read. Returns the culprits known now:
   * the sole sender, if one IP sent every block; else none, and the copy is kept for comparison.
   */
  pieceFailed(index: number, digests: Uint8Array | undefined): readonly Culprit[] {
    const s = this.senders.take(index);
    if (s.ips.length === 1) {
      return [{ ip: s.ips[0]!, reason: `sent every block of piece ${index}, which failed its hash check` }];
    }
    if (digests === undefined || s.ips.length === 0) return NONE;
    this.keep(index, { ...s, digests });
    return NONE;
  }

  /** Whether failed copies of piece `index` wait for a good copy to be compared with. */
  hasFailedCopies(index: number): boolean {
    return this.failed.has(index);
  }

  /** Whether `ip` sent blocks of a failed copy of piece `index` (a refetch should prefer others). */
  isSuspect(index: number, ip: string): boolean {
    const list = this.failed.get(index);
    if (list === undefined) return false;
    for (const c of list) if (c.ips.includes(ip)) return true;
    return false;
  }

  /**
   * Piece `index` passed its hash check; `digests` are its good blocks' digests (undefined when
   * there is nothing to compare or they could not be read). Returns the IPs that sent, in a
   * failed copy, a block different from the good one. Everyone else is cleared.
   */
  piecePassed(index: number, digests: Uint8Array | undefined): readonly Culprit[] {
    this.senders.drop(index);
    const list = this.failed.get(index);
    if (list === undefined) return NONE;
    this.failed.delete(index);
    this.copies -= list.length;
    if (digests === undefined) return NONE;
    const bad = new Map<string, number>();
    for (const c of list) {
      for (let b = 0; b < c.who.length; b++) {
        const k = c.who[b]!;
        if (k < 0 || (b + 1) * 20 > digests.length || sameBlock(c.digests, digests, b)) continue;
        const ip = c.ips[k]!;
        bad.set(ip, (bad.get(ip) ?? 0) + 1);
      }
    }
    if (bad.size === 0) return NONE;
    return [...bad].map(([ip, n]) => ({ ip, reason: `sent ${n} block${n === 1 ? '' : 's'} of piece ${index} that differ from the copy that passed its hash check` }));
  }

  /** Piece `index` is dropped without a verdict (a local failure made its check impossible). */
  forget(index: number): void {
    this.senders.drop(index);
  }

  /** How many failed copies `ip` sent blocks of (for inspection; it is not blame). */
  suspicionOf(ip: string): number {
    let n = 0;
    for (const list of this.failed.values()) for (const c of list) if (c.ips.includes(ip)) n++;
    return n;
  }

  /** Failed copies held now (for tests and diagnostics). */
  get failedCopies(): number {
    return this.copies;
  }

  /** Pieces with senders recorded (for tests and diagnostics). */
  get piecesInFlight(): number {
    return this.senders.piecesInFlight;
  }

  private keep(index: number, copy: FailedCopy): void {
    let list = this.failed.get(index);
    if (list === undefined) {
      list = [];
      this.failed.set(index, list);
    }
    list.push(copy);
    this.copies++;
    if (list.length > this.maxPerPiece) {
      list.shift();
      this.copies--;
    }
    while (this.copies > this.maxCopies) {
      const [oldest, copies] = this.failed.entries().next().value as [number, FailedCopy[]];
      this.failed.delete(oldest);
      this.copies -= copies.length;
    }
  }
}
