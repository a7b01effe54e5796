import * as TE from 'fp-ts/lib/TaskEither.js';
import { trackerError, type AnnounceRequest, type AnnounceResponse, type TrackerError } from '../types.js';
import { httpAnnounce } from './httpAnnounce.js';
import { trackerLabel, type HttpTrackerOptions } from './httpGet.js';
import { udpAnnounce, type UdpTrackerOptions } from './udpAnnounce.js';

/** Options for {@link announce}: each transport's options, plus what they share. */
export interface AnnounceOptions {
  readonly http?: HttpTrackerOptions;
  readonly udp?: UdpTrackerOptions;
  /** Cancels whichever transport is used. */
  readonly signal?: AbortSignal;
  /**
   * Apply the tracker URL policy (SSRF guard, see trackerUrlPolicy.ts). Default true: the URL
   * comes from a torrent, which is untrusted input.
   */
  readonly urlPolicy?: boolean;
  /** Local address both transports send from (`--host`). */
  readonly localAddress?: string;
  /** Most peers taken from one reply, either transport (default 200). */
  readonly maxPeersPerReply?: number;
}

/**
 * Announces to one tracker URL (from a torrent), choosing HTTP(S) or UDP by its scheme, under
 * the tracker URL policy unless `urlPolicy: false`. A refusal is a `refused-by-policy` error
 * whose message says which rule, and nothing is sent.
 */
export function announce(url: string, req: AnnounceRequest, opts: AnnounceOptions = {}): TE.TaskEither<TrackerError, AnnounceResponse> {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
  const shared = {
    urlPolicy: opts.urlPolicy ?? true,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(opts.localAddress !== undefined ? { localAddress: opts.localAddress } : {}),
    ...(opts.maxPeersPerReply !== undefined ? { maxPeersPerReply: opts.maxPeersPerReply } : {}),
  };
  switch (scheme) {
    case 'http':
    case 'https':
      return httpAnnounce(url, req, { ...opts.http, ...shared });
    case 'udp':
      return udpAnnounce(url, req, { ...opts.udp, ...shared });
    default:
      // Only http, https and udp are trackers (the policy's first rule, whatever urlPolicy says).
      return TE.left(trackerError.unsupportedScheme(trackerLabel(url)));
  }
}
