import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AnnounceRequest, AnnounceResponse, TrackerError } from '../types.js';

/**
 * The announce-list of one torrent as BEP 12 wants it kept: each tier shuffled once, trackers
 * tried in order within a tier, and the one that answers moved to the front of its tier so it
 * is asked first next time. Also remembers each tracker's `tracker id` to echo back (BEP 3).
 */
export class TrackerTiers {
  private readonly tiers: string[][];
  private readonly trackerIds = new Map<string, string>();

  /**
   * @param announceList tiers of tracker URLs (empty tiers and duplicate URLs are dropped)
   * @param random uniform [0, 1) source for the one-time shuffle (inject for determinism)
   */
  constructor(announceList: readonly (readonly string[])[], random: () => number = Math.random) {
    const seen = new Set<string>();
    this.tiers = [];
    for (const tier of announceList) {
      const urls = tier.filter((u) => !seen.has(u) && (seen.add(u), true));
      if (urls.length === 0) continue;
      shuffle(urls, random);
      this.tiers.push(urls);
    }
  }

  /** The current order: tiers, and trackers within each tier. */
  get order(): readonly (readonly string[])[] {
    return this.tiers.map((t) => [...t]);
  }

  /** Moves `url` to the front of tier `tier` (it just answered). */
  promote(tier: number, url: string): void {
    const t = this.tiers[tier];
    const at = t?.indexOf(url) ?? -1;
    if (t === undefined || at <= 0) return;
    t.splice(at, 1);
    t.unshift(url);
  }

  /** The `tracker id` `url` last gave us. */
  trackerIdOf(url: string): string | undefined {
    return this.trackerIds.get(url);
  }

  /** Records the `tracker id` from `url`'s reply. */
  rememberTrackerId(url: string, id: string): void {
    this.trackerIds.set(url, id);
  }
}

/** Fisher-Yates, in place. */
function shuffle<T>(a: T[], random: () => number): void {
  for (let i = a.length - 1; i > 0; i--) {
    const r = random();
    // A bad random source must not lose entries: anything outside [0, 1) keeps the order.
    const j = r >= 0 && r < 1 ? Math.floor(r * (i + 1)) : i;
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
}

/** A successful multitracker announce: which tracker answered, and what it said. */
export interface TierAnnounceResult {
  readonly url: string;
  readonly response: AnnounceResponse;
}

/** Announces one URL; usually {@link announce} with options bound. */
export type AnnounceOne = (url: string, req: AnnounceRequest) => TE.TaskEither<TrackerError, AnnounceResponse>;

/** Options of {@link announceTiers}. */
export interface AnnounceTiersOptions {
  readonly announce: AnnounceOne;
  /** Stops trying further trackers once aborted. */
  readonly signal?: AbortSignal;
}

/**
 * Announces following BEP 12: trackers of the first tier in order, on failure the next one,
 * then the next tier; the first that answers is promoted within its tier. Fails with the last
 * tracker's error (its message says which tracker) when all fail, or a `network` error when
 * the list is empty.
 */
export function announceTiers(
  tiers: TrackerTiers,
  req: AnnounceRequest,
  opts: AnnounceTiersOptions,
): TE.TaskEither<TrackerError, TierAnnounceResult> {
  return async () => {
    let last: TrackerError | undefined;
    const order = tiers.order;
    for (let t = 0; t < order.length; t++) {
      for (const url of order[t]!) {
        if (opts.signal?.aborted) return E.left({ _tag: 'network', message: 'announce cancelled' });
        const id = tiers.trackerIdOf(url);
        // A tracker id belongs to the tracker that gave it; never send it to another.
        const { trackerId: _ignored, ...rest } = req;
        const withId: AnnounceRequest = id !== undefined ? { ...rest, trackerId: id } : rest;
        const r = await opts.announce(url, withId)();
        if (E.isRight(r)) {
          tiers.promote(t, url);
          if (r.right.trackerId !== undefined) tiers.rememberTrackerId(url, r.right.trackerId);
          return E.right({ url, response: r.right });
        }
        last = r.left;
      }
    }
    return E.left(last ?? { _tag: 'network', message: 'torrent has no trackers to announce to' });
  };
}
