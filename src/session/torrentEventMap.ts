import type { AnyActorRef } from 'xstate';
import type { PeerEndpoint } from '../peers/peerPool.js';
import type { TorrentEvent } from './types.js';

/** Where the announce machine's emitted events go. */
export interface AnnounceSinks {
  readonly peers: (peers: readonly PeerEndpoint[]) => void;
  readonly event: (event: TorrentEvent) => void;
}

/** Maps the announce machine's emitted events to peers for the torrent and public events. */
export function mapAnnounceEvents(announce: AnyActorRef, sinks: AnnounceSinks): void {
  announce.on('peers', (e: { peers: readonly PeerEndpoint[] }) => sinks.peers(e.peers));
  announce.on('announced', (e: { response: { peers: readonly unknown[]; complete?: number; incomplete?: number } }) =>
    sinks.event({
      type: 'announced',
      peers: e.response.peers.length,
      ...(e.response.complete !== undefined ? { seeders: e.response.complete } : {}),
      ...(e.response.incomplete !== undefined ? { leechers: e.response.incomplete } : {}),
    }),
  );
  announce.on('trackerError', (e: { error: { message: string } }) => sinks.event({ type: 'trackerError', message: e.error.message }));
  announce.on('trackerWarning', (e: { message: string }) => sinks.event({ type: 'trackerWarning', message: e.message }));
}
