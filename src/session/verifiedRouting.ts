import type { Culprit } from '../trust/smartBan.js';
import { VerifiedBatches } from './verifiedBatches.js';

/** Who hears of verified pieces: the torrent machine and the connected peers' machines. */
export interface VerifiedTargets<P> {
  /** Peers connected now: each hears of the pieces verified from now on (a record closed meanwhile may be among them; `toPeer` drops its batch). */
  connected(): Iterable<P>;
  /** The torrent machine's batch, with the smart-ban verdicts its pieces carried. */
  toTorrent(indices: readonly number[], culprits: readonly Culprit[]): void;
  toPeer(peer: P, indices: readonly number[]): void;
  /** Every piece is verified (the batch holding the last one goes at once). */
  complete(): boolean;
}

/** The torrent machine's place among the receivers of batches (the others are peers). */
const TORRENT = Symbol('torrent');

/**
 * Routes each verified piece to the torrent machine and every connected peer in
 * {@link VerifiedBatches}: one event per machine every 50 ms instead of one per piece and
 * machine (with four seeders, 20k machine events per GiB). Two rules keep the batches honest:
 * the batch completing the torrent goes at once (`completed` and our "not interested" are not
 * delayed), and a lost piece is told only after every pending batch, so no batch holding that
 * piece arrives after the loss.
 */
export class VerifiedRouting<P extends object> {
  private readonly batches: VerifiedBatches<P | typeof TORRENT>;
  /** Verdicts of the pieces in the torrent machine's pending batch. */
  private culprits: Culprit[] = [];

  constructor(
    private readonly targets: VerifiedTargets<P>,
    delayMs?: number,
  ) {
    this.batches = new VerifiedBatches<P | typeof TORRENT>((to, indices) => {
      if (to !== TORRENT) return targets.toPeer(to, indices);
      const culprits = this.culprits;
      this.culprits = [];
      targets.toTorrent(indices, culprits);
    }, delayMs);
  }

  /** Piece `index` passed its hash check; `culprits` are the IPs its failed copies convict. */
  verified(index: number, culprits: readonly Culprit[]): void {
    for (const c of culprits) this.culprits.push(c);
    this.batches.add(TORRENT, index);
    for (const p of this.targets.connected()) this.batches.add(p, index);
    if (this.targets.complete()) this.batches.flush();
  }

  /** Call before telling anyone a verified piece was lost: pending batches go first. */
  beforeLoss(): void {
    this.batches.flush();
  }
}
