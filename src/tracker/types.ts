/**
 * Types shared by the tracker clients (HTTP, UDP, multitracker), the announce machine and the
 * tracker server: what an announce asks, what a tracker answers, and why it failed.
 */

/** A peer as a tracker hands it out (BEP 3 dictionary form, BEP 23 compact, BEP 7 peers6). */
export interface PeerAddress {
  /** IPv4 dotted quad (`127.0.0.1`) or IPv6 text (`::1`). */
  readonly ip: string;
  /** TCP port, 1..65535. */
  readonly port: number;
  /** 20-byte peer id, present only in non-compact (dictionary) replies. */
  readonly peerId?: Uint8Array;
}

/** The announce `event` (BEP 3); `'empty'` means a regular announce that sends no event. */
export type AnnounceEvent = 'started' | 'completed' | 'stopped' | 'empty';

/** One announce, transport-independent (HTTP query or UDP packet). */
export interface AnnounceRequest {
  /** 20-byte SHA-1 of the info dictionary. */
  readonly infoHash: Uint8Array;
  /** Our 20-byte peer id. */
  readonly peerId: Uint8Array;
  /** TCP port we accept peers on. */
  readonly port: number;
  /** Bytes uploaded since the `started` event. */
  readonly uploaded: number;
  /** Bytes downloaded since the `started` event. */
  readonly downloaded: number;
  /** Bytes still missing. */
  readonly left: number;
  readonly event: AnnounceEvent;
  /** How many peers we want (tracker default when absent). */
  readonly numwant?: number;
  /** Random 32-bit key identifying us across IP changes (BEP 15 `key`, HTTP `key`). */
  readonly key?: number;
  /** The `tracker id` a previous reply gave; echoed back (BEP 3). */
  readonly trackerId?: string;
  /** We always ask for compact peer lists (BEP 23), but accept dictionary lists too. */
  readonly compact: true;
}

/** A successful tracker reply, validated and normalized. */
export interface AnnounceResponse {
  /** Seconds to wait before the next regular announce, already clamped to sane bounds. */
  readonly interval: number;
  /** Seconds below which we must not re-announce (`min interval`), clamped too. */
  readonly minInterval?: number;
  readonly peers: readonly PeerAddress[];
  /** Seeders (`complete`, BEP 3; `seeders`, BEP 15). */
  readonly complete?: number;
  /** Leechers (`incomplete`, BEP 3; `leechers`, BEP 15). */
  readonly incomplete?: number;
  /** Opaque id to echo in the next announce. */
  readonly trackerId?: string;
  /** `warning message`: the announce worked, but the tracker wants the user to know something. */
  readonly warning?: string;
}

/** Why an announce (or scrape) failed. Every variant carries a one-line `message`. */
export type TrackerError =
  | { readonly _tag: 'network'; readonly message: string }
  | { readonly _tag: 'timeout'; readonly message: string }
  | { readonly _tag: 'http-status'; readonly status: number; readonly message: string }
  | { readonly _tag: 'failure-reason'; readonly reason: string; readonly message: string }
  | { readonly _tag: 'invalid-reply'; readonly message: string }
  | { readonly _tag: 'too-large'; readonly limit: number; readonly message: string }
  | { readonly _tag: 'unsupported-scheme'; readonly url: string; readonly message: string }
  /** Not contacted: the tracker URL policy (SSRF guard) refused it; `reason` says which rule. */
  | { readonly _tag: 'refused-by-policy'; readonly reason: string; readonly message: string };

/** The `_tag`s of {@link TrackerError}. */
export type TrackerErrorTag = TrackerError['_tag'];

/** Constructors for {@link TrackerError}, each producing a one-line message naming the tracker. */
export const trackerError = {
  network: (url: string, detail: string): TrackerError => ({
    _tag: 'network',
    message: `tracker ${url}: network error: ${oneLine(detail)}`,
  }),
  timeout: (url: string, ms: number): TrackerError => ({
    _tag: 'timeout',
    message: `tracker ${url}: no reply within ${ms} ms`,
  }),
  httpStatus: (url: string, status: number): TrackerError => ({
    _tag: 'http-status',
    status,
    message: `tracker ${url}: HTTP status ${status}`,
  }),
  failureReason: (url: string, reason: string): TrackerError => ({
    _tag: 'failure-reason',
    reason: oneLine(reason),
    message: `tracker ${url} refused: ${oneLine(reason)}`,
  }),
  invalidReply: (url: string, detail: string): TrackerError => ({
    _tag: 'invalid-reply',
    message: `tracker ${url}: invalid reply: ${oneLine(detail)}`,
  }),
  tooLarge: (url: string, limit: number): TrackerError => ({
    _tag: 'too-large',
    limit,
    message: `tracker ${url}: reply larger than ${limit} bytes`,
  }),
  unsupportedScheme: (url: string): TrackerError => ({
    _tag: 'unsupported-scheme',
    url,
    message: `tracker ${url}: unsupported URL scheme (use http, https or udp)`,
  }),
  refusedByPolicy: (url: string, reason: string): TrackerError => ({
    _tag: 'refused-by-policy',
    reason: oneLine(reason),
    message: `tracker ${url} not contacted: ${oneLine(reason)}`,
  }),
} as const;

/** Collapses whitespace and bounds length so a hostile tracker cannot flood a log line. */
function oneLine(s: string): string {
  const flat = s.replace(/[\r\n\t\u0000-\u001f\u007f]+/g, ' ').trim();
  return flat.length > 300 ? `${flat.slice(0, 300)}…` : flat;
}
