import * as TE from 'fp-ts/lib/TaskEither.js';
import { trackerError, type AnnounceRequest, type AnnounceResponse, type TrackerError } from '../types.js';
import { httpAnnounce } from './httpAnnounce.js';
import type { HttpTrackerOptions } from './httpGet.js';
import { udpAnnounce, type UdpTrackerOptions } from './udpAnnounce.js';

/** Options for {@link announce}: each transport's options, plus one cancel signal. */
export interface AnnounceOptions {
  readonly http?: HttpTrackerOptions;
  readonly udp?: UdpTrackerOptions;
  /** Cancels whichever transport is used. */
  readonly signal?: AbortSignal;
}

/** Announces to one tracker URL, choosing HTTP(S) or UDP by its scheme. */
export function announce(url: string, req: AnnounceRequest, opts: AnnounceOptions = {}): TE.TaskEither<TrackerError, AnnounceResponse> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const signal = opts.signal !== undefined ? { signal: opts.signal } : {};
  switch (scheme) {
    case 'http':
    case 'https':
      return httpAnnounce(url, req, { ...opts.http, ...signal });
    case 'udp':
      return udpAnnounce(url, req, { ...opts.udp, ...signal });
    default:
      return TE.left(trackerError.unsupportedScheme(url));
  }
}
