import * as E from 'fp-ts/lib/Either.js';
import type { AnnounceEvent, AnnounceRequest, AnnounceResponse } from '../types.js';
import { announce, type AnnounceOptions } from './announce.js';
import { announceTiers, type TrackerTiers } from './trackerTiers.js';

/** What stays the same across a torrent's announces. */
export interface AnnounceIdentity {
  readonly infoHash: Uint8Array;
  readonly peerId: Uint8Array;
  /** TCP port we accept peers on. */
  readonly port: number;
  readonly numwant?: number;
  /** Random 32-bit key, fixed for the session (lets trackers recognise us across IP changes). */
  readonly key?: number;
}

/** Transfer counters since `started` (BEP 3), read at the moment of each announce. */
export interface TransferStats {
  readonly uploaded: number;
  readonly downloaded: number;
  readonly left: number;
}

/**
 * Announces one event to a torrent's tiers (BEP 12).
 * Resolves to the reply; rejects with a `TrackerError` (never an `Error`).
 */
export type TieredAnnouncer = (event: AnnounceEvent, signal?: AbortSignal) => Promise<AnnounceResponse>;

/**
 * Binds a torrent's tiers, identity and live stats into the function the announce machine's
 * `announce` actor needs:
 * `fromPromise(({ input, signal }) => announcer(input.event, signal))`.
 * Stats are read when the announce starts, so they are never stale.
 */
export function createTieredAnnouncer(
  tiers: TrackerTiers,
  identity: AnnounceIdentity,
  stats: () => TransferStats,
  opts: AnnounceOptions = {},
): TieredAnnouncer {
  return async (event, signal) => {
    const s = stats();
    const req: AnnounceRequest = { ...identity, uploaded: s.uploaded, downloaded: s.downloaded, left: s.left, event, compact: true };
    const withSignal = signal !== undefined ? { ...opts, signal } : opts;
    const r = await announceTiers(tiers, req, {
      announce: (url, q) => announce(url, q, withSignal),
      ...(signal !== undefined ? { signal } : {}),
    })();
    if (E.isLeft(r)) throw r.left;
    return r.right.response;
  };
}
