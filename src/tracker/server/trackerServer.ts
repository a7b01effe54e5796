import type { Server } from 'node:http';
import type { Socket } from 'node:dgram';
import { isIP } from 'node:net';
import type { Observable } from 'rxjs';
import { TrackerService } from './trackerService.js';
import { ConnectionIds } from './connectionIds.js';
import { listenHttpTracker } from './httpTracker.js';
import { listenUdpTracker } from './udpTracker.js';
import type { TrackerLimits } from './trackerLimits.js';
import type { TrackerEvent, TrackerStats } from './trackerEvents.js';

/** Options of {@link startTracker}. */
export interface TrackerOptions {
  /** Address to bind; default `127.0.0.1`. */
  readonly host?: string;
  /** TCP port of the HTTP tracker; 0 (default) picks a free one; `false` disables HTTP. */
  readonly httpPort?: number | false;
  /** UDP port of the BEP 15 tracker; 0 (default) picks a free one; `false` disables UDP. */
  readonly udpPort?: number | false;
  /** Announce interval in seconds told to clients; default 1800. */
  readonly interval?: number;
  /** `min interval` in seconds; default half the interval. */
  readonly minInterval?: number;
  /** Lowercase hex info hashes to serve; others are refused. Default: serve any torrent. */
  readonly whitelist?: ReadonlySet<string>;
  readonly limits?: Partial<TrackerLimits>;
  /** How often silent peers are swept, in ms; default a quarter of the interval (at most 60 s). */
  readonly sweepEveryMs?: number;
  /** Clock in ms; inject with {@link TrackerOptions.timers} for fake time in tests. */
  readonly now?: () => number;
  /** Periodic timer; returns a canceller. Default `setInterval` (unref'd). */
  readonly timers?: { readonly every: (ms: number, fn: () => void) => () => void };
}

/** A running tracker. */
export interface TrackerServer {
  /** `http://host:port/announce`, or undefined when HTTP is disabled. */
  readonly httpAnnounceUrl: string | undefined;
  /** `udp://host:port/announce`, or undefined when UDP is disabled. */
  readonly udpAnnounceUrl: string | undefined;
  readonly httpPort: number | undefined;
  readonly udpPort: number | undefined;
  /** Announces, scrapes, refusals and peer removals as they happen. Completes on close. */
  readonly events$: Observable<TrackerEvent>;
  stats(): TrackerStats;
  /** Drops silent peers now (also done on the timer); returns how many. */
  sweep(): number;
  /** Stops listening and the sweep timer; resolves when both sockets are closed. */
  close(): Promise<void>;
}

const defaultEvery = (ms: number, fn: () => void): (() => void) => {
  const t = setInterval(fn, ms);
  t.unref();
  return () => clearInterval(t);
};

/**
 * Starts an HTTP (BEP 3/23/7/48) and UDP (BEP 15) tracker sharing one swarm store.
 * Rejects with the socket error (e.g. `EADDRINUSE`) if a port cannot be bound; nothing is left
 * listening in that case.
 */
export async function startTracker(options: TrackerOptions = {}): Promise<TrackerServer> {
  const host = options.host ?? '127.0.0.1';
  const intervalS = options.interval ?? 1800;
  const service = new TrackerService({
    intervalS,
    ...(options.minInterval === undefined ? {} : { minIntervalS: options.minInterval }),
    ...(options.whitelist === undefined ? {} : { whitelist: options.whitelist }),
    ...(options.limits === undefined ? {} : { limits: options.limits }),
    ...(options.now === undefined ? {} : { now: options.now }),
  });
  const ids = new ConnectionIds(options.now === undefined ? {} : { now: options.now });
  let http: Server | undefined;
  let udp: Socket | undefined;
  try {
    if (options.httpPort !== false) http = await listenHttpTracker(service, host, options.httpPort ?? 0);
    if (options.udpPort !== false) udp = await listenUdpTracker(service, ids, host, options.udpPort ?? 0);
  } catch (err) {
    await closeAll(http, udp);
    service.complete();
    throw err;
  }
  const every = options.timers?.every ?? defaultEvery;
  const stopSweep = every(options.sweepEveryMs ?? Math.min(60_000, Math.max(1000, (intervalS * 1000) / 4)), () => service.sweep());
  const urlHost = isIP(host) === 6 ? `[${host}]` : host;
  const httpPort = http === undefined ? undefined : portOf(http.address());
  const udpPort = udp === undefined ? undefined : udp.address().port;
  let closing: Promise<void> | undefined;
  return {
    httpAnnounceUrl: httpPort === undefined ? undefined : `http://${urlHost}:${httpPort}/announce`,
    udpAnnounceUrl: udpPort === undefined ? undefined : `udp://${urlHost}:${udpPort}/announce`,
    httpPort,
    udpPort,
    events$: service.events$,
    stats: () => service.stats(),
    sweep: () => service.sweep(),
    close: () => {
      closing ??= (async () => {
        stopSweep();
        await closeAll(http, udp);
        service.complete();
      })();
      return closing;
    },
  };
}

function portOf(address: ReturnType<Server['address']>): number | undefined {
  return typeof address === 'object' && address !== null ? address.port : undefined;
}

async function closeAll(http: Server | undefined, udp: Socket | undefined): Promise<void> {
  const jobs: Promise<void>[] = [];
  if (http !== undefined) {
    jobs.push(new Promise((resolve) => http.close(() => resolve())));
    // Keep-alive clients would otherwise hold close() open until they time out.
    http.closeAllConnections();
  }
  if (udp !== undefined) jobs.push(new Promise((resolve) => udp.close(() => resolve())));
  await Promise.all(jobs);
}
