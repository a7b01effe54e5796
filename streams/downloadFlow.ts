import * as E from 'fp-ts/lib/Either.js';
import type { Cancel, PiecePicker } from '../src/pieces/piecePicker.js';
import { boundByReqq } from '../src/extensions/extendedHandshake.js';
import { BLOCK_SIZE } from '../src/pieces/pieceGeometry.js';
import { MAX_PIPELINE_DEPTH, pipelineDepth, refillThreshold } from '../src/pieces/pipelineDepth.js';
import type { Bitfield } from '../src/pieces/bitfield.js';
import type { PeerRecord } from './peerRecord.js';
import type { RateMeter } from '../src/stats/rateMeter.js';
import type { StorageError } from '../src/storage/storageError.js';
import { BLOCK_STAGED } from '../src/storage/pieceWriter.js';
import type { TorrentStorage } from '../src/storage/torrentStorage.js';
import { blockDigests } from '../src/trust/blockDigests.js';
import { SmartBan, type Culprit } from '../src/trust/smartBan.js';

/** Past this many times the disk queue's high mark, sockets are not read until it drains. */
export const READ_HOLD_FACTOR = 1.5;

/** Blocks that match no request before a peer is dropped (a few can race with cancels). */
const MAX_INVALID_BLOCKS = 32;

/**
 * Rejects in a row (no block between them) before a peer is dropped: more than a full pipeline
 * twice over means it refuses whatever we ask, and every reject costs us a pick.
 */
export const MAX_REJECTS_IN_A_ROW = 2 * MAX_PIPELINE_DEPTH;

/**
 * What the download path reports upward: piece-level outcomes only, never per block, each with
 * smart ban's verdict: the IPs proven to have sent bad blocks of that piece (usually none).
 */
export interface DownloadEvents {
  pieceVerified(index: number, culprits: readonly Culprit[]): void;
  pieceFailed(index: number, culprits: readonly Culprit[]): void;
  storageFailed(message: string): void;
  peerMisbehaved(peer: PeerRecord, message: string): void;
}

/**
 * The receiving half of the data plane (BEP 3 `request`/`piece`/`cancel`): blocks go from the
 * frame parser straight to the picker's books and to disk; full pieces are hashed; requests are
 * topped up so each unchoked peer's pipeline stays as deep as its measured rate needs.
 * No machine sees a block: only piece outcomes and the edges of "requests pending" do.
 */
export class DownloadFlow {
  private readonly verifying = new Set<number>();
  /**
   * The disk queue went over its high mark: no pipeline is topped up until it drains (requests
   * already out still complete). See {@link refill}.
   */
  private waitingForDisk = false;
  /** No socket is read: the disk queue went past its hard cap (see {@link holdReadsIfOverCap}). */
  private readsHeld = false;
  /**
   * The disk queue drained: sockets held past the hard cap are read again, and every unchoked
   * peer that waited gets its pipeline back at once.
   */
  private readonly diskDrained = (): void => {
    this.waitingForDisk = false;
    if (this.readsHeld) {
      this.readsHeld = false;
      for (const p of this.peers.values()) if (!p.closed) p.pauseReads(false);
    }
    for (const p of this.peers.values()) this.refill(p);
  };
  /** One handler for every write's outcome (no closure per block). */
  private readonly written = (r: E.Either<StorageError, void>): void => {
    if (E.isLeft(r) && r.left.code !== 'piece-verified') this.events.storageFailed(r.left.message);
  };

  constructor(
    private readonly picker: PiecePicker,
    private readonly storage: TorrentStorage,
    /** Our verified pieces (shared with the uploader). */
    private readonly have: Bitfield,
    private readonly peers: ReadonlyMap<string, PeerRecord>,
    private readonly downTotal: RateMeter,
    private readonly events: DownloadEvents,
    private readonly now: () => number,
    /** Who sent which block, and the verdicts on failed pieces (shared with nobody else). */
    private readonly smartBan: SmartBan = new SmartBan(),
  ) {
    picker.setAvoid(this.avoid);
  }

  /**
   * A failed piece is fetched again from peers that did not send its failed copy, while such a
   * peer can serve it now (connected, unchoking us, has it); otherwise anyone may, so a piece
   * is never stuck waiting for an honest peer that is not there.
   */
  private readonly avoid = (peerId: string, index: number): boolean => {
    if (!this.smartBan.hasFailedCopies(index)) return false;
    const me = this.peers.get(peerId);
    if (me === undefined || !this.smartBan.isSuspect(index, me.endpoint.ip)) return false;
    for (const other of this.peers.values()) {
      if (other === me || other.closed || !other.gate.mayRequest || !other.bitfield.has(index)) continue;
      if (!this.smartBan.isSuspect(index, other.endpoint.ip)) return true;
    }
    return false;
  };

  /** A `piece` message arrived from `peer`. */
  onBlock(peer: PeerRecord, index: number, begin: number, block: Uint8Array): void {
    const t = this.now();
    this.downTotal.add(block.length, t);
    if (!this.picker.geometry.isBlock(index, begin, block.length)) {
      this.invalid(peer, `sent a block that is not a 16 KiB block slot (piece ${index}, offset ${begin}, ${block.length} bytes)`);
      return;
    }
    // Only blocks we asked this peer for are taken. Late copies of requests we released or
    // cancelled (after a choke, a snub or an endgame cancel) are normal and just dropped.
    if (!this.picker.isRequestedFrom(peer.id, index, begin)) return;
    const receipt = this.picker.onBlockReceived(peer.id, index, begin);
    if (receipt.invalid) {
      this.invalid(peer, `sent piece ${index} offset ${begin} outside the torrent`);
      return;
    }
    peer.rejectsInARow = 0;
    // the peer's rate (for choking and pipeline depth) counts useful data only
    if (!receipt.duplicate) peer.down.add(block.length, t);
    this.cancelOthers(receipt.cancels);
    if (!receipt.duplicate) {
      // who sent this block: smart ban compares it with a good copy if the piece fails
      this.smartBan.record(index, begin / BLOCK_SIZE, this.picker.geometry.blockCount(index), peer.endpoint.ip);
      const write = this.storage.writeBlock(index, begin, block);
      if (write !== BLOCK_STAGED) void write.then(this.written);
      if (!this.readsHeld) this.holdReadsIfOverCap();
      if (receipt.pieceComplete) void this.verify(index);
    }
    this.refill(peer, true);
  }

  /**
   * Tops up `peer`'s request pipeline; call when it unchokes us, sends a block or gains pieces.
   * With `batched` (a block arrived) it waits until a batch's worth of room is free, so
   * requests leave in groups (see `refillThreshold`) rather than one per block.
   *
   * Disk backpressure (libtorrent's max_queued_disk_bytes): while more received bytes wait
   * for the disk than the storage's high mark, no pipeline is topped up; blocks already asked
   * for still arrive and are taken, and each peer's pipeline simply drains. A peer left with no
   * request out is not timed by the peer machine (REQUESTS_DRAINED: its snubbing region idles),
   * so our holding back never counts as the peer being slow. Once the queue is down to the low
   * mark, every unchoked peer is refilled at once.
   */
  refill(peer: PeerRecord, batched = false): void {
    // the gate is the machine's word: unchoked by the peer, handshake done; nothing to want, nothing to ask
    const gate = peer.gate;
    if (peer.closed || !gate.open || !gate.mayRequest || peer.pieces.interesting === 0 || this.diskBehind()) {
      this.syncPending(peer);
      return;
    }
    const outstanding = this.picker.outstanding(peer.id);
    const depth = boundByReqq(pipelineDepth(peer.down.rate(this.now())), peer.gate.reqq);
    const want = depth - outstanding;
    if (batched && outstanding > 0 && want < refillThreshold(depth)) return;
    if (want > 0) {
      const requests = this.picker.pick(peer, want);
      peer.sendBlockRefs('request', requests);
    }
    this.syncPending(peer);
  }

  /** Our requests to `peer` are void (it choked us, snubbed us or left): return them to the pool. */
  release(peer: PeerRecord): void {
    this.picker.releasePeer(peer.id);
    this.released(peer);
  }

  /**
   * `peer` no longer has piece `index` (BEP 54 `lt_donthave`; its machine already took the
   * piece out of its bitfield): it will not send the blocks we asked it for, so they go back to
   * the pool now rather than after its rejects or our request timeout, and the other unchoked
   * peers may take them at once. A `cancel` for each lets the peer drop them from its queue.
   */
  peerLost(peer: PeerRecord, index: number): void {
    const released = this.picker.releasePiece(peer.id, index);
    if (released.length === 0) return;
    peer.sendBlockRefs('cancel', released);
    this.released(peer);
  }

  /**
   * A BEP 6 `reject` for one of our requests. The block goes back to the pool for the other
   * peers; the rejecting peer is not asked again at once (the picker would hand it the same
   * block, a request/reject loop at round-trip speed): it gets new work when its next block
   * arrives or it unchokes us again.
   */
  onReject(peer: PeerRecord, index: number, begin: number, length: number): void {
    this.picker.onRequestRejected(peer.id, { index, begin, length });
    if (++peer.rejectsInARow > MAX_REJECTS_IN_A_ROW) {
      if (peer.rejectsInARow === MAX_REJECTS_IN_A_ROW + 1) this.events.peerMisbehaved(peer, `rejected ${MAX_REJECTS_IN_A_ROW} requests in a row`);
      return;
    }
    this.released(peer);
  }

  /** Requests of `peer` went back to the pool: its pending count follows, and the other unchoked peers may take those blocks at once. */
  private released(peer: PeerRecord): void {
    this.syncPending(peer);
    for (const other of this.peers.values()) if (other !== peer) this.refill(other);
  }

  private async verify(index: number): Promise<void> {
    if (this.verifying.has(index)) return;
    this.verifying.add(index);
    try {
      const result = await this.storage.verifyPieceResult(index);
      if (E.isLeft(result)) {
        // a local problem (disk, closed storage) says nothing about the peers: no blame
        if (result.left.code === 'closed') return;
        // the piece is fetched again once the folder works (after a resume): all blocks missing
        this.smartBan.forget(index);
        this.picker.onPieceFailed(index);
        this.events.storageFailed(result.left.message);
        return;
      }
      if (result.right) {
        this.storage.markVerified(index);
        this.have.set(index);
        this.cancelOthers(this.picker.onPieceVerified(index));
        // a piece that failed before: compare the failed copies with this good one
        const good = this.smartBan.hasFailedCopies(index) ? await this.digestsOf(index) : undefined;
        this.events.pieceVerified(index, this.smartBan.piecePassed(index, good));
      } else {
        // The failed copy's block digests are read before the piece is released: until then
        // it stays complete in the picker, so no block of a new copy can overwrite it.
        const failedCopy = this.smartBan.soleSender(index) === undefined ? await this.digestsOf(index) : undefined;
        const culprits = this.smartBan.pieceFailed(index, failedCopy);
        this.picker.onPieceFailed(index, this.smartBan.hasFailedCopies(index));
        this.events.pieceFailed(index, culprits);
        for (const p of this.peers.values()) this.refill(p);
      }
    } finally {
      this.verifying.delete(index);
    }
  }

  /** Digests of piece `index`'s blocks as on disk now; undefined when it cannot be read. */
  private async digestsOf(index: number): Promise<Uint8Array | undefined> {
    const r = await this.storage.readBlock(index, 0, this.storage.pieceSize(index));
    return E.isRight(r) ? blockDigests(r.right) : undefined;
  }

  /** Sends endgame cancels, then lets each cancelled peer take new work (it may now be idle). */
  private cancelOthers(cancels: readonly Cancel[]): void {
    if (cancels.length === 0) return;
    const touched = new Set<PeerRecord>();
    for (const c of cancels) {
      const p = this.peers.get(c.peerId);
      if (p === undefined) continue;
      p.send({ type: 'cancel', index: c.request.index, begin: c.request.begin, length: c.request.length });
      touched.add(p);
    }
    for (const p of touched) this.refill(p);
  }

  /** Whether the disk is behind: waiting for the queue to drain, or just found over its high mark. */
  private diskBehind(): boolean {
    if (this.waitingForDisk) return true;
    if (!this.storage.queueFull) return false;
    this.waitingForDisk = true;
    this.storage.onQueueDrained(this.diskDrained);
    return true;
  }

  /**
   * The hard cap on memory while the disk is behind. The high mark stops new requests, but the
   * ones already out keep arriving (up to a whole pipeline per peer: 8 MiB each). Past half the
   * mark again, no socket is read until the queue drains: the blocks wait in the kernel's socket
   * buffers, and TCP flow control slows the senders (libtorrent pauses its reads the same way).
   */
  private holdReadsIfOverCap(): void {
    const s = this.storage;
    if (!s.queueFull || s.queuedBytes <= s.maxQueuedBytes * READ_HOLD_FACTOR) return;
    this.readsHeld = true;
    for (const p of this.peers.values()) p.pauseReads(true);
    this.diskBehind(); // one drain listener ends both holds
  }

  private invalid(peer: PeerRecord, message: string): void {
    if (++peer.invalidBlocks > MAX_INVALID_BLOCKS) this.events.peerMisbehaved(peer, message);
  }

  private syncPending(peer: PeerRecord): void {
    const pending = this.picker.outstanding(peer.id) > 0;
    if (pending === peer.pipelineBusy || peer.closed) return;
    peer.pipelineBusy = pending;
    peer.notify({ type: pending ? 'REQUESTS_PENDING' : 'REQUESTS_DRAINED' });
  }
}
