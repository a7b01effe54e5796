import type { Socket } from 'node:net';
import { BehaviorSubject, Subject } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { createActor, fromCallback, fromPromise } from 'xstate';
import { announceMachine } from '../../machines/announce.machine.js';
import { chokerMachine, type PeersRead } from '../../machines/choker.machine.js';
import { dhtAnnounceMachine, type DhtAnnounceEvent } from '../../machines/dhtAnnounce.machine.js';
import { peerMachine } from '../../machines/peer.machine.js';
import { torrentMachine, type TorrentActor, type TorrentEmitted } from '../../machines/torrent.machine.js';
import { DownloadFlow } from '../../streams/downloadFlow.js';
import type { PeerRecord } from '../../streams/peerRecord.js';
import { UploadFlow } from '../../streams/uploadFlow.js';
import { prefersEncryption } from '../extensions/pexFlags.js';
import { peerSourcesAllowed } from '../extensions/peerSources.js';
import { ipOfEndpointKey, type PeerSource } from '../peers/peerPool.js';
import { Bitfield } from '../pieces/bitfield.js';
import { PiecePicker } from '../pieces/piecePicker.js';
import { RateMeter } from '../stats/rateMeter.js';
import { resumeCheck } from '../storage/resumeCheck.js';
import { TorrentStorage } from '../storage/torrentStorage.js';
import { SmartBan, type Culprit } from '../trust/smartBan.js';
import { createTieredAnnouncer } from '../tracker/client/tieredAnnouncer.js';
import { TrackerTiers } from '../tracker/client/trackerTiers.js';
import type { AnnounceEvent, AnnounceResponse } from '../tracker/types.js';
import type { DhtNode } from './dhtNode.js';
import { mapAnnounceEvents } from './torrentEventMap.js';
import type { TorrentHandle, TorrentHost, TorrentRunOptions } from './torrentHandle.js';
import { TorrentPeers } from './torrentPeers.js';
import { TorrentPex } from './torrentPex.js';
import { progressSnapshot, stateOf } from './torrentProgress.js';
import type { TorrentEvent, TorrentProgress } from './types.js';
import { TorrentInspection } from './torrentInspection.js';
import { VerifiedRouting } from './verifiedRouting.js';
import { toHex } from '../wire/hex.js';
import type { WireTransport } from '../../streams/wireTransport.js';

export type { TorrentHandle, TorrentHost, TorrentRunOptions } from './torrentHandle.js';

/**
 * The composition root of one torrent: storage, piece picker and the two data flows, the
 * torrent machine with its provided actors (resume check, announcer, choker, peer machines
 * with their connection actor), and the public handle's streams.
 */
export class TorrentRuntime implements TorrentHandle {
  readonly infoHashHex: string;
  readonly name: string;
  readonly progress$: BehaviorSubject<TorrentProgress>;
  readonly events$ = new Subject<TorrentEvent>();
  readonly completed: Promise<void>;
  private readonly have: Bitfield;
  private readonly picker: PiecePicker;
  private readonly peers: TorrentPeers;
  private readonly pex: TorrentPex;
  private readonly downTotal = new RateMeter();
  private readonly upTotal = new RateMeter();
  /** The session's DHT node when this torrent may use it (never for a private torrent, BEP 27). */
  private readonly dht: DhtNode | undefined;
  /** Where each dialled peer came from, until it closes (for `peerConnected`). */
  private readonly dialSources = new Map<string, PeerSource>();
  /** Verified pieces reach the torrent machine and connected peers in batches. */
  private readonly verifiedRouting = new VerifiedRouting<PeerRecord>({
    connected: () => this.peers.records.values(), // a closed one's batch is dropped in toPeer
    toTorrent: (indices, culprits) => {
      if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PIECES_VERIFIED', indices, culprits });
    },
    toPeer: (p, indices) => {
      if (!p.closed) p.notify({ type: 'PIECES_VERIFIED', indices });
    },
    complete: () => this.have.isComplete,
  });
  /** The torrent machine's actor (its system holds the peer, announce and choker actors). */
  readonly actor: TorrentActor;
  /** Read-only views for the live inspector (`Session.inspect`); costs nothing until watched. */
  readonly inspection: TorrentInspection;
  private verifiedBytes = 0;
  private checkedPieces = 0;
  private ticker: NodeJS.Timeout | undefined;
  private resolveCompleted!: () => void;
  private rejectCompleted!: (e: Error) => void;
  /** Settles once the torrent has stopped and its files are closed. */
  readonly stopped$: Promise<void>;
  private resolveStopped!: () => void;

  private constructor(
    private readonly options: TorrentRunOptions,
    private readonly host: TorrentHost,
    private readonly storage: TorrentStorage,
  ) {
    const m = options.metainfo;
    this.infoHashHex = m.infoHashHex;
    this.name = m.name;
    this.dht = peerSourcesAllowed(m).dht ? host.dht : undefined;
    this.have = new Bitfield(m.pieceCount);
    this.picker = new PiecePicker(m.pieceLength, m.totalLength);
    const now = (): number => Date.now();
    const records = new Map<string, PeerRecord>();
    this.pex = new TorrentPex(m, records, {
      discovered: (from, added) => {
        this.events$.next({ type: 'peersDiscovered', source: 'pex', from, peers: added.length });
        // BEP 11 0x01: under `accept` these are dialled with MSE first (as libtorrent does)
        this.peers.preferEncrypted(added.filter((p) => prefersEncryption(p.flags)));
        const peers = added.map(({ ip, port }) => ({ ip, port }));
        if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PEERS_DISCOVERED', peers, source: 'pex' });
      },
    });
    const smartBan = new SmartBan();
    const download = new DownloadFlow(this.picker, storage, this.have, records, this.downTotal, {
      pieceVerified: (i, culprits) => this.onPieceVerified(i, culprits),
      pieceFailed: (i, culprits) => {
        this.events$.next({ type: 'pieceFailed', index: i });
        this.actor.send({ type: 'PIECE_FAILED', index: i, culprits });
      },
      storageFailed: (message) => this.actor.send({ type: 'STORAGE_ERROR', message }),
      peerMisbehaved: (peer, message) => this.misbehaved(peer, message),
    }, now, smartBan);
    const upload = new UploadFlow(
      storage,
      this.have,
      this.upTotal,
      now,
      (peer, message) => this.misbehaved(peer, message),
      (index, error) => this.onPieceLost(index, `piece ${index} is no longer served: ${error.message}`),
    );
    this.peers = new TorrentPeers({
      metainfo: m,
      records,
      ourPeerId: host.peerId,
      localAddress: host.localAddress,
      listenPort: host.port,
      have: this.have,
      availability: this.picker.availability,
      download,
      upload,
      onWire: options.onWire,
      connected: (id, client, encryption) => this.events$.next({ type: 'peerConnected', id, client, source: this.dialSources.get(id) ?? 'incoming', encryption }),
      // the torrent machine keeps one connection per peer id; after the peer machine's own step,
      // like PEER_CLOSED below, so the CLOSE it may send finds that machine idle
      identified: (id, endpoint, outgoing, peerId) =>
        queueMicrotask(() => {
          if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PEER_IDENTIFIED', id, endpoint, outgoing, peerId });
        }),
      closed: (id, endpoint, reason, failed) => {
        this.dialSources.delete(id);
        this.events$.next({ type: 'peerClosed', id, reason: reason.message });
        // after the peer machine's own step: the torrent machine stops that child
        queueMicrotask(() => {
          if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PEER_CLOSED', id, endpoint, failed });
        });
      },
      peersChanged: () => this.actor.system.get('choker')?.send({ type: 'PEERS_CHANGED' }),
      extensionSinks: (id, endpoint) => ({
        ...this.pex.sinks(id, endpoint),
        // BEP 10 `p`: where the peer listens, so the dialer leaves that address alone while it is connected
        negotiated: (handshake) => {
          const port = handshake.p;
          const record = records.get(id);
          // a later handshake that says the same (or nothing) is no news for the machine
          if (port === undefined || record === undefined || record.listenPort === port) return;
          record.listenPort = port; // PEX may vouch for it (TorrentPex)
          // at once, like PEX's addresses: a ut_pex message right behind it finds the address held
          if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PEER_LISTENS', id, port });
        },
      }),
      ...(host.encryption !== undefined ? { encryption: host.encryption } : {}),
      ...(this.dht === undefined ? {} : { dht: { port: this.dht.address.port, nodeSeen: (e: { ip: string; port: number }) => void this.dht?.addNode(e) } }),
    });
    this.completed = new Promise<void>((resolve, reject) => {
      this.resolveCompleted = resolve;
      this.rejectCompleted = reject;
    });
    this.completed.catch(() => undefined); // callers may not listen; the error is also an event
    this.stopped$ = new Promise<void>((resolve) => (this.resolveStopped = resolve));
    this.actor = this.createActor();
    this.inspection = new TorrentInspection({
      infoHashHex: m.infoHashHex,
      name: m.name,
      pieceCount: m.pieceCount,
      actor: this.actor,
      records: this.peers.records,
      picker: this.picker,
      have: this.have,
      downTotal: this.downTotal,
      upTotal: this.upTotal,
      manualPeers: options.peers ?? [],
      dialSource: (id) => this.dialSources.get(id),
      suspicion: (ip) => smartBan.suspicionOf(ip),
      now: () => Date.now(),
    });
    this.events$.subscribe((e) => this.inspection.onEvent(e));
    this.progress$ = new BehaviorSubject(this.snapshot());
  }

  /** Opens storage under the download folder and starts the torrent. */
  static async start(options: TorrentRunOptions, host: TorrentHost): Promise<E.Either<string, TorrentRuntime>> {
    const storage = await TorrentStorage.open(options.downloadDir, options.metainfo);
    if (E.isLeft(storage)) return E.left(storage.left.message);
    const rt = new TorrentRuntime(options, host, storage.right);
    // start on the next turn, so a caller subscribing to events$ right after `add()` resolves
    // sees every event, `checked` included (it can come within a microtask with skipCheck)
    setImmediate(() => rt.run());
    return E.right(rt);
  }

  pause(): void {
    this.actor.send({ type: 'PAUSE' });
  }

  resume(): void {
    this.actor.send({ type: 'RESUME' });
  }

  async stop(): Promise<void> {
    if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'STOP' });
    await this.stopped$;
  }

  /** An accepted connection whose handshake names this torrent. */
  acceptIncoming(socket: Socket, transport?: WireTransport): void {
    this.peers.acceptIncoming(socket, transport, (endpoint) => this.actor.send({ type: 'INCOMING_PEER', endpoint }));
  }

  private createActor(): TorrentActor {
    const m = this.options.metainfo;
    const tiers = this.options.useTrackers === false ? [] : m.announceList;
    const tieredAnnounce = createTieredAnnouncer(
      new TrackerTiers(tiers),
      { infoHash: m.infoHash, peerId: this.host.peerId, port: this.host.port },
      () => ({ uploaded: this.upTotal.total, downloaded: this.downTotal.total, left: m.totalLength - this.verifiedBytes }),
      {
        // announce from where we listen, so trackers list an address that answers
        ...(this.host.localAddress ? { localAddress: this.host.localAddress } : {}),
        // trackers skipped or refused while another answered still say why (--verbose)
        onTrackerError: (e) => this.events$.next({ type: 'trackerError', message: e.message }),
        // a slow tracker that answered after a faster one: its peers still count
        onLateReply: (r) => {
          if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PEERS_DISCOVERED', peers: r.peers });
          this.events$.next({ type: 'announced', peers: r.peers.length, ...(r.complete !== undefined ? { seeders: r.complete } : {}), ...(r.incomplete !== undefined ? { leechers: r.incomplete } : {}) });
        },
      },
    );
    const announcer = announceMachine.provide({
      actors: {
        announce: fromPromise(({ input, signal }: { input: { event: AnnounceEvent }; signal: AbortSignal }): Promise<AnnounceResponse> =>
          tieredAnnounce(input.event, signal),
        ),
      },
    });
    // the wall clock and randomness enter the choker here, as data of its PEERS_READ events
    const choker = chokerMachine.provide({
      actors: {
        readPeers: fromCallback(({ sendBack, receive }) => {
          receive(() =>
            sendBack({ type: 'PEERS_READ', peers: this.peers.chokeCandidates(this.have.isComplete, Date.now()), now: Date.now(), draw: Math.random() } satisfies PeersRead),
          );
        }),
      },
    });
    // one DHT lookup (get_peers, then announce_peer to the nearest nodes; BEP 5); peers go to
    // the torrent as each node answers, and the lookup's own machine goes into the trace
    const dht = this.dht;
    const dhtAnnouncer = dhtAnnounceMachine.provide({
      actors: {
        lookup: fromCallback(({ sendBack }: { sendBack: (e: DhtAnnounceEvent) => void }) => {
          if (dht === undefined) return sendBack({ type: 'LOOKUP_DONE', answered: 0 });
          const inspect = this.options.inspect;
          let answered = 0;
          const sub = dht.announceSteps(m.infoHash, this.host.port, inspect === undefined ? {} : { inspect }).subscribe({
            next: (e) => {
              if (e.type === 'answered') answered++;
              if (e.type === 'peers' && e.peers.length > 0) sendBack({ type: 'PEERS', peers: e.peers });
            },
            complete: () => sendBack({ type: 'LOOKUP_DONE', answered }),
            error: () => sendBack({ type: 'LOOKUP_DONE', answered }),
          });
          return () => sub.unsubscribe();
        }),
      },
    });
    const machine = torrentMachine.provide({
      actors: {
        checkPieces: fromPromise(async ({ signal }) => {
          const found =
            this.options.skipCheck === true
              ? Bitfield.full(m.pieceCount)
              : await resumeCheck(this.storage, { signal, onProgress: (checked) => (this.checkedPieces = checked) });
          if (this.options.skipCheck === true) found.forEachSet((i) => this.storage.markVerified(i));
          found.forEachSet((i) => {
            this.have.set(i);
            this.verifiedBytes += this.storage.pieceSize(i);
          });
          this.picker.setHave(found);
          this.events$.next({ type: 'checked', verifiedPieces: found.count });
          return found.count;
        }),
        peer: peerMachine.provide({ actors: { connection: this.peers.connection } }),
        announcer,
        choker,
        dhtAnnouncer,
      },
    });
    const actor = createActor(machine, {
      input: {
        pieceCount: m.pieceCount,
        maxPeers: this.options.maxPeers ?? 50,
        // shared cores each peer machine builds its own pieces core on (endpoint/outgoing added per peer)
        peerInput: this.peers.peerInput,
        self: [{ ip: '127.0.0.1', port: this.host.port }, ...(this.host.localAddress ? [{ ip: this.host.localAddress, port: this.host.port }] : [])],
        announcerInput: { noTrackers: tiers.length === 0 },
        dhtInput: { disabled: dht === undefined },
        ...(this.host.bans !== undefined ? { bans: this.host.bans } : {}),
        peerId: toHex(this.host.peerId),
      },
      ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
    });
    actor.on('*', (e) => this.onTorrentEmitted(e as TorrentEmitted));
    // a ban by any torrent of the session also ends this torrent's connections from that IP
    const unwatchBans = this.host.bans?.onBan((ip, reason) => this.peers.closeIp(ip, `banned: ${reason}`));
    if (unwatchBans !== undefined) actor.subscribe({ complete: unwatchBans, error: unwatchBans });
    // slow trackers' requests may outlive the announce that started them: end them with the torrent
    actor.subscribe({ complete: () => tieredAnnounce.close(), error: () => tieredAnnounce.close() });
    actor.subscribe({
      complete: () => this.onDone(),
      // a throwing actor must not leave `completed` unsettled and the ticker running
      error: (err) => {
        const message = err instanceof Error ? err.message : String(err);
        this.events$.next({ type: 'error', message: `internal error: ${message}` });
        this.rejectCompleted(new Error(message));
        this.onDone();
      },
    });
    return actor;
  }

  private run(): void {
    this.actor.start();
    const announce = this.actor.system.get('announce');
    if (announce !== undefined) {
      mapAnnounceEvents(announce, {
        peers: (peers) => this.actor.send({ type: 'PEERS_DISCOVERED', peers }),
        event: (e) => this.events$.next(e),
      });
    }
    const dhtRef = this.actor.system.get('dht');
    if (dhtRef !== undefined && this.dht !== undefined) {
      dhtRef.on('peers', (e: { peers: readonly { ip: string; port: number }[] }) => {
        if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PEERS_DISCOVERED', peers: e.peers, source: 'dht' });
      });
      dhtRef.on('looked', (e: { peers: number }) => this.events$.next({ type: 'dhtLookup', peers: e.peers }));
    }
    const extra = this.options.peers ?? [];
    let extraSent = extra.length === 0;
    let lastState = stateOf(this.actor);
    this.actor.subscribe((snap) => {
      if (snap.status !== 'active') return;
      // known peers join the pool once the check is done (the machine buffers nothing before `active`)
      if (!extraSent && snap.matches('active')) {
        extraSent = true;
        queueMicrotask(() => this.actor.send({ type: 'PEERS_DISCOVERED', peers: extra, source: 'user' }));
      }
      // the torrent machine alone decides completion: seeding means every piece is verified
      if (snap.matches({ active: { transfer: 'seeding' } })) this.resolveCompleted();
      // a new snapshot whenever the lifecycle state changes (e.g. checking -> seeding), not only on the tick
      const state = stateOf(this.actor);
      if (state === lastState) return;
      lastState = state;
      this.progress$.next(this.snapshot());
    });
    this.progress$.next(this.snapshot());
    this.ticker = setInterval(() => this.progress$.next(this.snapshot()), 1000);
    this.ticker.unref();
  }

  /** A peer ran past one of the data plane's bounds: the torrent machine bans its IP (and closes it). */
  private misbehaved(peer: PeerRecord, message: string): void {
    peer.notify({ type: 'CLOSE', message: `peer ${message}` });
    if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PEER_MISBEHAVED', culprits: [{ ip: peer.endpoint.ip, reason: message }] });
  }

  private onTorrentEmitted(e: TorrentEmitted): void {
    switch (e.type) {
      case 'rejectIncoming':
        this.peers.rejectIncoming(e.endpoint);
        break;
      case 'ban':
        this.events$.next({ type: 'banned', ip: e.ip, reason: e.reason });
        break;
      case 'completed':
        this.events$.next({ type: 'completed' });
        break;
      case 'failed':
        this.events$.next({ type: 'error', message: e.message });
        this.rejectCompleted(new Error(e.message));
        break;
      case 'storageFailed':
        // paused with verified data kept: `resume()` retries once the folder is fixed
        this.events$.next({ type: 'error', message: e.message });
        this.rejectCompleted(new Error(`${e.message} (torrent paused; verified data is kept)`));
        break;
      case 'dial': // the peer's connection actor dials
        this.dialSources.set(e.id, e.source);
        break;
      case 'stopped':
        break;
    }
  }

  /**
   * The torrent machine and each connected peer's machine hear of `index` in their next batch
   * ({@link VerifiedRouting}); a peer connected meanwhile learns of it from our bitfield instead.
   */
  private onPieceVerified(index: number, culprits: readonly Culprit[]): void {
    this.verifiedBytes += this.storage.pieceSize(index);
    this.events$.next({ type: 'pieceVerified', index });
    this.verifiedRouting.verified(index, culprits);
  }

  /**
   * A verified piece can no longer be read (UploadFlow already cleared it from `have`): it is
   * missing again everywhere, so the normal data plane fetches, checks and writes it anew, as
   * libtorrent does after a read error. Peers that have it become interesting again, and the
   * torrent machine leaves seeding until it is back.
   */
  private onPieceLost(index: number, message: string): void {
    this.verifiedRouting.beforeLoss();
    this.storage.markMissing(index);
    if (this.picker.onPieceLost(index)) this.verifiedBytes -= this.storage.pieceSize(index);
    this.peers.pieceLost(index);
    // the machine first, so whoever hears the event sees the torrent downloading again
    if (this.actor.getSnapshot().status === 'active') this.actor.send({ type: 'PIECE_LOST', index });
    this.events$.next({ type: 'pieceLost', index, message });
  }

  private snapshot(): TorrentProgress {
    return progressSnapshot(
      {
        metainfo: this.options.metainfo,
        actor: this.actor,
        verifiedPieces: this.have.count,
        checkedPieces: this.checkedPieces,
        verifiedBytes: this.verifiedBytes,
        downTotal: this.downTotal,
        upTotal: this.upTotal,
        peers: this.peers.connectedCount,
      },
      Date.now(),
    );
  }

  private onDone(): void {
    if (this.ticker) clearInterval(this.ticker);
    // the node stops re-announcing; others forget us within 30 min (BEP 5 has no "stopped")
    this.dht?.stopAnnouncing(this.options.metainfo.infoHash);
    this.peers.closeAll('torrent stopped');
    void this.storage.close().then(() => {
      this.progress$.next(this.snapshot());
      this.events$.next({ type: 'stopped' });
      this.progress$.complete();
      this.events$.complete();
      this.rejectCompleted(new Error('stopped before completion'));
      this.resolveStopped();
    });
  }
}
