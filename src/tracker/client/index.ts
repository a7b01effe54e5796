/**
 * Tracker clients: HTTP(S) announce and scrape (BEP 3, 7, 23, 48), UDP announce (BEP 15) and
 * multitracker tiers (BEP 12). Every client is a function returning
 * `TaskEither<TrackerError, …>` that never rejects.
 */
export * from '../types.js';
export { announce, type AnnounceOptions } from './announce.js';
export { buildAnnounceUrl, appendQuery } from './announceUrl.js';
export { DEFAULT_MAX_PEERS_PER_REPLY, parseCompactPeers4, parseCompactPeers6, formatIPv6 } from './compactPeers.js';
export { httpAnnounce, decodeAnnounceBody } from './httpAnnounce.js';
export { decodeHttpAnnounceReply, type HttpAnnounceReply } from './httpAnnounceReply.js';
export {
  DEFAULT_HTTP_TIMEOUT_MS, DEFAULT_MAX_BODY_BYTES, DEFAULT_MAX_REDIRECTS, type HostLookup, type HttpTrackerOptions,
} from './httpGet.js';
export { httpScrape, scrapeUrlOf, type ScrapeStats } from './httpScrape.js';
export { clampInterval, MAX_ANNOUNCE_INTERVAL_S, MIN_ANNOUNCE_INTERVAL_S } from './intervals.js';
export { percentDecodeBytes, percentEncodeBytes } from './percentEncoding.js';
export {
  announceTiers, TrackerTiers, DEFAULT_TRACKER_MAX_WAIT_MS, DEFAULT_TRACKER_PATIENCE_MS,
  type AnnounceOne, type AnnounceTiersOptions, type InFlightAnnounce, type TierAnnounceResult,
} from './trackerTiers.js';
export {
  udpAnnounce, parseUdpUrl, DEFAULT_UDP_MAX_RETRANSMITS, DEFAULT_UDP_RETRANSMIT_BASE_MS, type UdpTrackerOptions,
} from './udpAnnounce.js';
export { addressScope, checkTrackerAddress, type AddressScope, type PolicyVerdict } from './trackerUrlPolicy.js';
export { UdpConnectionCache } from './udpConnectionCache.js';
export { decodeUdpReply, encodeAnnounceRequest, encodeConnectRequest, UDP_PROTOCOL_ID, type UdpReply } from './udpPackets.js';
export {
  createTieredAnnouncer, type AnnounceIdentity, type TieredAnnouncer, type TieredAnnouncerOptions, type TransferStats,
} from './tieredAnnouncer.js';
