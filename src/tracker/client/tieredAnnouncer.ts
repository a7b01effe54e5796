import * as E from 'fp-ts/lib/Either.js';
import type { AnnounceEvent, AnnounceRequest, AnnounceResponse, TrackerError } from '../types.js';
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
export interface TieredAnnouncer {
  (event: AnnounceEvent, signal?: AbortSignal): Promise<AnnounceResponse>;
  /** Cancels requests still running in the background (slow trackers); call when the torrent stops. */
  close(): void;
}

/** Options of {@link createTieredAnnouncer}: the transports', plus the multitracker side channels. */
export interface TieredAnnouncerOptions extends AnnounceOptions {
  /** How long a silent tracker holds up the next one, ms (see `announceTiers`). */
  readonly patienceMs?: number;
  /** A tracker failed but the announce went on (another answered, or will be asked). */
  readonly onTrackerError?: (error: TrackerError) => void;
  /** A slow tracker answered after the announce had settled. */
  readonly onLateReply?: (response: AnnounceResponse) => void;
}

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
  opts: TieredAnnouncerOptions = {},
): TieredAnnouncer {
  const { patienceMs, onTrackerError, onLateReply, ...transport } = opts;
  const run = async (event: AnnounceEvent, signal?: AbortSignal): Promise<AnnounceResponse> => {
    const s = stats();
    const req: AnnounceRequest = { ...identity, uploaded: s.uploaded, downloaded: s.downloaded, left: s.left, event, compact: true };
    // Each request gets its own signal: a slow one may outlive this call (announceTiers cancels
    // them all when `signal` aborts).
    const r = await announceTiers(tiers, req, {
      announce: (url, q, own) => announce(url, q, own !== undefined ? { ...transport, signal: own } : transport),
      ...(signal !== undefined ? { signal } : {}),
      ...(patienceMs !== undefined ? { patienceMs } : {}),
      ...(onTrackerError !== undefined ? { onTrackerError: (_url: string, e: TrackerError) => onTrackerError(e) } : {}),
      ...(onLateReply !== undefined ? { onLateReply: (_url: string, resp: AnnounceResponse) => onLateReply(resp) } : {}),
    })();
    if (E.isLeft(r)) throw r.left;
    return r.right.response;
  };
  return Object.assign(run, { close: () => tiers.cancelInFlight() });
}
