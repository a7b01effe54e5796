import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import type { AnnounceRequest, AnnounceResponse, TrackerError } from '../types.js';
import { trackerLabel } from './httpGet.js';

/** One tracker's request still running, possibly past the call that started it. */
export interface InFlightAnnounce {
  readonly promise: Promise<E.Either<TrackerError, AnnounceResponse>>;
  /** When it started (ms, the caller's clock). */
  readonly startedAt: number;
  /** Aborted once the request is cancelled (its failure then is no news). */
  readonly signal: AbortSignal;
  readonly cancel: () => void;
  /** The latest announce call waiting on it; only that call reports its outcome. */
  owner: object;
}

/**
 * The announce-list of one torrent as BEP 12 wants it kept: each tier shuffled once, trackers
 * tried in order within a tier, and the one that answers moved to the front of its tier so it
 * is asked first next time. Also remembers each tracker's `tracker id` to echo back (BEP 3).
 */
export class TrackerTiers {
  private readonly tiers: string[][];
  private readonly trackerIds = new Map<string, string>();
  private readonly inFlight = new Map<string, InFlightAnnounce>();

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

  /** `url`'s request still running, if any (a slow tracker keeps its own retries going). */
  inFlightOf(url: string): InFlightAnnounce | undefined {
    return this.inFlight.get(url);
  }

  /** Remembers `url`'s running request until it settles. */
  track(url: string, entry: InFlightAnnounce): void {
    this.inFlight.set(url, entry);
    void entry.promise.then(() => {
      if (this.inFlight.get(url) === entry) this.inFlight.delete(url);
    });
  }

  /** Cancels every running request (leaving the swarm, or the torrent stopped). */
  cancelInFlight(): void {
    const all = [...this.inFlight.values()];
    this.inFlight.clear();
    for (const e of all) e.cancel();
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

/** Announces one URL; usually {@link announce} with options bound. `signal` cancels it. */
export type AnnounceOne = (url: string, req: AnnounceRequest, signal?: AbortSignal) => TE.TaskEither<TrackerError, AnnounceResponse>;

/** How long a tracker may stay silent before the next one is asked as well, ms. */
export const DEFAULT_TRACKER_PATIENCE_MS = 5_000;
/** How long one call waits on trackers past their patience once nobody else is left, ms. */
export const DEFAULT_TRACKER_MAX_WAIT_MS = 60_000;

/** Options of {@link announceTiers}. */
export interface AnnounceTiersOptions {
  readonly announce: AnnounceOne;
  /** Stops the call and cancels every running request once aborted. */
  readonly signal?: AbortSignal;
  /** See {@link DEFAULT_TRACKER_PATIENCE_MS}. */
  readonly patienceMs?: number;
  /** See {@link DEFAULT_TRACKER_MAX_WAIT_MS}. */
  readonly maxWaitMs?: number;
  /** Clock, ms (default `Date.now`). */
  readonly now?: () => number;
  /**
   * Each tracker's failure other than the one the call fails with (a refused URL, a dead
   * tracker skipped for a working one, a slow one that finally gave up), so none goes unseen.
   */
  readonly onTrackerError?: (url: string, error: TrackerError) => void;
  /** A slow tracker answered after the call had settled: its peers are still worth having. */
  readonly onLateReply?: (url: string, response: AnnounceResponse) => void;
}

const cancelled: TrackerError = { _tag: 'network', message: 'announce cancelled' };

/**
 * Announces following BEP 12 without letting one tracker block the others: trackers are asked
 * in tier order, and the next one is asked when the previous failed *or* has been silent for
 * `patienceMs`; the slow one keeps running (a UDP tracker keeps its BEP 15 retransmission
 * schedule) and a later call joins it rather than asking twice. The first answer wins and is
 * promoted within its tier, so BEP 12's preference order still decides who is asked first.
 * Fails with the last error when every tracker failed, or once only silent trackers are left
 * after `maxWaitMs`; a `stopped` announce first cancels running requests (a late `started`
 * must not list us again).
 */
export function announceTiers(
  tiers: TrackerTiers,
  req: AnnounceRequest,
  opts: AnnounceTiersOptions,
): TE.TaskEither<TrackerError, TierAnnounceResult> {
  return () => {
    const patience = opts.patienceMs ?? DEFAULT_TRACKER_PATIENCE_MS;
    const maxWait = opts.maxWaitMs ?? DEFAULT_TRACKER_MAX_WAIT_MS;
    const now = opts.now ?? Date.now;
    if (req.event === 'stopped') tiers.cancelInFlight();
    const queue = tiers.order.flatMap((urls, tier) => urls.map((url) => ({ url, tier })));
    if (queue.length === 0) return Promise.resolve(E.left({ _tag: 'network', message: 'torrent has no trackers to announce to' }));
    if (opts.signal?.aborted) return Promise.resolve(E.left(cancelled));
    const call = {};
    const callStart = now();
    const live: { url: string; tier: number; deadline: number }[] = [];
    const errors: { url: string; error: TrackerError }[] = [];
    let next = 0;
    let settled = false;
    let timer: ReturnType<typeof setTimeout> | undefined;

    return new Promise((resolve) => {
      const finish = (r: E.Either<TrackerError, TierAnnounceResult>): void => {
        if (settled) return;
        settled = true;
        if (timer !== undefined) clearTimeout(timer);
        opts.signal?.removeEventListener('abort', onAbort);
        for (const e of errors) if (E.isRight(r) || e.error !== r.left) opts.onTrackerError?.(e.url, e.error);
        resolve(r);
      };
      const onAbort = (): void => {
        tiers.cancelInFlight();
        finish(E.left(cancelled));
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });

      const ask = (url: string, tier: number): void => {
        let entry = tiers.inFlightOf(url);
        if (entry === undefined) {
          const ctrl = new AbortController();
          const id = tiers.trackerIdOf(url);
          // A tracker id belongs to the tracker that gave it; never send it to another.
          const { trackerId: _ignored, ...rest } = req;
          const withId: AnnounceRequest = id !== undefined ? { ...rest, trackerId: id } : rest;
          const promise = opts.announce(url, withId, ctrl.signal)().then((r) => {
            if (E.isRight(r) && r.right.trackerId !== undefined) tiers.rememberTrackerId(url, r.right.trackerId);
            return r;
          });
          entry = { promise, startedAt: now(), signal: ctrl.signal, cancel: () => ctrl.abort(), owner: call };
          tiers.track(url, entry);
        } else {
          entry.owner = call;
        }
        const mine = entry;
        const l = { url, tier, deadline: entry.startedAt + patience };
        live.push(l);
        void entry.promise.then((r) => {
          live.splice(live.indexOf(l), 1);
          if (E.isRight(r)) tiers.promote(tier, url);
          if (settled) {
            // Only the latest call waiting on this request reports it, once.
            if (mine.owner !== call) return;
            if (E.isRight(r)) opts.onLateReply?.(url, r.right);
            else if (!mine.signal.aborted) opts.onTrackerError?.(url, r.left);
            return;
          }
          if (E.isRight(r)) return finish(E.right({ url, response: r.right }));
          errors.push({ url, error: r.left });
          pump();
        });
      };

      const pump = (): void => {
        if (settled) return;
        if (timer !== undefined) clearTimeout(timer);
        timer = undefined;
        const t = now();
        // Ask the next tracker while none of those asked is still within its patience.
        while (next < queue.length && !live.some((l) => l.deadline > t)) {
          const q = queue[next++]!;
          ask(q.url, q.tier);
        }
        if (live.length === 0) {
          finish(E.left(errors[errors.length - 1]?.error ?? { _tag: 'network', message: 'no tracker answered' }));
          return;
        }
        const fresh = live.filter((l) => l.deadline > t).map((l) => l.deadline);
        if (next >= queue.length && fresh.length === 0 && t - callStart >= maxWait) {
          const slow = live[0]!;
          finish(E.left({ _tag: 'timeout', message: `tracker ${trackerLabel(slow.url)}: no reply yet after ${t - callStart} ms (still asking)` }));
          return;
        }
        const wakeAt = fresh.length > 0 && next < queue.length ? Math.min(...fresh) : callStart + maxWait;
        timer = setTimeout(pump, Math.max(0, wakeAt - t));
      };
      pump();
    });
  };
}
