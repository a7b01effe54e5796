import type { PeerEndpoint } from '../peers/peerPool.js';

/**
 * What a magnet link says (BEP 9): enough to find a swarm and fetch the metadata from it, but
 * not the metadata itself. Every field is validated; names and URLs are percent-decoded.
 */
export interface MagnetLink {
  /** The v1 info hash (20 bytes) from `xt=urn:btih:`. */
  readonly infoHash: Uint8Array;
  /** {@link MagnetLink.infoHash} as 40 lowercase hex characters. */
  readonly infoHashHex: string;
  /** `dn`: a display name to show until the metadata arrives (never used as a path). */
  readonly name?: string;
  /** `tr`: tracker URLs in link order, repeats dropped. */
  readonly trackers: readonly string[];
  /** `x.pe`: peers to dial directly (IP literals only). */
  readonly peers: readonly PeerEndpoint[];
  /** `ws`: web seed URLs (BEP 19). */
  readonly webSeeds: readonly string[];
  /** Parts of the link that were understood but not usable (e.g. a peer given by host name). */
  readonly warnings: readonly string[];
}

/** Why a string is not a usable magnet link. */
export type MagnetErrorCode =
  /** Does not start with `magnet:?`. */
  | 'not-magnet'
  /** Longer than {@link MAX_MAGNET_LENGTH}, or more parameters than the limits allow. */
  | 'too-long'
  /** A `%` escape that is not valid (or not valid UTF-8). */
  | 'bad-encoding'
  /** No `xt=urn:btih:` (and no `urn:btmh:` either). */
  | 'no-info-hash'
  /** `urn:btih:` value that is neither 40 hex nor 32 base32 characters. */
  | 'bad-info-hash'
  /** Two different `urn:btih:` hashes in one link. */
  | 'conflicting-info-hash'
  /** Only a BEP 52 `urn:btmh:` (v2) hash: statorrent speaks v1. */
  | 'v2-only'
  /** An `x.pe` value that is not `ip:port` or `[ipv6]:port`. */
  | 'bad-peer';

/** A rejected magnet link, with one line a person can act on. */
export interface MagnetError {
  readonly _tag: 'MagnetError';
  readonly code: MagnetErrorCode;
  readonly message: string;
}

/** Constructs a {@link MagnetError}. */
export const magnetError = (code: MagnetErrorCode, detail: string): MagnetError => ({
  _tag: 'MagnetError',
  code,
  message: `invalid magnet link: ${detail}`,
});

/** Longest magnet link accepted: 64 KiB (real links are a few hundred bytes). */
export const MAX_MAGNET_LENGTH = 64 * 1024;
/** Most `tr` trackers taken from one link. */
export const MAX_MAGNET_TRACKERS = 200;
/** Most `x.pe` peers taken from one link. */
export const MAX_MAGNET_PEERS = 200;
/** Most `ws` web seeds taken from one link. */
export const MAX_MAGNET_WEB_SEEDS = 50;
