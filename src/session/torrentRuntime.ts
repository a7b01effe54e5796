import { connect, type Socket } from 'node:net';
import { BehaviorSubject, Subject, type Observable } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import { createActor, fromCallback, fromPromise, type AnyActorRef, type InspectionEvent } from 'xstate';
import { announceMachine } from '../../machines/announce.machine.js';
import { chokerMachine, type PeersRead } from '../../machines/choker.machine.js';
import { peerMachine } from '../../machines/peer.machine.js';
import { torrentMachine, type TorrentActor, type TorrentEmitted } from '../../machines/torrent.machine.js';
import { DownloadFlow } from '../../streams/downloadFlow.js';
import { startPeerLink } from '../../streams/peerLink.js';
import { markReusedReads, reusedReadOptions } from '../../streams/reusedReads.js';
import { announceVerified, attachPeerTraffic } from '../../streams/peerTraffic.js';
import { UploadFlow } from '../../streams/uploadFlow.js';
import type { ChokeCandidate } from '../choking/chokeDecision.js';
import type { Metainfo } from '../metainfo/types.js';
import { parseIp } from '../peers/ipAddress.js';
import { endpointKey, ipOfEndpointKey, type PeerEndpoint } from '../peers/peerPool.js';
import { Bitfield } from '../pieces/bitfield.js';
import { PiecePicker } from '../pieces/piecePicker.js';
import { RateMeter } from '../stats/rateMeter.js';
import { resumeCheck } from '../storage/resumeCheck.js';
import { TorrentStorage } from '../storage/torrentStorage.js';
import { createTieredAnnouncer } from '../tracker/client/tieredAnnouncer.js';
import { TrackerTiers } from '../tracker/client/trackerTiers.js';
import { newPeerRecord, type PeerRecord } from './peerRecord.js';
import { TorrentInspection } from './torrentInspection.js';
import type { WireMessage } from '../wire/messages.js';
import type { TorrentEvent, TorrentProgress, TorrentState } from './types.js';

/** How one torrent is run. */
export interface TorrentRunOptions {
  readonly metainfo: Metainfo;
  /** Files go to `<downloadDir>/<name>` (single file) or `<downloadDir>/<name>/...`. */
  readonly downloadDir: string;
  /** Most simultaneous connections (default 50). */
  readonly maxPeers?: number;
  /** Peers to dial besides those the trackers return (e.g. a known seeder). */
  readonly peers?: readonly PeerEndpoint[];
  /** Ask the torrent's trackers for peers (default true). */
  readonly useTrackers?: boolean;
  /** Receives every actor event of the torrent's system (peer, announce, choker machines). */
  readonly inspect?: (event: InspectionEvent) => void;
  /**
   * Trust that the data on disk is complete and skip the hash check (seeding what you just
   * made). Pieces are still never served unless they are in the torrent.
   */
  readonly skipCheck?: boolean;
  /** Sees every wire message in and out, per peer (for traces); payload bytes are not copied. */
  readonly onWire?: (peerId: string, direction: 'in' | 'out', message: WireMessage) => void;
}

/** What the session lends each torrent. */
export interface TorrentHost {
  readonly peerId: Uint8Array;
  /** Port we accept connections on, announced to trackers. */
  readonly port: number;
  /** Address outgoing connections bind to, if any. */
  readonly localAddress?: string;
}

/** A running torrent: Observable-first, plus a few commands. */
export interface TorrentHandle {
  readonly infoHashHex: string;
  readonly name: string;
  /** The latest snapshot now and about once a second after, until the torrent stops. */
  readonly progress$: Observable<TorrentProgress>;
  readonly events$: Observable<TorrentEvent>;
  /** Resolves when every piece is verified (at once if the data was already complete); rejects on a fatal error. */
  readonly completed: Promise<void>;
  pause(): void;
  resume(): void;
  /** Announces `stopped`, closes every connection and flushes files. */
  stop(): Promise<void>;
}

const stateOf = (actor: TorrentActor): TorrentState => {
  const s = actor.getSnapshot();
  if (s.status === 'done') return 'stopped';
  if (s.matches('checking')) return 'checking';
  if (s.matches('paused')) return 'paused';
  if (s.matches('stopping')) return 'stopping';
  if (s.matches('error')) return 'error';
  if (s.matches({ active: { transfer: 'seeding' } })) return 'seeding';
  return 'downloading';
};

/**
 * Composes one torrent: storage, piece picker and the two data flows, the torrent machine with
 * its provided actors (resume check, announcer, choker, peer machines), and the sockets.
 */
export class TorrentRuntime implements TorrentHandle {
  readonly infoHashHex: string;
  readonly name: string;
  readonly progress$: BehaviorSubject<TorrentProgress>;
  readonly events$ = new Subject<TorrentEvent>();
  readonly completed: Promise<void>;
  private readonly peers = new Map<string, PeerRecord>();
  private readonly pendingIncoming = new Map<string, Socket>();
  private readonly have: Bitfield;
  private readonly picker: PiecePicker;
  private readonly download: DownloadFlow;
  private readonly upload: UploadFlow;
  private readonly downTotal = new RateMeter();
  private readonly upTotal = new RateMeter();
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
    this.have = new Bitfield(m.pieceCount);
    this.picker = new PiecePicker(m.pieceLength, m.totalLength);
    const now = (): number => Date.now();
    this.download = new DownloadFlow(this.picker, storage, this.have, this.peers, this.downTotal, {
      pieceVerified: (i) => this.onPieceVerified(i),
      pieceFailed: (i, contributors) => {
        this.events$.next({ type: 'pieceFailed', index: i });
        const ips = contributors.map((id) => this.peers.get(id)?.endpoint.ip ?? ipOfEndpointKey(id));
        this.actor.send({ type: 'PIECE_FAILED', index: i, contributorIps: ips });
      },
      storageFailed: (message) => this.actor.send({ type: 'STORAGE_ERROR', message }),
      peerMisbehaved: (peer, message) => peer.actor.send({ type: 'CLOSE', message: `peer ${message}` }),
    }, now);
    this.upload = new UploadFlow(storage, this.have, this.upTotal, now);
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
      records: this.peers,
      picker: this.picker,
      have: this.have,
      downTotal: this.downTotal,
      upTotal: this.upTotal,
      manualPeers: options.peers ?? [],
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
  acceptIncoming(socket: Socket): void {
    const remote = socket.remoteAddress ?? '';
    const endpoint = { ip: parseIp(remote)?.ip ?? remote, port: socket.remotePort ?? 0 };
    const id = endpointKey(endpoint);
    this.pendingIncoming.set(id, socket);
    this.actor.send({ type: 'INCOMING_PEER', endpoint });
    this.pendingIncoming.delete(id);
    const ref = this.actor.system.get(id) as AnyActorRef | undefined;
    if (ref === undefined || this.peers.has(id)) {
      socket.destroy();
      return;
    }
    this.link(id, endpoint, socket, ref, false);
  }

  private createActor(): TorrentActor {
    const m = this.options.metainfo;
    const tiers = this.options.useTrackers === false ? [] : m.announceList;
    const announcer = announceMachine.provide({
      actors: {
        announce: fromPromise(({ input, signal }: { input: { event: import('../tracker/types.js').AnnounceEvent }; signal: AbortSignal }) =>
          this.announceOnce(input.event, signal),
        ),
      },
    });
    // the wall clock and randomness enter the choker here, as data of its PEERS_READ events
    const choker = chokerMachine.provide({
      actors: {
        readPeers: fromCallback(({ sendBack, receive }) => {
          receive(() => sendBack({ type: 'PEERS_READ', peers: this.chokeCandidates(), now: Date.now(), draw: Math.random() } satisfies PeersRead));
        }),
      },
    });
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
    this.announceOnce = (event, signal) => tieredAnnounce(event, signal);
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
          // Already complete: the machine routes straight to seeding and emits nothing, so settle here.
          if (this.have.isComplete) this.resolveCompleted();
          return found.count;
        }),
        peer: peerMachine,
        announcer,
        choker,
      },
    });
    const actor = createActor(machine, {
      input: {
        pieceCount: m.pieceCount,
        maxPeers: this.options.maxPeers ?? 50,
        peerInput: { infoHash: m.infoHash, peerId: this.host.peerId, pieceCount: m.pieceCount },
        self: [{ ip: '127.0.0.1', port: this.host.port }, ...(this.host.localAddress ? [{ ip: this.host.localAddress, port: this.host.port }] : [])],
        announcerInput: { noTrackers: tiers.length === 0 },
      },
      ...(this.options.inspect ? { inspect: this.options.inspect } : {}),
    });
    actor.on('*', (e) => this.onTorrentEmitted(e as TorrentEmitted));
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

  private announceOnce: (event: import('../tracker/types.js').AnnounceEvent, signal: AbortSignal) => Promise<import('../tracker/types.js').AnnounceResponse> =
    () => Promise.reject(new Error('no announcer'));

  private run(): void {
    this.actor.start();
    const announce = this.actor.system.get('announce') as AnyActorRef | undefined;
    if (announce !== undefined) {
      announce.on('peers', (e: { peers: readonly PeerEndpoint[] }) => this.actor.send({ type: 'PEERS_DISCOVERED', peers: e.peers }));
      announce.on('announced', (e: { response: { peers: readonly unknown[]; complete?: number; incomplete?: number } }) =>
        this.events$.next({
          type: 'announced',
          peers: e.response.peers.length,
          ...(e.response.complete !== undefined ? { seeders: e.response.complete } : {}),
          ...(e.response.incomplete !== undefined ? { leechers: e.response.incomplete } : {}),
        }),
      );
      announce.on('trackerError', (e: { error: { message: string } }) => this.events$.next({ type: 'trackerError', message: e.error.message }));
      announce.on('trackerWarning', (e: { message: string }) => this.events$.next({ type: 'trackerWarning', message: e.message }));
    }
    if (this.options.peers !== undefined && this.options.peers.length > 0) {
      // known peers join the pool once the check is done (the machine buffers nothing before `active`)
      const extra = this.options.peers;
      let sent = false;
      const sub = this.actor.subscribe((s) => {
        if (sent || !s.matches('active')) return;
        sent = true;
        queueMicrotask(() => sub.unsubscribe());
        this.actor.send({ type: 'PEERS_DISCOVERED', peers: extra });
      });
    }
    // a new snapshot whenever the lifecycle state changes (e.g. checking -> seeding), not only on the tick
    let lastState = stateOf(this.actor);
    this.actor.subscribe((snap) => {
      if (snap.status !== 'active') return;
      const state = stateOf(this.actor);
      if (state === lastState) return;
      lastState = state;
      this.progress$.next(this.snapshot());
    });
    this.progress$.next(this.snapshot());
    this.ticker = setInterval(() => this.progress$.next(this.snapshot()), 1000);
    this.ticker.unref();
  }

  private onTorrentEmitted(e: TorrentEmitted): void {
    switch (e.type) {
      case 'dial':
        this.dial(e.id, e.endpoint);
        break;
      case 'rejectIncoming':
        this.pendingIncoming.get(endpointKey(e.endpoint))?.destroy();
        break;
      case 'ban':
        this.events$.next({ type: 'banned', ip: e.ip });
        break;
      case 'completed':
        this.events$.next({ type: 'completed' });
        break;
      case 'failed':
        this.events$.next({ type: 'error', message: e.message });
        this.rejectCompleted(new Error(e.message));
        break;
      case 'stopped':
        break;
    }
    if (this.have.isComplete) this.resolveCompleted();
  }

  private dial(id: string, endpoint: PeerEndpoint): void {
    const ref = this.actor.system.get(id) as AnyActorRef | undefined;
    if (ref === undefined) return;
    const socket = connect({
      host: endpoint.ip,
      port: endpoint.port,
      ...(this.host.localAddress ? { localAddress: this.host.localAddress } : {}),
      onread: reusedReadOptions,
    });
    markReusedReads(socket);
    socket.setNoDelay(true);
    socket.once('error', (err) => ref.send({ type: 'CONNECT_FAILED', message: err.message }));
    this.link(id, endpoint, socket, ref, true);
  }

  private link(id: string, endpoint: PeerEndpoint, socket: Socket, ref: AnyActorRef, outgoing: boolean): void {
    const m = this.options.metainfo;
    const peer = newPeerRecord(id, endpoint, outgoing, ref, m.pieceCount, Date.now());
    this.peers.set(id, peer);
    const link = startPeerLink({
      socket,
      input: { infoHash: m.infoHash, peerId: this.host.peerId, pieceCount: m.pieceCount, outgoing },
      actor: ref as never,
    });
    link.actor.on('handshakeComplete', (e) => this.events$.next({ type: 'peerConnected', id, client: e.client }));
    const onWire = this.options.onWire;
    if (onWire !== undefined) {
      link.frames$.subscribe((f) => {
        if (f.kind === 'message') onWire(id, 'in', f.message);
      });
      link.actor.on('send', (e) => onWire(id, 'out', e.message));
    }
    attachPeerTraffic(link, peer, {
      ...(onWire !== undefined ? { onSend: (msg: WireMessage) => onWire(id, 'out', msg) } : {}),
      have: this.have,
      availability: this.picker.availability,
      download: this.download,
      upload: this.upload,
      peersChanged: () => this.actor.system.get('choker')?.send({ type: 'PEERS_CHANGED' }),
      closed: (p, reason) => {
        this.peers.delete(p.id);
        this.events$.next({ type: 'peerClosed', id: p.id, reason: reason.message });
        if (this.actor.getSnapshot().status === 'active') {
          this.actor.send({ type: 'PEER_CLOSED', id: p.id, endpoint: p.endpoint, failed: !p.handshaked });
        }
      },
    });
  }

  private onPieceVerified(index: number): void {
    this.verifiedBytes += this.storage.pieceSize(index);
    announceVerified(index, this.peers.values());
    this.events$.next({ type: 'pieceVerified', index });
    this.actor.send({ type: 'PIECE_VERIFIED', index });
    if (this.have.isComplete) {
      this.progress$.next(this.snapshot());
      this.resolveCompleted();
    }
  }

  private chokeCandidates(): ChokeCandidate[] {
    const seeding = this.have.isComplete;
    const t = Date.now();
    const out: ChokeCandidate[] = [];
    for (const p of this.peers.values()) {
      if (!p.handshaked || p.closed) continue;
      out.push({ id: p.id, interested: p.peerInterested, rate: seeding ? p.up.rate(t) : p.down.rate(t), snubbed: p.snubbed, connectedAt: p.connectedAt });
    }
    return out;
  }

  private snapshot(): TorrentProgress {
    const m = this.options.metainfo;
    const t = Date.now();
    const downloadRate = this.downTotal.rate(t);
    const left = m.totalLength - this.verifiedBytes;
    return {
      infoHashHex: m.infoHashHex,
      name: m.name,
      state: stateOf(this.actor),
      pieceCount: m.pieceCount,
      verifiedPieces: this.have.count,
      checkedPieces: this.checkedPieces,
      totalBytes: m.totalLength,
      verifiedBytes: this.verifiedBytes,
      downloadRate,
      uploadRate: this.upTotal.rate(t),
      downloaded: this.downTotal.total,
      uploaded: this.upTotal.total,
      peers: [...this.peers.values()].filter((p) => p.handshaked).length,
      etaSeconds: left > 0 && downloadRate > 0 ? left / downloadRate : undefined,
    };
  }

  private onDone(): void {
    if (this.ticker) clearInterval(this.ticker);
    for (const p of this.peers.values()) {
      if (p.actor.getSnapshot().status === 'active') p.actor.send({ type: 'CLOSE', message: 'torrent stopped' });
    }
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

