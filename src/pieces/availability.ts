import type { Bitfield } from './bitfield.js';

/**
 * How many connected peers have each piece, plus a rarity index for rarest-first selection.
 *
 * Peers that announced BEP 6 `have all` are counted once in {@link Availability.seeds} instead of
 * touching every piece, so a seed joining or leaving is O(1); they add the same amount to every
 * piece, so they never change which piece is rarest. BEP 6 `have none` needs no call: such a
 * peer adds nothing until its first `have`.
 *
 * The rarity index keeps the *wanted* pieces (those the picker could start: not verified, not
 * in flight) in one dense list per availability level. A count change moves a piece between
 * neighbouring levels in O(1); finding a rarest piece a peer has scans from the lowest level and
 * usually stops after a few entries, instead of scanning every piece of the torrent.
 * Counts are 32-bit; a decrement below zero (caller bookkeeping bug) is clamped, never wraps.
 */
export class Availability {
  /** Number of pieces tracked. */
  readonly pieceCount: number;
  private readonly counts: Uint32Array;
  private seedCount = 0;
  /** levels[c]: wanted pieces whose count is c. */
  private readonly levels: number[][] = [[]];
  /** Position of each wanted piece in its level list; -1 when not wanted. */
  private readonly pos: Int32Array;
  private wantedTotal = 0;

  /** All pieces start wanted with count 0. */
  constructor(pieceCount: number) {
    this.pieceCount = pieceCount;
    this.counts = new Uint32Array(pieceCount);
    this.pos = new Int32Array(pieceCount);
    const level0 = this.levels[0]!;
    for (let i = 0; i < pieceCount; i++) {
      this.pos[i] = i;
      level0.push(i);
    }
    this.wantedTotal = pieceCount;
  }

  /** A peer's full `bitfield` arrived (or a peer with known pieces connected). */
  addPeer(bitfield: Bitfield): void {
    bitfield.forEachSet((i) => this.bump(i, 1));
  }

  /** A peer left; `bitfield` is everything it had announced (bitfield plus later `have`s). */
  removePeer(bitfield: Bitfield): void {
    bitfield.forEachSet((i) => this.bump(i, -1));
  }

  /** A peer sent `have index`. Out-of-range indices are ignored (the peer machine rejects them). */
  addHave(index: number): void {
    this.bump(index, 1);
  }

  /** Undo one `have` (e.g. the peer's bitfield is being replaced). */
  removeHave(index: number): void {
    this.bump(index, -1);
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
   * Marks a piece as startable (true) or not (false) for {@link rarestWanted} and
   * {@link randomWanted}. The picker keeps this equal to "the piece is Missing".
   */
  setWanted(index: number, wanted: boolean): void {
    if (!(index >= 0 && index < this.pieceCount)) return;
    const isWanted = this.pos[index] !== -1;
    if (wanted === isWanted) return;
    if (wanted) this.insert(index, this.counts[index]!);
    else this.remove(index, this.counts[index]!);
  }

  /** True when `index` is in the rarity index. */
  isWanted(index: number): boolean {
    return index >= 0 && index < this.pieceCount && this.pos[index] !== -1;
  }

  /** Number of wanted pieces. */
  get wantedCount(): number {
    return this.wantedTotal;
  }

  /**
   * A wanted piece `has` includes with the lowest availability, or -1. Ties are broken by
   * starting the scan of the level at a random position.
   */
  rarestWanted(has: Bitfield, random: () => number): number {
    for (let c = 0; c < this.levels.length; c++) {
      const list = this.levels[c]!;
      const len = list.length;
      if (len === 0) continue;
      const start = Math.floor(random() * len);
      for (let k = 0; k < len; k++) {
        let j = start + k;
        if (j >= len) j -= len;
        const i = list[j]!;
        if (has.has(i)) return i;
      }
    }
    return -1;
  }

  /**
   * A uniformly random wanted piece that `has` includes, found by up to `tries` random draws;
   * -1 when every draw missed (the caller falls back to {@link rarestWanted}).
   */
  randomWanted(has: Bitfield, random: () => number, tries = 32): number {
    if (this.wantedTotal === 0) return -1;
    for (let t = 0; t < tries; t++) {
      let r = Math.floor(random() * this.wantedTotal);
      for (let c = 0; c < this.levels.length; c++) {
        const list = this.levels[c]!;
        if (r < list.length) {
          const i = list[r]!;
          if (has.has(i)) return i;
          break;
        }
        r -= list.length;
      }
    }
    return -1;
  }

  /**
   * The smallest availability among pieces for which `include(i)` is true, or -1 when none is
   * included. A full scan, for diagnostics and tests; selection uses the rarity index.
   */
  minWhere(include: (index: number) => boolean): number {
    let best = -1;
    const c = this.counts;
    for (let i = 0; i < c.length; i++) {
      const v = c[i]!;
      if ((best === -1 || v < best) && include(i)) best = v;
    }
    return best === -1 ? -1 : best + this.seedCount;
  }

  /** The smallest availability over all pieces (the swarm's weakest piece; 0 = not all pieces reachable). */
  min(): number {
    return this.minWhere(() => true);
  }

  private bump(index: number, delta: 1 | -1): void {
    const old = this.counts[index];
    if (old === undefined || (delta < 0 && old === 0)) return;
    const next = old + delta;
    this.counts[index] = next;
    if (this.pos[index] !== -1) {
      this.remove(index, old);
      this.insert(index, next);
    }
  }

  private insert(index: number, level: number): void {
    while (this.levels.length <= level) this.levels.push([]);
    const list = this.levels[level]!;
    this.pos[index] = list.length;
    list.push(index);
    this.wantedTotal++;
  }

  private remove(index: number, level: number): void {
    const list = this.levels[level]!;
    const at = this.pos[index]!;
    const last = list.pop()!;
    if (last !== index) {
      list[at] = last;
      this.pos[last] = at;
    }
    this.pos[index] = -1;
    this.wantedTotal--;
  }
}
