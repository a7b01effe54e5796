import type { Bitfield } from './bitfield.js';

/**
 * How many connected peers have each piece: the input to rarest-first selection.
 *
 * Peers that announced BEP 6 `have all` are counted once in {@link Availability.seeds} instead of
 * touching every piece, so a seed joining or leaving is O(1). Counts are 32-bit so no realistic
 * swarm overflows them; a decrement below zero (caller bookkeeping bug) is clamped, never wraps.
 */
export class Availability {
  /** Number of pieces tracked. */
  readonly pieceCount: number;
  private readonly counts: Uint32Array;
  private seedCount = 0;

  constructor(pieceCount: number) {
    this.pieceCount = pieceCount;
    this.counts = new Uint32Array(pieceCount);
  }

  /** A peer's full `bitfield` arrived (or a peer with known pieces connected). */
  addPeer(bitfield: Bitfield): void {
    const c = this.counts;
    bitfield.forEachSet((i) => {
      if (i < c.length) c[i] = (c[i] ?? 0) + 1;
    });
  }

  /** A peer left; `bitfield` is everything it had announced (bitfield plus later `have`s). */
  removePeer(bitfield: Bitfield): void {
    const c = this.counts;
    bitfield.forEachSet((i) => {
      const v = c[i] ?? 0;
      if (v > 0) c[i] = v - 1;
    });
  }

  /** A peer sent `have index`. Out-of-range indices are ignored (the peer machine rejects them). */
  addHave(index: number): void {
    if (index >= 0 && index < this.counts.length) this.counts[index] = (this.counts[index] ?? 0) + 1;
  }

  /** Undo one `have` (e.g. the peer's bitfield is being replaced). */
  removeHave(index: number): void {
    const v = this.counts[index];
    if (v !== undefined && v > 0) this.counts[index] = v - 1;
  }

  /** BEP 6 `have all`: the peer has every piece. */
  addHaveAll(): void {
    this.seedCount++;
  }

  /** A `have all` peer left. */
  removeHaveAll(): void {
    if (this.seedCount > 0) this.seedCount--;
  }

  /** Number of connected `have all` peers. */
  get seeds(): number {
    return this.seedCount;
  }

  /** How many connected peers have piece `index` (0 for out-of-range). */
  of(index: number): number {
    const v = this.counts[index];
    return v === undefined ? 0 : v + this.seedCount;
  }

  /**
   * The smallest availability among pieces for which `include(i)` is true, or -1 when none is
   * included. A plain scan over the typed array: cheap enough to run once per new piece.
   */
  minWhere(include: (index: number) => boolean): number {
    let best = -1;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      const v = c[i] ?? 0;
      if ((best === -1 || v < best) && include(i)) best = v;
    }
    return best === -1 ? -1 : best + this.seedCount;
  }

  /** The smallest availability over all pieces (the swarm's weakest piece; 0 = not all pieces reachable). */
  min(): number {
    return this.minWhere(() => true);
  }
}
