import type { Availability } from '../pieces/availability.js';
import { Bitfield } from '../pieces/bitfield.js';

/**
 * One peer's pieces and what they mean to us: its bitfield, its share of the torrent's
 * availability counts and how many of its pieces we still lack ("interesting"). The peer
 * machine's actions call it on `have`, `bitfield`, `have all`, `have none`, `lt_donthave` and
 * when we verify or lose a piece; the block path reads `bitfield` (the picker asks what the
 * peer has). Counts are kept exactly: every bit set here is counted once in `availability`, and
 * `release` takes all of it back, so availability is the sum over connected peers.
 *
 * The interesting count is kept exact whatever the order of events: the peer machine hears of
 * our verified pieces in batches (see `PIECES_VERIFIED`), so a peer may announce a piece after
 * `have` already holds it but before its batch arrives. `wanted` marks each piece counted, and
 * a piece is uncounted only if it was counted.
 */
export class PeerPieces {
  readonly bitfield: Bitfield;
  /** The peer's pieces we want from it (their count is {@link interesting}): those it has that we lacked when we counted them, and have not heard verified since. */
  private readonly wanted: Bitfield;
  private countedAnnouncements = 0;
  private released = false;

  /**
   * @param have our verified pieces (shared, read only here)
   * @param availability the torrent's availability counts; omitted for a peer seen alone (tests)
   */
  constructor(
    private readonly have: Bitfield,
    private readonly availability?: Availability,
  ) {
    this.bitfield = new Bitfield(have.length);
    this.wanted = new Bitfield(have.length);
  }

  /** Our verified pieces (what we announce to the peer). */
  get ours(): Bitfield {
    return this.have;
  }

  /**
   * Whole-set announcements that count toward the abuse cap: the first, and every later one
   * that added no piece. aria2 sends a bitfield whenever that is shorter than the `have`s it
   * replaces, a dozen times per download under load: news, never counted. A have-all /
   * have-none costs us a pass over every piece for 5 bytes, and a repeat adds nothing.
   */
  get announcements(): number {
    return this.countedAnnouncements;
  }

  /** Pieces the peer has and we lack. */
  get interesting(): number {
    return this.wanted.count;
  }

  /** BEP 3 `have`: returns true when the piece is new to this peer. Index checked by the caller. */
  gain(index: number): boolean {
    if (this.released || !this.bitfield.set(index)) return false;
    this.availability?.addHave(index);
    if (!this.have.has(index)) this.wanted.set(index);
    return true;
  }

  /**
   * BEP 54 `lt_donthave`: the peer no longer has `index`. Its bit leaves the bitfield and its
   * count leaves availability; if we wanted the piece from this peer, that want goes too (the
   * `wanted` bit, so a batch of our verified pieces arriving later cannot uncount it twice).
   * Returns true when the peer had announced the piece; a retraction of a piece it never
   * announced (or an index out of range) changes nothing.
   */
  lose(index: number): boolean {
    if (this.released || !this.bitfield.has(index)) return false;
    this.bitfield.clear(index);
    this.availability?.removeHave(index);
    this.wanted.clear(index);
    return true;
  }

  /**
   * A whole-set announcement: the peer's set becomes exactly this (a later one replaces an
   * earlier one, as aria2 does: have-none, then a bitfield). Adjusted bit by bit, so a bit
   * kept is never counted twice. `bytes` is a validated wire bitfield (length and spare bits).
   */
  replaceWithBitfield(bytes: Uint8Array): void {
    this.replace((i) => (bytes[i >> 3]! & (0x80 >> (i & 7))) !== 0);
  }

  /** BEP 6 `have all`. */
  replaceWithAll(): void {
    this.replace(() => true);
  }

  /** BEP 6 `have none`. */
  replaceWithNone(): void {
    this.replace(() => false);
  }

  /** We verified `index`: returns whether this peer has it (then it is one fewer interesting piece, if it was one). */
  weVerified(index: number): boolean {
    if (!this.bitfield.has(index)) return false;
    this.wanted.clear(index);
    return true;
  }

  /**
   * We lost verified piece `index` (our copy became unreadable; `have` is already cleared):
   * returns whether this peer has it (then it is one more interesting piece).
   */
  weLost(index: number): boolean {
    if (!this.bitfield.has(index)) return false;
    if (!this.released) this.wanted.set(index);
    return true;
  }

  /** The connection is over: take its share of availability back (once). */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.availability?.removePeer(this.bitfield);
    this.wanted.clearAll();
  }

  private replace(isSet: (i: number) => boolean): void {
    if (this.released) return;
    let added = false;
    const b = this.bitfield;
    for (let i = 0; i < b.length; i++) {
      if (isSet(i)) {
        if (b.set(i)) {
          added = true;
          this.availability?.addHave(i);
          if (!this.have.has(i)) this.wanted.set(i);
        }
      } else if (b.clear(i)) {
        this.availability?.removeHave(i);
        this.wanted.clear(i);
      }
    }
    if (!added || this.countedAnnouncements === 0) this.countedAnnouncements++;
  }
}
