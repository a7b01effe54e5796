import { Availability } from './availability.js';
import type { Bitfield } from './bitfield.js';
import { BlockMap, PieceState, RECEIVED, type PeerId } from './blockMap.js';
import { BLOCK_SIZE, PieceGeometry, type BlockRequest } from './pieceGeometry.js';

/** What the picker needs to know about a peer: who it is and which pieces it has. */
export interface PeerView {
  readonly id: PeerId;
  /** The peer's pieces (bitfield plus later `have`s; a full field for BEP 6 `have all`). */
  readonly bitfield: Bitfield;
}

/** A request to withdraw: send BEP 3 `cancel` for `request` to `peerId`. */
export interface Cancel {
  readonly peerId: PeerId;
  readonly request: BlockRequest;
}

/** What the session should do with a block that arrived. */
export interface BlockReceipt {
  /** Not addressed to a real block slot (bad index/begin): a protocol violation, drop it. */
  readonly invalid: boolean;
  /** Already received, or its piece is complete/verified: drop it, do not write. */
  readonly duplicate: boolean;
  /** This block completed its piece: write it, then hash the piece. */
  readonly pieceComplete: boolean;
  /** Other peers' outstanding requests for this same block (endgame): send them `cancel`. */
  readonly cancels: readonly Cancel[];
}

/** Tuning of a {@link PiecePicker}. */
export interface PiecePickerOptions {
  /** Pick new pieces at random until this many are verified, to have something to trade soon. Default 4. */
  readonly randomFirstPieces?: number;
  /** In endgame, most peers one block may be requested from at once. Default 2. */
  readonly endgameMaxRequests?: number;
  /** Uniform random in [0, 1); inject a seeded one for reproducible tests. Default Math.random. */
  readonly random?: () => number;
  /** Shared availability counts; a fresh one is created when absent. */
  readonly availability?: Availability;
}

const NO_CANCELS: readonly Cancel[] = Object.freeze([]);
const INVALID: BlockReceipt = Object.freeze({ invalid: true, duplicate: false, pieceComplete: false, cancels: NO_CANCELS });
const DUPLICATE: BlockReceipt = Object.freeze({ invalid: false, duplicate: true, pieceComplete: false, cancels: NO_CANCELS });
const ACCEPTED: BlockReceipt = Object.freeze({ invalid: false, duplicate: false, pieceComplete: false, cancels: NO_CANCELS });

/** Per-peer bookkeeping: outstanding requests as global block keys, and the piece it last worked on. */
interface PeerRequests {
  readonly keys: Set<number>;
  lastPiece: number;
}

/**
 * Decides which blocks to request from which peer, and keeps the books on every outstanding
 * request. Policy (BEP 3 leaves it to clients; this is the classic one):
 *
 * 1. finish partial pieces first, those this peer already worked on before others, so pieces
 *    complete (and can be shared) quickly and blame stays with few peers;
 * 2. start new pieces at random until a few are verified (a rarest piece is slow to get, and
 *    early on we need any piece to trade), then rarest-first with random tie-breaking, which
 *    keeps the swarm's rare pieces alive;
 * 3. endgame: when every remaining block is already requested, request blocks again from other
 *    peers (at most `endgameMaxRequests` at once) so one slow peer cannot stall the finish; the
 *    first copy to arrive cancels the others.
 *
 * Never requests a block from a peer that already has that request outstanding.
 * `onBlockReceived` is O(1) and allocation-free outside endgame (it returns shared receipt
 * objects); `pick` costs O(partial pieces + requests returned) and allocates only the requests
 * it returns; starting a new piece is O(1) amortized via the availability's rarity index.
 */
export class PiecePicker {
  readonly geometry: PieceGeometry;
  readonly blocks: BlockMap;
  readonly availability: Availability;
  private readonly peers = new Map<PeerId, PeerRequests>();
  private readonly random: () => number;
  private readonly randomFirstPieces: number;
  private readonly endgameMaxRequests: number;
  private avoid: ((peerId: PeerId, index: number) => boolean) | undefined;

  constructor(pieceLength: number, totalLength: number, options: PiecePickerOptions = {}) {
    this.geometry = new PieceGeometry(pieceLength, totalLength);
    const availability = options.availability ?? new Availability(this.geometry.pieceCount);
    if (availability.pieceCount !== this.geometry.pieceCount) {
      throw new RangeError(`availability tracks ${availability.pieceCount} pieces, torrent has ${this.geometry.pieceCount}`);
    }
    this.availability = availability;
    // The rarity index holds exactly the Missing pieces, the ones a new request may start.
    this.blocks = new BlockMap(this.geometry, (index, missing) => availability.setWanted(index, missing));
    this.random = options.random ?? Math.random;
    this.randomFirstPieces = options.randomFirstPieces ?? 4;
    this.endgameMaxRequests = Math.max(1, Math.min(options.endgameMaxRequests ?? 2, 254));
  }

  /** True when every remaining block is requested or received (duplicate requests allowed). */
  get endgame(): boolean {
    return this.blocks.freeBlocks === 0 && this.blocks.remainingBlocks > 0;
  }

  /** True when every piece is verified. */
  get complete(): boolean {
    return this.blocks.have.isComplete;
  }

  /** Verified pieces. */
  get have(): Bitfield {
    return this.blocks.have;
  }

  /**
   * Chooses up to `maxRequests` new requests for `peer` (the room left in its pipeline) and
   * records them as outstanding. The caller sends them as BEP 3 `request` messages.
   */
  pick(peer: PeerView, maxRequests: number): BlockRequest[] {
    const out: BlockRequest[] = [];
    if (!(maxRequests > 0) || this.blocks.remainingBlocks === 0) return out;
    const st = this.peerState(peer.id);
    const bf = peer.bitfield;
    const partials = this.blocks.partials;

    // 1. Partial pieces: first those this peer worked on, then the rest. One pass over the
    // list (with several peers it holds every piece in flight, most with nothing left to ask
    // for): pieces of others wait in `others`. Taking blocks never removes a partial piece.
    if (this.blocks.freeBlocks > 0) {
      let others: number[] | undefined;
      for (let k = 0; k < partials.length && out.length < maxRequests; k++) {
        const index = partials[k]!;
        const p = this.blocks.progress(index);
        if (p === undefined || p.free === 0 || !bf.has(index) || (this.avoid !== undefined && this.avoid(peer.id, index))) continue;
        if (index === st.lastPiece || p.contributors.includes(peer.id)) this.takeFree(index, st, out, maxRequests);
        else (others ??= []).push(index);
      }
      for (let k = 0; others !== undefined && k < others.length && out.length < maxRequests; k++) this.takeFree(others[k]!, st, out, maxRequests);
      // 2. New pieces.
      while (out.length < maxRequests && this.blocks.freeBlocks > 0) {
        const index = this.chooseNewPiece(bf);
        if (index === -1) break;
        this.takeFree(index, st, out, maxRequests);
      }
    }

    // 3. Endgame duplicates, least-requested blocks first.
    if (out.length < maxRequests && this.endgame) {
      for (let level = 1; level < this.endgameMaxRequests && out.length < maxRequests; level++) {
        for (let k = 0; k < partials.length && out.length < maxRequests; k++) {
          const index = partials[k]!;
          if (bf.has(index) && (this.avoid === undefined || !this.avoid(peer.id, index))) this.takeDuplicates(index, level, st, out, maxRequests);
        }
      }
    }
    return out;
  }

  /**
   * A block arrived from `peerId`. Accepts unrequested blocks still missing (a late answer to a
   * timed-out request is still good data; the hash check guards content).
   */
  onBlockReceived(peerId: PeerId, index: number, begin: number): BlockReceipt {
    const g = this.geometry;
    if (!(Number.isInteger(index) && index >= 0 && index < g.pieceCount && Number.isInteger(begin) && begin >= 0 && begin % BLOCK_SIZE === 0)) {
      return INVALID;
    }
    const block = begin / BLOCK_SIZE;
    if (block >= g.blockCount(index)) return INVALID;
    const state = this.blocks.state(index);
    if (state === PieceState.Complete || state === PieceState.Verified) return DUPLICATE;
    const p = this.blocks.progress(index);
    const count = p === undefined ? 0 : p.blocks[block]!;
    if (count === RECEIVED) return DUPLICATE;

    const key = g.blockKey(index, block);
    const own = this.peers.get(peerId)?.keys.delete(key) === true;
    let cancels = NO_CANCELS;
    if (count > (own ? 1 : 0)) cancels = this.withdrawOthers(key, peerId, index, begin);
    this.blocks.markReceived(index, block, peerId);
    const pieceComplete = this.blocks.state(index) === PieceState.Complete;
    if (!pieceComplete && cancels === NO_CANCELS) return ACCEPTED;
    return { invalid: false, duplicate: false, pieceComplete, cancels };
  }

  /**
   * The peer disconnected or choked us: all its outstanding requests return to the pool
   * (BEP 3: a choke discards pending requests). Returns how many were released.
   */
  releasePeer(peerId: PeerId): number {
    const st = this.peers.get(peerId);
    if (st === undefined) return 0;
    const bpp = this.geometry.blocksPerPiece;
    const n = st.keys.size;
    for (const key of st.keys) this.blocks.removeRequest(Math.floor(key / bpp), key % bpp);
    this.peers.delete(peerId);
    return n;
  }

  /**
   * `peerId` can no longer serve piece `index` (it said so with BEP 54 `lt_donthave`, so it
   * will not send the blocks): its outstanding requests for that piece return to the pool for
   * other peers, its other requests stay. Returns the released requests, for `cancel`.
   */
  releasePiece(peerId: PeerId, index: number): BlockRequest[] {
    const st = this.peers.get(peerId);
    const out: BlockRequest[] = [];
    const g = this.geometry;
    if (st === undefined || !(Number.isInteger(index) && index >= 0 && index < g.pieceCount)) return out;
    const n = g.blockCount(index);
    for (let b = 0; b < n && st.keys.size > 0; b++) {
      if (!st.keys.delete(g.blockKey(index, b))) continue;
      this.blocks.removeRequest(index, b);
      out.push(this.request(index, b));
    }
    return out;
  }

  /** A request timed out (or was rejected, BEP 6): it returns to the pool. False if it was not outstanding. */
  onRequestTimeout(peerId: PeerId, request: BlockRequest): boolean {
    const block = request.begin / BLOCK_SIZE;
    if (!Number.isInteger(block)) return false;
    const key = this.geometry.blockKey(request.index, block);
    if (this.peers.get(peerId)?.keys.delete(key) !== true) return false;
    this.blocks.removeRequest(request.index, block);
    return true;
  }

  /** Same as {@link onRequestTimeout}: BEP 6 `reject request`. */
  onRequestRejected(peerId: PeerId, request: BlockRequest): boolean {
    return this.onRequestTimeout(peerId, request);
  }

  /**
   * The piece's hash matched. Returns requests still outstanding for it (possible when it was
   * verified from disk while downloading), to cancel.
   */
  onPieceVerified(index: number): readonly Cancel[] {
    const p = this.blocks.progress(index);
    let cancels = NO_CANCELS;
    if (p !== undefined && p.requested > 0) {
      const list: Cancel[] = [];
      for (let b = 0; b < p.blocks.length; b++) {
        const v = p.blocks[b]!;
        if (v !== 0 && v !== RECEIVED) this.collectWithdrawals(this.geometry.blockKey(index, b), undefined, index, b * BLOCK_SIZE, list);
      }
      cancels = list;
    }
    this.blocks.markVerified(index);
    return cancels;
  }

  /**
   * The piece's hash did not match: all its blocks are missing again. Returns the peers that
   * sent its blocks. With `refetchFirst` the piece stays partial, so it is requested again
   * before any new piece (and {@link setAvoid} can steer it away from its suspects).
   */
  onPieceFailed(index: number, refetchFirst = false): readonly PeerId[] {
    return this.blocks.markFailed(index, refetchFirst);
  }

  /**
   * A verified piece was lost (its data on disk can no longer be read): it is missing again
   * and picked like any other. Returns false when it was not verified.
   */
  onPieceLost(index: number): boolean {
    return this.blocks.markLost(index);
  }

  /**
   * Sets who should not be asked for blocks of a partial piece while others can be (smart
   * ban: a failed piece is fetched again from peers that did not send its failed copy).
   * Asked once per partial piece per {@link pick}, never per block.
   */
  setAvoid(avoid: ((peerId: PeerId, index: number) => boolean) | undefined): void {
    this.avoid = avoid;
  }

  /** Peers that contributed blocks to in-flight piece `index`. */
  contributors(index: number): readonly PeerId[] {
    return this.blocks.contributors(index);
  }

  /** Marks every piece set in `have` verified (resume after a disk check). */
  setHave(have: Bitfield): void {
    have.forEachSet((i) => {
      this.onPieceVerified(i);
    });
  }

  /** Number of requests outstanding with `peerId`. */
  outstanding(peerId: PeerId): number {
    return this.peers.get(peerId)?.keys.size ?? 0;
  }

  /**
   * Whether the block at (`index`, `begin`) is outstanding with `peerId`: only such blocks
   * are taken from it, so a peer cannot inject data we never asked it for (and get the
   * honest contributors of a piece blamed when its hash fails).
   */
  isRequestedFrom(peerId: PeerId, index: number, begin: number): boolean {
    const st = this.peers.get(peerId);
    if (st === undefined || begin % BLOCK_SIZE !== 0) return false;
    return st.keys.has(this.geometry.blockKey(index, begin / BLOCK_SIZE));
  }

  /** The requests outstanding with `peerId` (allocates; for cancels on shutdown and diagnostics). */
  requestsOf(peerId: PeerId): BlockRequest[] {
    const st = this.peers.get(peerId);
    if (st === undefined) return [];
    const bpp = this.geometry.blocksPerPiece;
    return [...st.keys].map((key) => this.request(Math.floor(key / bpp), key % bpp));
  }

  private peerState(id: PeerId): PeerRequests {
    let st = this.peers.get(id);
    if (st === undefined) {
      st = { keys: new Set(), lastPiece: -1 };
      this.peers.set(id, st);
    }
    return st;
  }

  private request(index: number, block: number): BlockRequest {
    return { index, begin: block * BLOCK_SIZE, length: this.geometry.blockLength(index, block) };
  }

  private issue(index: number, block: number, st: PeerRequests, out: BlockRequest[]): void {
    st.keys.add(this.geometry.blockKey(index, block));
    st.lastPiece = index;
    this.blocks.addRequest(index, block);
    out.push(this.request(index, block));
  }

  /** Requests the unrequested missing blocks of `index`, in order. */
  private takeFree(index: number, st: PeerRequests, out: BlockRequest[], max: number): void {
    const p = this.blocks.progress(index);
    if (p === undefined) {
      const n = this.geometry.blockCount(index);
      for (let b = 0; b < n && out.length < max; b++) this.issue(index, b, st, out);
      return;
    }
    if (p.free === 0) return;
    for (let b = 0; b < p.blocks.length && out.length < max; b++) {
      if (p.blocks[b] === 0) this.issue(index, b, st, out);
    }
  }

  /** Endgame: requests blocks of `index` that exactly `level` other peers are already asked for. */
  private takeDuplicates(index: number, level: number, st: PeerRequests, out: BlockRequest[], max: number): void {
    const p = this.blocks.progress(index);
    if (p === undefined || p.requested === 0) return;
    for (let b = 0; b < p.blocks.length && out.length < max; b++) {
      if (p.blocks[b] === level && !st.keys.has(this.geometry.blockKey(index, b))) this.issue(index, b, st, out);
    }
  }

  /**
   * A Missing piece the peer has: uniformly random while fewer than `randomFirstPieces` are
   * verified, else one of minimum availability with random tie-breaking. -1 when the peer has
   * no piece we could start. Both come from the availability's rarity index, so the cost does
   * not grow with the torrent's piece count.
   */
  private chooseNewPiece(bf: Bitfield): number {
    const av = this.availability;
    if (this.blocks.verifiedCount < this.randomFirstPieces) {
      const i = av.randomWanted(bf, this.random);
      if (i !== -1) return i;
    }
    return av.rarestWanted(bf, this.random);
  }

  /** Removes every other peer's outstanding request for block `key`, returning cancels for them. */
  private withdrawOthers(key: number, except: PeerId, index: number, begin: number): readonly Cancel[] {
    const list: Cancel[] = [];
    this.collectWithdrawals(key, except, index, begin, list);
    return list.length === 0 ? NO_CANCELS : list;
  }

  private collectWithdrawals(key: number, except: PeerId | undefined, index: number, begin: number, list: Cancel[]): void {
    const block = begin / BLOCK_SIZE;
    for (const [peerId, st] of this.peers) {
      if (peerId === except || !st.keys.delete(key)) continue;
      list.push({ peerId, request: this.request(index, block) });
      // Outside of onBlockReceived the block stays missing, so its request count must drop too.
      if (except === undefined) this.blocks.removeRequest(index, block);
    }
  }
}
