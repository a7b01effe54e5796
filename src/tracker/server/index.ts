/** The tracker server: HTTP (BEP 3, 7, 23, 48) and UDP (BEP 15) fronts over one swarm store. */
export { startTracker, type TrackerOptions, type TrackerServer } from './trackerServer.js';
export type { TrackerEvent, TrackerStats } from './trackerEvents.js';
export { defaultTrackerLimits, type TrackerLimits } from './trackerLimits.js';
export { parseWhitelist } from './infoHashWhitelist.js';
export { TrackerService, type TrackerServiceOptions } from './trackerService.js';
export { SwarmStore, type SwarmStoreOptions, type PeerRemoval, type PeerRemovalReason, type StoreTotals } from './swarmStore.js';
export { ConnectionIds } from './connectionIds.js';
export { UDP_PROTOCOL_ID } from './udpPackets.js';
export type { PeerEndpoint, PeerView, ServerAnnounce, ServerAnnounceEvent, SwarmCounts, TrackerProtocol, AnnounceOutcome } from './peerTypes.js';
