import { connect, type Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { createActor, toPromise, type Actor, type InspectionEvent } from 'xstate';
import { metadataMachine, type MetadataEmitted } from '../../machines/metadata.machine.js';
import { peerMachine, type PeerEvent, type PeerMachine } from '../../machines/peer.machine.js';
import { peerConnection } from '../../streams/peerConnection.js';
import { handleExtensionCommand } from '../../streams/peerExtensions.js';
import { encodeUtMetadata, ourExtendedHandshake, UT_METADATA } from '../extensions/index.js';
import type { MagnetLink } from '../magnet/magnetLink.js';
import { packageVersion } from '../metainfo/packageVersion.js';
import { endpointKey, type PeerEndpoint } from '../peers/peerPool.js';
import { createTieredAnnouncer } from '../tracker/client/tieredAnnouncer.js';
import { TrackerTiers } from '../tracker/client/trackerTiers.js';
import type { Subscription } from 'rxjs';
import type { TorrentHost } from './torrentHandle.js';
import type { TorrentEvent } from './types.js';
import { mseDialled } from '../../streams/mseHandshake.js';
import type { CarriedSocket } from '../../streams/wireTransport.js';

/** How the metadata of a magnet link is fetched. */
export interface MetadataFetchOptions {
  readonly magnet: MagnetLink;
  /** Peers to dial besides the link's `x.pe` and what its trackers return (`--peer`). */
  readonly peers?: readonly PeerEndpoint[];
  /** Ask the link's `tr=` trackers (default true). */
  readonly useTrackers?: boolean;
  /** Most connections at once (default 20). */
  readonly maxPeers?: number;
  readonly inspect?: (event: InspectionEvent) => void;
  /** Metadata pieces held so far. */
  readonly onProgress: (received: number, total: number) => void;
  readonly onEvent: (event: TorrentEvent) => void;
}

/** A fetch in progress: settles with the verified info dictionary, or why there is none. */
export interface MetadataFetch {
  readonly result: Promise<E.Either<string, Uint8Array>>;
  /** Stops the fetch (closes every connection); the result says it was stopped. */
  stop(): void;
}

/** How long to wait before asking the trackers again while no metadata came. */
const REANNOUNCE_MS = 15_000;

/**
 * Fetches a magnet link's info dictionary (BEP 9): dials the link's peers, `--peer` peers and
 * those its trackers and the session's DHT return, runs one peer machine per connection (pieces not yet known, so
 * piece messages are framed but ignored) and one metadata machine fed by their ut_metadata
 * traffic. A peer the metadata machine penalises is closed. The connections end with the fetch;
 * the torrent dials its peers again once it knows what it is downloading.
 */
export function fetchMetadata(host: TorrentHost, o: MetadataFetchOptions): MetadataFetch {
  const magnet = o.magnet;
  const maxPeers = o.maxPeers ?? 20;
  const fetcher = createActor(metadataMachine, { input: { infoHashHex: magnet.infoHashHex }, ...(o.inspect ? { inspect: o.inspect } : {}) });
  const peers = new Map<string, Actor<PeerMachine>>();
  const notifiers = new Map<string, (e: PeerEvent) => void>();
  const tried = new Set<string>();
  const queue: PeerEndpoint[] = [];
  let over = false;
  let reannounce: NodeJS.Timeout | undefined;
  const abort = new AbortController();
  let resolveStopped: (r: E.Either<string, Uint8Array>) => void = () => undefined;
  const stopped = new Promise<E.Either<string, Uint8Array>>((resolve) => (resolveStopped = resolve));

  const extended = ourExtendedHandshake({ private: true, client: `statorrent ${packageVersion()}`, port: host.port });
  const connection = peerConnection({
    infoHash: magnet.infoHash,
    peerId: host.peerId,
    pieceCount: null,
    ignorePieceState: true,
    extensions: new Set([UT_METADATA]),
    socketFor: (input) => (input.endpoint === undefined ? undefined : dial(input.endpoint)),
    attach: (link) => {
      const id = endpointKey(link.input.endpoint ?? { ip: '', port: 0 });
      notifiers.set(id, link.notify);
      return {
        command: (c) =>
          void handleExtensionCommand(c, link.notify, {
            infoBytes: () => undefined, // nothing to serve yet: requests are rejected
            negotiated: (h) => {
              if (h.metadataSize !== undefined) fetcher.send({ type: 'PEER_HAS_METADATA', peerId: id, size: h.metadataSize });
            },
            metadata: (m) =>
              fetcher.send(m.type === 'data' ? { type: 'PIECE_RECEIVED', peerId: id, piece: m.piece, totalSize: m.totalSize, data: m.data } : { type: 'PIECE_REJECTED', peerId: id, piece: m.piece }),
          }),
        closed: (reason) => {
          notifiers.delete(id);
          if (over) return;
          o.onEvent({ type: 'peerClosed', id, reason: reason.message });
          queueMicrotask(() => {
            peers.get(id)?.stop();
            peers.delete(id);
            if (fetcher.getSnapshot().status === 'active') fetcher.send({ type: 'PEER_GONE', peerId: id });
            dialMore();
          });
        },
      };
    },
  });
  const machine = peerMachine.provide({ actors: { connection } });

  const sockets = new Set<Socket>();
  const dial = (endpoint: PeerEndpoint): Socket | CarriedSocket => {
    const socket = connect({ host: endpoint.ip, port: endpoint.port, ...(host.localAddress ? { localAddress: host.localAddress } : {}) });
    socket.setNoDelay(true);
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
    if (host.encryption !== 'require') return socket;
    return mseDialled(socket, magnet.infoHash, 'require');
  };
  /** Every socket of the fetch has closed (Transmission refuses a second connection from an IP it still has one from). */
  const allClosed = (): Promise<void> => Promise.all([...sockets].map((s) => new Promise<void>((resolve) => (s.destroyed && s.closed ? resolve() : s.once('close', () => resolve()))))).then(() => undefined);
  const self = (p: PeerEndpoint): boolean => p.port === host.port && (p.ip === '127.0.0.1' || p.ip === host.localAddress);
  const discover = (found: readonly PeerEndpoint[]): void => {
    for (const p of found) {
      const key = endpointKey(p);
      if (tried.has(key) || self(p) || queue.some((q) => endpointKey(q) === key)) continue;
      queue.push(p);
    }
    dialMore();
  };
  const dialMore = (): void => {
    while (!over && peers.size < maxPeers && queue.length > 0) {
      const endpoint = queue.shift()!;
      const id = endpointKey(endpoint);
      tried.add(id);
      const actor = createActor(machine, {
        input: { infoHash: magnet.infoHash, peerId: host.peerId, pieceCount: 0, outgoing: true, endpoint, extended },
        ...(o.inspect ? { inspect: o.inspect } : {}),
      });
      peers.set(id, actor);
      actor.subscribe((s) => {
        if (s.matches('active') && s.context.client !== '' && !connected.has(id)) {
          connected.add(id);
          o.onEvent({ type: 'peerConnected', id, client: s.context.client });
        }
      });
      actor.start();
    }
  };
  const connected = new Set<string>();

  fetcher.on('requestPiece', (e: Extract<MetadataEmitted, { type: 'requestPiece' }>) =>
    notifiers.get(e.peerId)?.({ type: 'SEND_EXTENDED', extension: UT_METADATA, payload: encodeUtMetadata({ type: 'request', piece: e.piece }) }),
  );
  fetcher.on('peerPenalised', (e: Extract<MetadataEmitted, { type: 'peerPenalised' }>) => {
    o.onEvent({ type: 'peerPenalised', id: e.peerId, reason: e.reason, message: e.message });
    notifiers.get(e.peerId)?.({ type: 'CLOSE', message: `peer ${e.message}` });
  });
  fetcher.on('metadataProgress', (e: Extract<MetadataEmitted, { type: 'metadataProgress' }>) => o.onProgress(e.received, e.total));

  const trackers = o.useTrackers === false ? [] : magnet.trackers;
  const announcer =
    trackers.length === 0
      ? undefined
      : createTieredAnnouncer(
          new TrackerTiers(trackers.map((t) => [t])),
          { infoHash: magnet.infoHash, peerId: host.peerId, port: host.port },
          // the size is unknown until the metadata arrives; any non-zero `left` says "leecher"
          () => ({ uploaded: 0, downloaded: 0, left: 16_384 }),
          {
            ...(host.localAddress ? { localAddress: host.localAddress } : {}),
            onTrackerError: (e) => o.onEvent({ type: 'trackerError', message: e.message }),
            onLateReply: (r) => discover(r.peers),
          },
        );
  // BEP 5: a magnet's peers also come from the DHT (a link without `tr=` has no other source);
  // whether the torrent is private (BEP 27) is only known once its metadata arrives
  let dhtLookup: Subscription | undefined;
  const askDht = (): void => {
    if (host.dht === undefined || over) return;
    dhtLookup?.unsubscribe();
    let found = 0;
    dhtLookup = host.dht.getPeers(magnet.infoHash).subscribe({
      next: (p) => {
        found++;
        discover([{ ip: p.ip, port: p.port }]);
      },
      complete: () => o.onEvent({ type: 'dhtLookup', peers: found }),
      error: () => undefined,
    });
  };
  const announce = (): void => {
    askDht();
    if (over) return;
    if (announcer === undefined) {
      if (host.dht !== undefined) {
        reannounce = setTimeout(announce, REANNOUNCE_MS);
        reannounce.unref();
      }
      return;
    }
    announcer('started', abort.signal).then(
      (r) => {
        o.onEvent({ type: 'announced', peers: r.peers.length });
        discover(r.peers);
      },
      (e: unknown) => o.onEvent({ type: 'trackerError', message: e instanceof Error ? e.message : String(e) }),
    );
    reannounce = setTimeout(announce, REANNOUNCE_MS);
    reannounce.unref();
  };

  const finish = (): void => {
    over = true;
    if (reannounce !== undefined) clearTimeout(reannounce);
    dhtLookup?.unsubscribe();
    abort.abort();
    announcer?.close();
    for (const a of peers.values()) a.stop();
    peers.clear();
  };
  fetcher.start();
  const result = toPromise(fetcher)
    .then(
      // no output: the fetch was stopped before it finished
      (out: { infoBytes: Uint8Array } | undefined): E.Either<string, Uint8Array> => (out === undefined ? E.left('stopped before the metadata arrived') : E.right(out.infoBytes)),
      (e: unknown): E.Either<string, Uint8Array> => E.left(e instanceof Error ? e.message : String(e)),
    )
    .then(async (r) => {
      finish();
      await allClosed();
      return r;
    });
  discover([...magnet.peers, ...(o.peers ?? [])]);
  announce();
  return {
    result: Promise.race([result, stopped]),
    stop: () => {
      finish();
      resolveStopped(E.left('stopped before the metadata arrived'));
      fetcher.stop();
    },
  };
}
