import * as E from 'fp-ts/lib/Either.js';
import { Subject, type Observable } from 'rxjs';
import { SwarmStore, type PeerRemoval } from './swarmStore.js';
import { defaultTrackerLimits, type TrackerLimits } from './trackerLimits.js';
import type { AnnounceOutcome, ServerAnnounce, SwarmCounts, TrackerProtocol } from './peerTypes.js';
import type { TrackerEvent, TrackerStats } from './trackerEvents.js';

/** Options of {@link TrackerService}. */
export interface TrackerServiceOptions {
  /** Seconds clients are told to wait between announces. */
  readonly intervalS: number;
  /** Seconds clients must at least wait (`min interval`); default half the interval. */
  readonly minIntervalS?: number;
  /** Announces missed before a peer is dropped; default 2 (so a peer lives 2 x interval + grace). */
  readonly missedAnnounces?: number;
  /** Lowercase hex info hashes served; all others are refused. Undefined serves every torrent. */
  readonly whitelist?: ReadonlySet<string>;
  readonly limits?: Partial<TrackerLimits>;
  readonly now?: () => number;
  readonly random?: () => number;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

/**
 * What the HTTP and UDP fronts share: the swarm store, the whitelist, counters and the event
 * stream. Fronts parse and validate wire formats; this decides.
 */
export class TrackerService {
  readonly limits: TrackerLimits;
  readonly intervalS: number;
  readonly minIntervalS: number;
  private readonly store: SwarmStore;
  private readonly whitelist: ReadonlySet<string> | undefined;
  private readonly subject = new Subject<TrackerEvent>();
  /** Everything the tracker does; hot, completes on {@link TrackerService.complete}. */
  readonly events$: Observable<TrackerEvent> = this.subject.asObservable();
  private counters = { announces: 0, scrapes: 0, rejected: 0, started: 0, completed: 0, stopped: 0, expired: 0, evicted: 0 };

  constructor(options: TrackerServiceOptions) {
    this.limits = { ...defaultTrackerLimits, ...options.limits };
    this.intervalS = Math.max(1, Math.floor(options.intervalS));
    this.minIntervalS = Math.max(1, Math.floor(options.minIntervalS ?? this.intervalS / 2));
    this.whitelist = options.whitelist;
    const missed = options.missedAnnounces ?? 2;
    this.store = new SwarmStore({
      // Grace of 10 s beyond the missed intervals absorbs clients that announce a little late.
      peerTtlMs: (missed * this.intervalS + 10) * 1000,
      limits: this.limits,
      onRemoved: (r) => this.removed(r),
      ...(options.now === undefined ? {} : { now: options.now }),
      ...(options.random === undefined ? {} : { random: options.random }),
    });
  }

  /** Records a validated announce, or refuses it (whitelist) with a one-line reason. */
  announce(a: ServerAnnounce, protocol: TrackerProtocol): E.Either<string, AnnounceOutcome> {
    const infoHash = hex(a.infoHash);
    if (this.whitelist !== undefined && !this.whitelist.has(infoHash)) {
      return E.left(this.reject(protocol, a.endpoint.ip, 'torrent not registered with this tracker'));
    }
    const outcome = this.store.announce(a);
    this.counters.announces++;
    if (a.event === 'started') this.counters.started++;
    else if (a.event === 'completed') this.counters.completed++;
    else if (a.event === 'stopped') this.counters.stopped++;
    if (this.subject.observed) {
      this.subject.next({ type: 'announce', protocol, infoHash, peer: a.endpoint, event: a.event, left: a.left, peersReturned: outcome.peers.length });
    }
    return E.right(outcome);
  }

  /** Counts for each hash (zeros for unknown or non-whitelisted ones, BEP 48). */
  scrape(hashes: readonly Uint8Array[], protocol: TrackerProtocol): Array<readonly [Uint8Array, SwarmCounts]> {
    this.counters.scrapes++;
    const out = hashes.map((h) => [h, this.store.scrape(h)] as const);
    if (this.subject.observed) this.subject.next({ type: 'scrape', protocol, infoHashes: hashes.map(hex) });
    return out;
  }

  /** Counts a refused request, emits it, and returns the reason for chaining. */
  reject(protocol: TrackerProtocol, from: string, reason: string): string {
    this.counters.rejected++;
    if (this.subject.observed) this.subject.next({ type: 'rejected', protocol, from, reason });
    return reason;
  }

  /** Drops silent peers; call periodically. Returns how many were dropped. */
  sweep(): number {
    return this.store.sweep();
  }

  stats(): TrackerStats {
    return { ...this.store.totals(), ...this.counters };
  }

  /** Ends the event stream. */
  complete(): void {
    this.subject.complete();
  }

  private removed(r: PeerRemoval): void {
    if (r.reason === 'expired') this.counters.expired++;
    else this.counters.evicted++;
    if (this.subject.observed) this.subject.next({ type: 'peer-removed', infoHash: hex(r.infoHash), peer: r.endpoint, reason: r.reason });
  }
}
