import { assign, emit, enqueueActions, fromPromise, setup, type ActorRefFrom, type AnyActorLogic, type AnyActorRef, type EventObject } from 'xstate';
import { PeerIdentities } from '../src/peers/peerIdentities.js';
import { endpointKey, ipOfEndpointKey, PeerPool } from '../src/peers/peerPool.js';
import { dhtAnnounceMachine } from './dhtAnnounce.machine.js';
import { torrentMachineMeta } from './torrent.meta.js';
import { withoutPeer } from './torrent.peers.js';
import type { TorrentContext, TorrentEmitted, TorrentEvent, TorrentInput } from './torrent.types.js';

export type { TorrentContext, TorrentEmitted, TorrentEvent, TorrentInput } from './torrent.types.js';

/**
 * One torrent's lifecycle and peer set (BEP 3): checking → active (downloading | seeding),
 * with paused, stopping, stopped and error.
 *
 * Decisions live here; data lives in small classes the actions call (PeerPool, BanList),
 * and bytes never come through (pieces arrive one event each; blocks not at all).
 *
 * Contract with the session that composes it:
 * - actors to provide: `checkPieces` (resume check; resolves to the number of verified pieces),
 *   `peer` (the peer machine, spawned once per connection with `systemId` = endpoint key),
 *   `announcer` (the tracker announce machine, invoked for the whole life of the torrent, id
 *   `announce`; it must accept `START`, `COMPLETED`, `NEED_PEERS`, `STOP` and finish after
 *   `STOP`), `choker` (invoked while active, id `choker`; pausing stops it, since a paused
 *   torrent has no connections to choke), and optionally `dhtAnnouncer` (the DHT's sibling of
 *   the announcer, id `dht`, invoked for the torrent's life; same START / NEED_PEERS / STOP;
 *   by default the dhtAnnounce machine, disabled unless `dhtInput` enables it).
 * - time: only named delays. Dial back-off is counted on the machine's own dial clock, which
 *   the redial timer advances, so it follows a simulated clock in tests and replays exactly.
 * - while downloading with room for peers and no candidate left to dial, each redial round sends
 *   `NEED_PEERS` to the announcer, which announces early but never before the tracker's
 *   `min interval`.
 * - events in: `PEERS_DISCOVERED` (from trackers, the DHT, …: `source` says which), `INCOMING_PEER` (an accepted connection
 *   whose handshake named this torrent), `PEER_IDENTIFIED` (a connection's handshake is done: the
 *   remote peer id; of two open connections to one peer id, one is closed, see
 *   src/peers/duplicateConnection.ts), `PEER_LISTENS` (a connection's extended handshake named the
 *   port its peer listens on: not dialled while it runs), `PEER_CLOSED`, `PEER_MISBEHAVED` (the
 *   data plane's verdict on an abusive peer), `PIECES_VERIFIED` and `PIECE_FAILED`
 *   (each with smart ban's verdict: the IPs proven to have sent bad blocks of that piece),
 *   `PIECE_LOST` (a verified piece became unreadable: seeding turns back into downloading),
 *   `STORAGE_ERROR`, `PAUSE`, `RESUME`, `STOP`.
 * - emitted: `dial` (connect to this endpoint, found through `source`; the peer actor is already spawned under `id`),
 *   `rejectIncoming` (no room; close the socket), `ban`, `completed`, `stopped`, `failed`,
 *   `storageFailed` (the download folder failed; the torrent paused).
 */

/** Period of the redial round; the dial clock advances by this much per round. */
const REDIAL_INTERVAL_MS = 5_000;

/** The tracker announcer and the DHT's, where the system has them: both hear START, NEED_PEERS, STOP. */
const announcers = (system: { get: (id: string) => AnyActorRef | undefined }): AnyActorRef[] =>
  ['announce', 'dht'].flatMap((id) => system.get(id) ?? []);

/**
 * The command that makes a peer actor close its connection. Declared in this file: the diagram
 * overview (scripts/sourceFacts.ts) finds the `CLOSE` the machine sends only in its own source.
 */
const closeEvent = (message: string): EventObject => ({ type: 'CLOSE', message } as EventObject);

/** Placeholder logic: the session provides the real actors (see the contract above). */
const unprovided = fromPromise<never, unknown>(() => Promise.reject(new Error('actor not provided by the session')));

export const torrentMachine = setup({
  types: {
    input: {} as TorrentInput,
    context: {} as TorrentContext,
    events: {} as TorrentEvent,
    emitted: {} as TorrentEmitted,
  },
  actors: {
    checkPieces: fromPromise<number, void>(() => Promise.reject(new Error('checkPieces not provided'))),
    peer: unprovided as AnyActorLogic,
    announcer: unprovided as AnyActorLogic,
    choker: unprovided as AnyActorLogic,
    dhtAnnouncer: dhtAnnounceMachine as AnyActorLogic,
  },
  delays: {
    /** Candidates in back-off become dialable over time; look again this often. */
    redialInterval: REDIAL_INTERVAL_MS,
    /** How long a final `stopped` announce may take before we stop anyway. */
    stopGrace: 3_000,
  },
  guards: {
    allVerified: ({ context }) => context.verified >= context.pieceCount,
    completedMeanwhile: ({ context }) => context.completionPending && context.verified >= context.pieceCount,
    hasRoom: ({ context }) => context.peers.size < context.maxPeers,
    isKnownPeer: ({ context, event }) =>
      (event.type === 'PEER_CLOSED' || event.type === 'PEER_IDENTIFIED' || event.type === 'PEER_LISTENS') && context.peers.has(event.id),
    duplicatePeerId: ({ context, event }) => event.type === 'PEER_IDENTIFIED' && context.peers.has(event.id) && context.identities.isDuplicate(event.id, event.peerId),
  },
  actions: {
    // enqueueActions (not a plain action) so the pool is filled while the transition resolves,
    // before `dialMore` reads it; plain actions only run after resolution.
    addCandidates: enqueueActions(({ context, event }) => {
      if (event.type === 'PEERS_DISCOVERED') context.pool.add(event.peers, event.source ?? 'tracker');
    }),
    dialMore: enqueueActions(({ context, enqueue }) => {
      const room = context.maxPeers - context.peers.size;
      const endpoints = context.pool.takeForDial(room, context.dialClock);
      if (endpoints.length === 0) return;
      const peers = new Set(context.peers);
      for (const { source, ...endpoint } of endpoints) {
        const id = endpointKey(endpoint);
        if (peers.has(id)) continue;
        peers.add(id);
        enqueue.spawnChild('peer', { id, systemId: id, input: { ...context.peerInput, endpoint, outgoing: true } });
        enqueue(emit({ type: 'dial' as const, id, endpoint, source }));
      }
      enqueue.assign({ peers });
    }),
    acceptIncoming: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'INCOMING_PEER') return;
      const id = endpointKey(event.endpoint);
      if (context.peers.has(id) || context.pool.isBanned(event.endpoint.ip)) {
        enqueue(emit({ type: 'rejectIncoming' as const, endpoint: event.endpoint }));
        return;
      }
      context.pool.markConnected(event.endpoint);
      enqueue.spawnChild('peer', { id, systemId: id, input: { ...context.peerInput, endpoint: event.endpoint, outgoing: false } });
      enqueue.assign({ peers: new Set([...context.peers, id]) });
    }),
    holdListenAddress: ({ context, event }) => {
      if (event.type === 'PEER_LISTENS') context.pool.holdListenAddress(event.id, event.port, context.dialClock);
    },
    recordPeerId: ({ context, event }) => {
      if (event.type === 'PEER_IDENTIFIED') context.identities.identify(event, event.peerId, context.peerId);
    },
    // One connection per peer id (rule and why: src/peers/duplicateConnection.ts). The closed one
    // is no failure: it worked, so no failure back-off (forgetPeer gives it the usual retry delay)
    // and no ban; its requests go back to the pool when
    // its connection ends, like any peer's, and its PEER_CLOSED frees the slot.
    closeDuplicate: enqueueActions(({ context, event, enqueue, system }) => {
      if (event.type !== 'PEER_IDENTIFIED') return;
      const verdict = context.identities.identify(event, event.peerId, context.peerId);
      const ref = verdict === undefined ? undefined : system.get(verdict.close.id);
      if (verdict !== undefined && ref !== undefined) {
        enqueue.sendTo(ref, closeEvent(`duplicate connection to peer ${event.peerId.slice(0, 16)}… (kept ${verdict.keep.id})`));
      }
    }),
    rejectIncoming: emit(({ event }) => ({
      type: 'rejectIncoming' as const,
      endpoint: event.type === 'INCOMING_PEER' ? event.endpoint : { ip: '', port: 0 },
    })),
    forgetPeer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PEER_CLOSED') return;
      enqueue.stopChild(event.id);
      enqueue.assign({ peers: withoutPeer(context, event, true) });
    }),
    // we closed it by pausing: no back-off, so RESUME dials it again at once
    forgetPausedPeer: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PEER_CLOSED') return;
      enqueue.stopChild(event.id);
      enqueue.assign({ peers: withoutPeer(context, event, false) });
    }),
    advanceDialClock: assign({ dialClock: ({ context }) => context.dialClock + REDIAL_INTERVAL_MS }),
    // after dialMore in the same transition, so it sees the peers just dialled
    askForPeersIfStarved: enqueueActions(({ context, enqueue, system }) => {
      const starved =
        context.verified < context.pieceCount && context.peers.size < context.maxPeers && context.pool.dialable(context.dialClock) === 0;
      if (!starved) return;
      for (const ref of announcers(system)) enqueue.sendTo(ref, { type: 'NEED_PEERS' });
    }),
    countVerified: assign({ verified: ({ context, event }) => context.verified + (event.type === 'PIECES_VERIFIED' ? event.indices.length : 0) }),
    uncountVerified: assign({ verified: ({ context }) => Math.max(0, context.verified - 1) }),
    // smart ban's verdict: only IPs proven to have sent bad blocks; honest contributors of a
    // failed piece are never blamed. The ban is session-wide (the shared ban list).
    banCulprits: enqueueActions(({ context, event, enqueue, system }) => {
      if (event.type !== 'PIECE_FAILED' && event.type !== 'PIECES_VERIFIED' && event.type !== 'PEER_MISBEHAVED') return;
      for (const { ip, reason } of event.culprits ?? []) {
        const fresh = context.pool.ban(ip, reason);
        if (!fresh) continue; // convicted again (another piece of the batch, or before its close arrived)
        const peerIds = [...context.peers].filter((id) => ipOfEndpointKey(id) === ip);
        for (const id of peerIds) {
          const ref = system.get(id);
          if (ref) enqueue.sendTo(ref, closeEvent(`banned: ${reason}`));
        }
        enqueue(emit({ type: 'ban' as const, ip, reason, peerIds }));
      }
    }),
    announceStart: enqueueActions(({ enqueue, system }) => {
      for (const ref of announcers(system)) enqueue.sendTo(ref, { type: 'START' });
    }),
    announceCompleted: enqueueActions(({ enqueue, system }) => {
      const ref = system.get('announce');
      if (ref) enqueue.sendTo(ref, { type: 'COMPLETED' });
    }),
    announceStop: enqueueActions(({ enqueue, system }) => {
      for (const ref of announcers(system)) enqueue.sendTo(ref, { type: 'STOP' });
    }),
    closeAllPeers: enqueueActions(({ context, enqueue, system }) => {
      for (const id of context.peers) {
        const ref = system.get(id);
        if (ref) enqueue.sendTo(ref, closeEvent('torrent stopped'));
      }
    }),
    recordError: assign({ error: ({ event }) => (event.type === 'STORAGE_ERROR' ? event.message : 'unknown error') }),
    emitCompleted: emit({ type: 'completed' as const }),
    emitStopped: emit({ type: 'stopped' as const }),
    emitFailed: emit(({ context }) => ({ type: 'failed' as const, message: context.error ?? 'unknown error' })),
    emitStorageFailed: emit(({ event }) => ({ type: 'storageFailed' as const, message: event.type === 'STORAGE_ERROR' ? event.message : 'unknown error' })),
    setVerified: assign(({ context, event }) => {
      const verified = (event as unknown as { output: number }).output;
      return { verified, completionPending: verified < context.pieceCount };
    }),
    clearCompletionPending: assign({ completionPending: false }),
  },
}).createMachine({
  id: 'torrent',
  description: 'One torrent: verify what is on disk, then download and/or seed while keeping the peer set full.',
  meta: torrentMachineMeta,
  context: ({ input }) => ({
    pieceCount: input.pieceCount,
    maxPeers: input.maxPeers,
    peerInput: input.peerInput,
    chokerInput: input.chokerInput ?? {},
    announcerInput: input.announcerInput ?? {},
    dhtInput: input.dhtInput ?? { disabled: true },
    dialClock: 0,
    pool: new PeerPool(input.self ?? [], {}, input.bans),
    verified: 0,
    completionPending: false,
    peers: new Set<string>(),
    peerId: input.peerId,
    identities: new PeerIdentities(),
    error: undefined,
  }),
  invoke: [
    {
      id: 'announce',
      systemId: 'announce',
      src: 'announcer',
      input: ({ context }: { context: TorrentContext }) => context.announcerInput,
      onDone: { target: '.stopped', description: 'The announcer finished (stopped announce sent or given up): the torrent is stopped.' },
    },
    // the DHT needs no goodbye (BEP 5 has no "stopped"): it never holds the torrent up
    { id: 'dht', systemId: 'dht', src: 'dhtAnnouncer', input: ({ context }: { context: TorrentContext }) => context.dhtInput },
  ],
  initial: 'checking',
  on: {
    PEERS_DISCOVERED: { actions: 'addCandidates', description: 'Remember the addresses; they are dialled once the torrent is active.' },
    INCOMING_PEER: { actions: 'rejectIncoming', description: 'Not active (checking, paused, stopping): refuse the connection.' },
    STOP: { target: '.stopping', description: 'Stop from any state: close peers and say goodbye to trackers.' },
  },
  states: {
    checking: {
      description: 'Hash-checking pieces already on disk, so only missing pieces are fetched (resume).',
      meta: { bep: 'BEP 3 · Info dictionary' },
      invoke: {
        src: 'checkPieces',
        onDone: { target: 'active', actions: ['setVerified', 'announceStart'], description: 'Disk checked: start with the count of pieces already verified.' },
        onError: {
          target: 'error',
          actions: assign({ error: ({ event }) => String((event.error as Error)?.message ?? event.error) }),
          description: 'The files could not be read: a local failure we cannot fix by ourselves.',
        },
      },
    },
    active: {
      description: 'Connected to the swarm: trading pieces, announcing, choking by tit-for-tat.',
      meta: { bep: 'BEP 3 · Peer protocol' },
      type: 'parallel',
      entry: 'dialMore',
      invoke: { id: 'choker', systemId: 'choker', src: 'choker', input: ({ context }: { context: TorrentContext }) => context.chokerInput },
      on: {
        PEERS_DISCOVERED: { actions: ['addCandidates', 'dialMore'], description: 'Add the addresses to the pool and dial while there is room.' },
        INCOMING_PEER: [
          { guard: 'hasRoom', actions: 'acceptIncoming', description: 'Room left: spawn a peer actor, unless the IP is banned or already connected.' },
          { actions: 'rejectIncoming', description: 'At maxPeers: close the new connection.' },
        ],
        PEER_IDENTIFIED: [
          {
            guard: 'duplicatePeerId',
            actions: 'closeDuplicate',
            description:
              'Its peer id is already connected: close one of the two. From one IP, one dialled each way (crossed dials): the one dialled by the side with the higher peer id survives, the one a peer following the libtorrent rule keeps too. From two IPs, or both dialled by one side: the newer closes, so a copied peer id cannot evict the peer it belongs to. It worked: no failure back-off (the usual retry delay), no ban.',
            meta: { bep: "No BEP: libtorrent's rule for a duplicate peer id (the higher id's dial survives)" },
          },
          { guard: 'isKnownPeer', actions: 'recordPeerId', description: 'The first connection to this peer id: remember it.' },
        ],
        PEER_LISTENS: {
          guard: 'isKnownPeer',
          actions: 'holdListenAddress',
          description:
            "Its extended handshake named the port it listens on: that address is not dialled while this connection runs (a second connection would only be a duplicate the peer closes, then dialled again after every back-off).",
          meta: { bep: 'BEP 10 · Extension Protocol (p)' },
        },
        PEER_CLOSED: { guard: 'isKnownPeer', actions: ['forgetPeer', 'dialMore'], description: 'A slot freed up: forget the peer and dial a replacement.' },
        PIECE_FAILED: {
          actions: 'banCulprits',
          description: 'Ban and disconnect the IPs proven to have sent bad blocks (a sole sender at once); the piece is fetched again.',
        },
        PEER_MISBEHAVED: {
          actions: 'banCulprits',
          description: 'Ban the IP of a peer that kept abusing the protocol (requests while choked, rejects, stray blocks): dropped alone, it would just come back.',
        },
        STORAGE_ERROR: {
          target: 'paused',
          actions: ['recordError', 'emitStorageFailed'],
          description: 'The download folder failed (full, read-only, no permission): pause with verified data kept; RESUME retries.',
        },
        PAUSE: { target: 'paused', description: 'The user paused: close every peer connection.' },
      },
      states: {
        transfer: {
          description: 'What we do with pieces: fetch the missing ones, or only upload.',
          initial: 'routing',
          states: {
            routing: {
              description: 'Decide between downloading and seeding from what is verified.',
              always: [
                {
                  guard: 'completedMeanwhile',
                  target: 'seeding',
                  actions: ['announceCompleted', 'emitCompleted', 'clearCompletionPending'],
                  description: 'The download finished (now, or while paused) and `completed` was never announced: announce it once, then seed.',
                  meta: { bep: 'BEP 3 · Trackers' },
                },
                { guard: 'allVerified', target: 'seeding', description: 'Everything verified and nothing owed (we started complete, or lost pieces were fetched again): seed.' },
                { target: 'downloading', description: 'Pieces are missing: download them.' },
              ],
            },
            downloading: {
              description: 'Requesting missing pieces, rarest first, from peers that unchoke us.',
              on: {
                PIECES_VERIFIED: {
                  actions: ['countVerified', 'banCulprits'],
                  description: 'More pieces verified; IPs whose blocks in their failed copies differ from them are banned.',
                },
                PIECE_LOST: { actions: 'uncountVerified', description: 'A verified piece became unreadable: one more piece to fetch.' },
              },
              always: { guard: 'allVerified', target: 'routing', description: 'Every piece verified (the last one came in, or lost ones were fetched again): routing decides whether `completed` is still owed.' },
            },
            seeding: {
              description: 'Every piece verified: uploading only.',
              on: { PIECE_LOST: { target: 'downloading', actions: 'uncountVerified', description: 'A verified piece can no longer be read from disk: fetch it again from the swarm.' } },
            },
          },
        },
        dialer: {
          description: 'Keeps the peer set full from the candidate pool.',
          initial: 'waiting',
          states: {
            waiting: {
              description: 'Between dial rounds.',
              after: {
                redialInterval: {
                  target: 'waiting',
                  reenter: true,
                  actions: ['advanceDialClock', 'dialMore', 'askForPeersIfStarved'],
                  description: 'Retry candidates whose back-off has passed; still downloading with room and nobody to dial: ask the trackers for more.',
                },
              },
            },
          },
        },
      },
    },
    paused: {
      description: 'No peer traffic; trackers keep the torrent listed.',
      entry: 'closeAllPeers',
      on: {
        RESUME: { target: 'active', description: 'Back to the swarm: re-route, re-announce and dial again.' },
        PEER_CLOSED: { guard: 'isKnownPeer', actions: 'forgetPausedPeer', description: 'A peer closed by the pause: forgotten without back-off, so RESUME dials it at once.' },
        PIECES_VERIFIED: { actions: ['countVerified', 'banCulprits'], description: 'Pieces that were in flight when we paused still count (and their verdicts).' },
        PIECE_LOST: { actions: 'uncountVerified', description: 'A read that was in flight when we paused found a verified piece unreadable: RESUME fetches it.' },
      },
    },
    stopping: {
      description: 'Closing connections and telling trackers we left (event=stopped).',
      meta: { bep: 'BEP 3 · Trackers' },
      entry: ['closeAllPeers', 'announceStop'],
      on: {
        PEER_CLOSED: { actions: 'forgetPeer', description: 'A peer finished closing.' },
        STOP: { description: 'Already stopping: a second STOP changes nothing.' },
      },
      after: { stopGrace: { target: 'stopped', description: 'Tracker did not answer the stopped announce in time.' } },
    },
    stopped: {
      description: 'Finished; every peer closed.',
      type: 'final',
      entry: 'emitStopped',
    },
    error: {
      description: 'Unrecoverable local failure (e.g. disk full); verified data stays on disk.',
      entry: ['closeAllPeers', 'emitFailed'],
      on: { STOP: { target: 'stopping', description: 'Leave through stopping, so trackers still hear event=stopped (BEP 3).', meta: { bep: 'BEP 3 · Trackers' } } },
    },
  },
});

/** An actor running the torrent machine. */
export type TorrentActor = ActorRefFrom<typeof torrentMachine>;
