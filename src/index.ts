/**
 * statorrent: a BitTorrent client, seeder and tracker whose protocol states are XState
 * machines fed by RxJS streams. This is the library entry point.
 *
 * Start with {@link Session}: `Session.start({ port })`, then `session.add({ metainfo,
 * downloadDir })` returns a {@link TorrentHandle} whose `progress$` and `events$` are
 * Observables. Load torrents with {@link loadMetainfo}, make them with {@link createTorrent},
 * run a tracker with {@link startTracker}.
 * @packageDocumentation
 */
export * from './bencode/index.js';
export * from './metainfo/index.js';
export * from './wire/index.js';
export {
  Bitfield,
  Availability,
  BLOCK_SIZE,
  PieceGeometry,
  PiecePicker,
  pipelineDepth,
  type BlockRequest,
  type PeerView,
} from './pieces/index.js';
export * from './storage/index.js';
export * from './tracker/client/index.js';
export {
  startTracker,
  parseWhitelist,
  defaultTrackerLimits,
  type TrackerOptions,
  type TrackerServer,
  type TrackerEvent,
  type TrackerStats,
  type TrackerLimits,
} from './tracker/server/index.js';
export { Session, type SessionDhtOptions, type SessionOptions } from './session/session.js';
export type { EncryptionPolicy, PeerEncryption } from './mse/mseTypes.js';
export { DEFAULT_BOOTSTRAP, resolveBootstrap } from './session/dhtBootstrap.js';
export type { DhtNode, LookupProgress } from './session/dhtNode.js';
export type { TorrentHandle, TorrentRunOptions } from './session/torrentRuntime.js';
export type { TorrentEvent, TorrentProgress, TorrentState } from './session/types.js';
export type { InspectorSource, InspectorSnapshot, MachineStep, MachineNow, PeerRow, PeerSource, PieceMapSnapshot, TrackerActivity, StepCause } from './session/inspectorSource.js';
export { startInspectorServer, type InspectorServer, type InspectorContent, type InspectorServerOptions } from './session/inspector/inspectorServer.js';
export { PeerPool, endpointKey, type PeerEndpoint } from './peers/peerPool.js';
export * from './choking/chokeDecision.js';
