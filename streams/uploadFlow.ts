import * as E from 'fp-ts/lib/Either.js';
import type { Bitfield } from '../src/pieces/bitfield.js';
import { BLOCK_SIZE } from '../src/pieces/pieceGeometry.js';
import type { PeerRecord } from './peerRecord.js';
import type { RateMeter } from '../src/stats/rateMeter.js';
import type { StorageError } from '../src/storage/storageError.js';
import type { TorrentStorage } from '../src/storage/torrentStorage.js';
import type { BlockRef } from '../src/wire/messages.js';

/** Requests queued per peer before further ones are refused (real clients keep 250-500). */
export const MAX_QUEUED_REQUESTS = 500;

/**
 * Requests we may refuse since we last unchoked a peer before it is dropped: twice the queue
 * limit leaves room for requests in flight when the choke crossed them (BEP 6 says to expect
 * some), while a peer that keeps requesting regardless gets a bounded number of rejects.
 */
export const MAX_REFUSED_REQUESTS = 2 * MAX_QUEUED_REQUESTS;

/**
 * The sending half of the data plane: serves `request`s from disk for verified pieces only,
 * with the limits real clients use (BEP 3: blocks of at most 16 KiB inside the piece; requests
 * made while we choke the peer are dropped, or rejected under BEP 6; `cancel` is honoured).
 * Reads are asynchronous and one at a time per peer, paced by the socket's backpressure, so a
 * slow disk or a slow reader never blocks the event loop or piles up memory.
 */
export class UploadFlow {
  constructor(
    private readonly storage: TorrentStorage,
    private readonly have: Bitfield,
    private readonly upTotal: RateMeter,
    private readonly now: () => number,
    /** A peer kept requesting after being refused more than {@link MAX_REFUSED_REQUESTS} times. */
    private readonly abusive: (peer: PeerRecord, message: string) => void = () => undefined,
    /**
     * A verified piece could not be read back (its file was truncated, replaced or is
     * unreadable): it is already cleared from our pieces, so it is no longer offered.
     */
    private readonly unreadable: (index: number, error: StorageError) => void = () => undefined,
  ) {}

  /** A `request` arrived from `peer`. */
  onRequest(peer: PeerRecord, req: BlockRef): void {
    const valid =
      this.have.has(req.index) &&
      req.length > 0 &&
      req.length <= BLOCK_SIZE &&
      req.begin >= 0 &&
      req.begin + req.length <= this.storage.pieceSize(req.index);
    if (!peer.gate.mayUpload || !valid || peer.uploadQueue.length >= MAX_QUEUED_REQUESTS) {
      if (++peer.refusedRequests > MAX_REFUSED_REQUESTS) {
        if (peer.refusedRequests === MAX_REFUSED_REQUESTS + 1) this.abusive(peer, `kept requesting after ${MAX_REFUSED_REQUESTS} refused requests`);
        return;
      }
      if (peer.gate.fast) peer.send({ ...req, type: 'reject' });
      return;
    }
    peer.uploadQueue.push({ index: req.index, begin: req.begin, length: req.length });
    void this.pump(peer);
  }

  /**
   * A `cancel` arrived: forget the matching queued request. Under BEP 6 every request gets
   * exactly one answer, so a cancelled one is answered with a reject. A cancel that matches
   * nothing is normal (it crossed the piece we sent) and ignored.
   */
  onCancel(peer: PeerRecord, req: BlockRef): void {
    const i = peer.uploadQueue.findIndex((q) => q.index === req.index && q.begin === req.begin && q.length === req.length);
    if (i < 0) return;
    peer.uploadQueue.splice(i, 1);
    if (peer.gate.fast) peer.send({ index: req.index, begin: req.begin, length: req.length, type: 'reject' });
  }

  /** We choked `peer`: its queued requests are void (BEP 3), or rejected one by one under BEP 6. */
  onChoked(peer: PeerRecord): void {
    if (peer.gate.fast) for (const q of peer.uploadQueue) peer.send({ ...q, type: 'reject' });
    peer.uploadQueue.length = 0;
  }

  /** The socket drained: carry on serving. */
  onWritable(peer: PeerRecord): void {
    void this.pump(peer);
  }

  private async pump(peer: PeerRecord): Promise<void> {
    if (peer.serving) return;
    peer.serving = true;
    try {
      while (!peer.closed && peer.gate.mayUpload && peer.writable()) {
        const req = peer.uploadQueue.shift();
        if (req === undefined) break;
        // queued before the piece was lost: refused (BEP 6) like any request for a piece we lack
        if (!this.have.has(req.index)) {
          if (peer.gate.fast) peer.send({ ...req, type: 'reject' });
          continue;
        }
        const r = await this.storage.readBlock(req.index, req.begin, req.length);
        if (E.isLeft(r)) {
          // never a partial block: BEP 6 peers hear `reject` at once, others re-request later
          if (peer.gate.fast) peer.send({ ...req, type: 'reject' });
          if (r.left.code === 'closed') break;
          // the data under a verified piece is gone: stop offering it (our bitfield to new
          // peers, and every later request for it is refused), and say so once
          if (this.have.has(req.index)) {
            this.have.clear(req.index);
            this.unreadable(req.index, r.left);
          }
          continue;
        }
        if (peer.closed) break;
        if (!peer.gate.mayUpload) {
          // choked while the read was in flight: this request left the queue before onChoked
          // rejected the rest, and BEP 6 still owes it one answer
          if (peer.gate.fast) peer.send({ ...req, type: 'reject' });
          break;
        }
        peer.send({ type: 'piece', index: req.index, begin: req.begin, block: r.right });
        const t = this.now();
        peer.up.add(req.length, t);
        this.upTotal.add(req.length, t);
      }
    } finally {
      peer.serving = false;
    }
  }
}
