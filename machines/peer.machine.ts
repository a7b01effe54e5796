import { and, assign, cancel, enqueueActions, fromCallback, not, raise, sendTo, setup } from 'xstate';
import { Bitfield } from '../src/pieces/bitfield.js';
import { PeerGate } from '../src/peers/peerGate.js';
import { PeerPieces } from '../src/peers/peerPieces.js';
import { negotiatedIds } from '../src/extensions/index.js';
import { clientNameFromPeerId, fastNegotiated, ourReserved, supportsDht, toHex } from '../src/wire/index.js';
import { closeReasonFor, handshakeVerdict } from './peer.close.js';
import { DEFAULT_EXTENDED, dontHaveMessage, dontHaveOffered, extendedHandshakeMessage, extensionCommand, extensionProtocolOffered, extensionsRegion, outgoingExtended, pexNegotiated } from './peer.extensions.js';
import { peerMachineMeta } from './peer.meta.js';
import type { CloseReason, ConnectionInput, PeerCommand, PeerContext, PeerEvent, PeerMachineInput } from './peer.types.js';

export type { CloseReason, ConnectionInput, PeerAddress, PeerCommand, PeerContext, PeerEvent, PeerMachineInput } from './peer.types.js';
export { peerMachineSampleEvents, peerMachineSampleInputs } from './peer.meta.js';

/**
 * One peer connection (BEP 3), the single owner of its protocol state: connecting →
 * handshaking → greeting → active → closed, one path for dialled and accepted connections.
 * `active` has six parallel regions: the four BEP 3 flags (amChoking, amInterested,
 * peerChoking, peerInterested), snubbing, and extensions (BEP 10, see peer.extensions.ts).
 *
 * IO is the provided `connection` actor (for the machine's whole life): it owns the socket and
 * wire stack, sends the events below here and receives {@link PeerCommand}s. Bits and counts
 * live in cores the machine builds and hands to its connection (`pieces`: the peer's bitfield,
 * availability share, interesting count; `gate`: what the block path may do). No blocks here.
 *
 * Events in: from the connection — CONNECTED, CONNECT_FAILED, HANDSHAKE_RECEIVED, PEER_* (one
 * per control or extension message, e.g. PEER_DONT_HAVE for BEP 54; `have` messages within 50 ms
 * come as one PEER_HAVES), ACTIVITY / DATA_RECEIVED
 * (≤ 1 per second), PROTOCOL_ERROR, EXTENSION_ERROR, SOCKET_CLOSED; from the data plane —
 * REQUESTS_PENDING / _DRAINED (edges), PIECES_VERIFIED, WE_LOST, SEND_EXTENDED, CLOSE; from the
 * choker — CHOKE, UNCHOKE. Timers: named delays.
 */

const KEEPALIVE_TIMER = 'keepAlive';
const IDLE_TIMER = 'idle';
const CONNECTION = 'connection';
const PEX_TIMER = 'pex';

/**
 * Retractions (BEP 54 lt_donthave) allowed beyond one per piece of the torrent. Each one makes
 * us cancel the peer's blocks of that piece, top up other peers and maybe flip our interest, and
 * a `have` after it makes us request them again: a peer alternating the two for one piece
 * would keep that going without end. An honest peer loses a piece rarely (a failed disk), so
 * every piece once and a few more is plenty.
 */
export const RETRACTION_ALLOWANCE = 8;

/** BEP 5: our node runs for this torrent and both handshakes set the DHT bit. */
const dhtNegotiated = (c: PeerContext): boolean => c.dhtPort !== null && c.theirReserved !== null && supportsDht(c.reserved) && supportsDht(c.theirReserved);

export const peerMachine = setup({
  types: {
    input: {} as PeerMachineInput,
    context: {} as PeerContext,
    events: {} as PeerEvent,
  },
  actors: {
    /** Placeholder: the session provides the socket-owning actor; this one writes nothing. */
    connection: fromCallback<PeerCommand, ConnectionInput>(() => undefined),
  },
  delays: {
    handshakeTimeout: 20_000,
    keepAliveInterval: 120_000,
    idleTimeout: 240_000,
    requestTimeout: 60_000,
    pexInterval: 60_000,
    pexFirst: 5_000,
  },
  guards: {
    isIncoming: ({ context }) => !context.outgoing,
    handshakeAccepted: ({ context, event }) => handshakeVerdict(context, event)?._tag === 'Right',
    fastNegotiated: ({ context }) => context.theirReserved !== null && fastNegotiated(context.reserved, context.theirReserved),
    havesInRange: ({ context, event }) => event.type === 'PEER_HAVES' && event.indices.every((i) => i < context.pieceCount),
    withinAnnouncementCap: ({ context }) => context.pieces.announcements < context.maxAnnouncements,
    withinRetractionCap: ({ context }) => context.retractions < context.maxRetractions,
    wantsPieces: ({ context }) => context.pieces.interesting > 0,
    extensionProtocolOffered: ({ context }) => extensionProtocolOffered(context),
    peerTakesExtension: ({ context, event }) => outgoingExtended(context, event) !== undefined,
    dontHaveOffered: ({ context }) => dontHaveOffered(context),
    dhtRuns: ({ context }) => context.dhtPort !== null,
  },
  actions: {
    sendHandshake: sendTo(CONNECTION, ({ context }): PeerCommand => ({
      type: 'handshake',
      handshake: { reserved: context.reserved, infoHash: context.infoHash, peerId: context.ourPeerId },
    })),
    recordRemotePeer: assign(({ event }) =>
      event.type === 'HANDSHAKE_RECEIVED'
        ? { remotePeerId: toHex(event.handshake.peerId), client: clientNameFromPeerId(event.handshake.peerId), theirReserved: event.handshake.reserved }
        : {},
    ),
    enableFast: ({ context }) => void (context.gate.fast = true),
    openGate: ({ context }) => void (context.gate.open = true),
    announceReady: sendTo(CONNECTION, ({ context }): PeerCommand => ({ type: 'ready', client: context.client, peerId: context.remotePeerId })),
    // BEP 3: the bitfield goes first and only when we have something; BEP 6 adds shorthands
    sendOurPiecesFast: sendTo(CONNECTION, ({ context }): PeerCommand => {
      const have = context.pieces.ours;
      // pieceCount 0: a magnet's metadata is still unknown, and an empty set is not a seed's
      if (have.isComplete && context.pieceCount > 0) return { type: 'send', message: { type: 'haveAll' } };
      if (have.count > 0) return { type: 'send', message: { type: 'bitfield', bitfield: have.toBytes() } };
      return { type: 'send', message: { type: 'haveNone' } };
    }),
    sendOurPieces: enqueueActions(({ context, enqueue }) => {
      const have = context.pieces.ours;
      if (have.count > 0) enqueue.sendTo(CONNECTION, { type: 'send', message: { type: 'bitfield', bitfield: have.toBytes() } } satisfies PeerCommand);
    }),
    recordClose: assign({ closeReason: ({ context, event }) => closeReasonFor(context, event) }),
    // the connection is over: availability gives this peer's share back, the gate shuts
    releasePieces: ({ context }) => {
      context.pieces.release();
      context.gate.shut();
    },
    closeConnection: sendTo(CONNECTION, ({ context }): PeerCommand => ({
      type: 'close',
      reason: context.closeReason ?? { code: 'local', message: 'closed' },
    })),
    startKeepAliveTimer: raise({ type: 'KEEPALIVE_DUE' }, { id: KEEPALIVE_TIMER, delay: 'keepAliveInterval' }),
    cancelIdleTimer: cancel(IDLE_TIMER),
    armIdleTimer: raise({ type: 'IDLE_TIMEOUT' }, { id: IDLE_TIMER, delay: 'idleTimeout' }),
    sendKeepAlive: sendTo(CONNECTION, { type: 'send', message: { type: 'keepAlive' } } satisfies PeerCommand),
    sendChoke: sendTo(CONNECTION, { type: 'send', message: { type: 'choke' } } satisfies PeerCommand),
    sendUnchoke: sendTo(CONNECTION, { type: 'send', message: { type: 'unchoke' } } satisfies PeerCommand),
    sendInterested: sendTo(CONNECTION, { type: 'send', message: { type: 'interested' } } satisfies PeerCommand),
    sendNotInterested: sendTo(CONNECTION, { type: 'send', message: { type: 'notInterested' } } satisfies PeerCommand),
    openUploads: ({ context }) => void (context.gate.mayUpload = true),
    closeUploads: ({ context }) => void (context.gate.mayUpload = false),
    notifyUploadOpened: sendTo(CONNECTION, { type: 'uploadOpened' } satisfies PeerCommand),
    notifyUploadClosed: sendTo(CONNECTION, { type: 'uploadClosed' } satisfies PeerCommand),
    openRequests: ({ context }) => void (context.gate.mayRequest = true),
    closeRequests: ({ context }) => void (context.gate.mayRequest = false),
    refill: sendTo(CONNECTION, { type: 'refill' } satisfies PeerCommand),
    release: sendTo(CONNECTION, { type: 'release' } satisfies PeerCommand),
    markPeerInterested: ({ context }) => void (context.gate.wantsUpload = true),
    markPeerNotInterested: ({ context }) => void (context.gate.wantsUpload = false),
    notifyCandidacy: sendTo(CONNECTION, { type: 'candidacyChanged' } satisfies PeerCommand),
    recordHaves: ({ context, event }) => {
      if (event.type === 'PEER_HAVES') for (const index of event.indices) context.pieces.gain(index);
    },
    // a later announcement replaces the set (aria2: have-none, then a bitfield), never closes
    replacePieces: ({ context, event }) => {
      if (event.type === 'PEER_BITFIELD') context.pieces.replaceWithBitfield(event.bitfield);
      else if (event.type === 'PEER_HAVE_ALL') context.pieces.replaceWithAll();
      else if (event.type === 'PEER_HAVE_NONE') context.pieces.replaceWithNone();
    },
    // have suppression: a peer that has the piece gains nothing from hearing about it
    announceVerified: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PIECES_VERIFIED') return;
      // one command for the batch: a machine event per have cost a 30-peer swarm tens of
      // thousands of events per process (bench:swarm)
      const lacked = event.indices.filter((index) => !context.pieces.weVerified(index));
      if (lacked.length > 0) enqueue.sendTo(CONNECTION, { type: 'sendHaves', indices: lacked } satisfies PeerCommand);
    }),
    // a peer holding a piece we lost is worth wanting again (amInterested re-decides); one that
    // takes BEP 54 hears we lack it, so it stops asking us for it until our next `have`
    recordLoss: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'WE_LOST') return;
      context.pieces.weLost(event.index);
      const message = dontHaveMessage(context, event);
      if (message !== undefined) enqueue.sendTo(CONNECTION, { type: 'send', message } satisfies PeerCommand);
    }),
    // BEP 54: a piece it announced is gone (availability and interest follow; amInterested
    // re-decides); the data plane sends our requests for it elsewhere, and it counts toward the
    // retraction cap. Never announced: nothing, not even a count.
    recordDontHave: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PEER_DONT_HAVE' || !context.pieces.lose(event.index)) return;
      enqueue.assign({ retractions: context.retractions + 1 });
      enqueue.sendTo(CONNECTION, { type: 'peerLost', index: event.index } satisfies PeerCommand);
    }),
    sendExtendedHandshake: sendTo(CONNECTION, ({ context }): PeerCommand => ({ type: 'send', message: extendedHandshakeMessage(context) })),
    // BEP 10: a later handshake updates the ids; `reqq` bounds our pipeline through the gate
    recordExtensions: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'EXTENDED_HANDSHAKE_RECEIVED') return;
      context.gate.reqq = event.handshake.reqq ?? context.gate.reqq;
      enqueue.assign({ theirExtended: event.handshake, extensionIds: negotiatedIds(context.extensionIds, event.handshake) });
    }),
    // the peer's extended handshake, a ut_metadata or a ut_pex message: the connection acts on it
    reportExtension: enqueueActions(({ event, enqueue }) => {
      const command = extensionCommand(event);
      if (command !== undefined) enqueue.sendTo(CONNECTION, command);
    }),
    reportPexDue: sendTo(CONNECTION, { type: 'pexDue' } satisfies PeerCommand),
    sendExtended: enqueueActions(({ context, event, enqueue }) => {
      const message = outgoingExtended(context, event);
      if (message !== undefined) enqueue.sendTo(CONNECTION, { type: 'send', message } satisfies PeerCommand);
    }),
    // BEP 11: one ut_pex message a minute at most, only where both sides speak it
    schedulePex: enqueueActions(({ context, event, enqueue }) => {
      if (pexNegotiated(context)) enqueue.raise({ type: 'PEX_DUE' }, { id: PEX_TIMER, delay: event.type === 'PEX_DUE' ? 'pexInterval' : 'pexFirst' });
    }),
    // BEP 5: after the handshake, when both set the DHT bit, tell the peer our node's UDP port
    sendDhtPort: enqueueActions(({ context, enqueue }) => {
      if (context.dhtPort !== null && dhtNegotiated(context)) enqueue.sendTo(CONNECTION, { type: 'send', message: { type: 'port', port: context.dhtPort } } satisfies PeerCommand);
    }),
    notifyDhtNode: sendTo(CONNECTION, ({ event }): PeerCommand => ({ type: 'dhtNode', port: event.type === 'PEER_PORT' ? event.port : 0 })),
    markSnubbed: ({ context }) => void (context.gate.snubbed = true),
    markUnsnubbed: ({ context }) => void (context.gate.snubbed = false),
  },
}).createMachine({
  id: 'peer',
  description: 'One peer connection: TCP connect, handshake, then the four choke/interest flags, snubbing and extensions until either side closes.',
  meta: peerMachineMeta,
  context: ({ input }) => {
    const pieces = new PeerPieces(input.have ?? new Bitfield(input.pieceCount), input.availability);
    return {
      infoHash: input.infoHash,
      ourPeerId: input.peerId,
      reserved: input.reserved ?? ourReserved(),
      pieceCount: input.pieceCount,
      outgoing: input.outgoing,
      endpoint: input.endpoint,
      remotePeerId: null,
      client: '',
      theirReserved: null,
      maxAnnouncements: input.maxAnnouncements ?? 8,
      retractions: 0,
      maxRetractions: input.maxRetractions ?? input.pieceCount + RETRACTION_ALLOWANCE,
      extended: input.extended ?? DEFAULT_EXTENDED,
      theirExtended: null,
      extensionIds: new Map<string, number>(),
      dhtPort: input.dhtPort ?? null,
      closeReason: null,
      pieces,
      gate: new PeerGate(),
    };
  },
  invoke: {
    id: CONNECTION,
    src: 'connection',
    input: ({ context }): ConnectionInput => ({ outgoing: context.outgoing, endpoint: context.endpoint, pieces: context.pieces, gate: context.gate }),
    onError: { target: '.closed', actions: 'recordClose', description: 'The connection actor failed: close this peer only, never the whole torrent.' },
  },
  initial: 'connecting',
  on: {
    CLOSE: { target: '.closed', actions: 'recordClose', description: 'Dropped by the session; the reason goes to the connection.' },
    PROTOCOL_ERROR: {
      target: '.closed',
      actions: 'recordClose',
      description: 'A peer that breaks the wire format is closed, never guessed around: its later bytes cannot be trusted.',
      meta: { bep: 'BEP 3 · Peer messages' },
    },
    EXTENSION_ERROR: { target: '.closed', actions: 'recordClose', description: 'An extension message over its budget or not decodable: close.', meta: { bep: 'BEP 10 · Extension Protocol' } },
    SOCKET_CLOSED: { target: '.closed', actions: 'recordClose', description: 'The connection is gone, from any state.' },
  },
  states: {
    connecting: {
      description: 'Our outgoing TCP connect is in progress; accepted connections pass straight through.',
      always: { guard: 'isIncoming', target: 'handshaking', description: 'An accepted connection is already up: wait for their handshake.' },
      after: { handshakeTimeout: { target: 'closed', actions: 'recordClose', description: 'Connect took too long; free the slot for another candidate.' } },
      on: {
        CONNECTED: {
          target: 'handshaking',
          actions: 'sendHandshake',
          description: 'TCP is up: the dialling side sends its handshake first.',
          meta: { bep: 'BEP 3 · Peer protocol' },
        },
        CONNECT_FAILED: { target: 'closed', actions: 'recordClose', description: 'Refused or unreachable; the torrent backs off this endpoint.' },
      },
    },
    handshaking: {
      description: 'Waiting for the remote handshake, which must name our torrent.',
      meta: { bep: 'BEP 3 · Peer protocol' },
      after: { handshakeTimeout: { target: 'closed', actions: 'recordClose', description: 'The handshake never completed in time.' } },
      on: {
        HANDSHAKE_RECEIVED: [
          {
            guard: and(['handshakeAccepted', 'isIncoming']),
            target: 'greeting',
            actions: ['recordRemotePeer', 'sendHandshake'],
            description: 'They dialled us and named a torrent we serve: answer with our handshake only now.',
            meta: { bep: 'BEP 3 · Peer protocol' },
          },
          {
            guard: 'handshakeAccepted',
            target: 'greeting',
            actions: 'recordRemotePeer',
            description: 'We dialled: ours already went out and theirs matches.',
            meta: { bep: 'BEP 3 · Peer protocol' },
          },
          {
            target: 'closed',
            actions: 'recordClose',
            description: 'Wrong info hash, or our own peer id (we dialled ourselves): sever the connection.',
            meta: { bep: 'BEP 3 · Peer protocol' },
          },
        ],
      },
    },
    greeting: {
      description: 'Both handshakes are out: decide the fast extension from the reserved bits and announce our pieces.',
      always: [
        {
          guard: 'fastNegotiated',
          target: 'active',
          actions: ['enableFast', 'openGate', 'announceReady', 'sendOurPiecesFast', 'sendDhtPort'],
          description: 'Both set the fast bit: have-all / have-none shorthands, and refused requests are rejected.',
          meta: { bep: 'BEP 6 · Fast Extension' },
        },
        {
          target: 'active',
          actions: ['openGate', 'announceReady', 'sendOurPieces', 'sendDhtPort'],
          description: 'Plain BEP 3: our bitfield when we have pieces, else nothing; refused requests are dropped.',
          meta: { bep: 'BEP 3 · Peer messages' },
        },
      ],
    },
    active: {
      description: 'Handshake done: flags, snubbing and extensions change independently; keep-alive and idle timers run.',
      meta: { bep: 'BEP 3 · Peer protocol' },
      type: 'parallel',
      entry: ['startKeepAliveTimer', 'armIdleTimer'],
      on: {
        KEEPALIVE_DUE: {
          actions: ['sendKeepAlive', 'startKeepAliveTimer'],
          description: 'Send a zero-length keep-alive so the peer does not drop a quiet but healthy link.',
          meta: { bep: 'BEP 3 · Peer protocol' },
        },
        IDLE_TIMEOUT: { target: 'closed', actions: 'recordClose', description: 'Nothing heard for idleTimeout: the peer vanished, free the slot.' },
        ACTIVITY: { actions: ['cancelIdleTimer', 'armIdleTimer'], description: 'The peer is alive: restart the idle timer.' },
        DATA_RECEIVED: { actions: ['cancelIdleTimer', 'armIdleTimer'], description: 'A block also proves the peer is alive: restart the idle timer.' },
        PEER_HAVES: [
          { guard: 'havesInRange', actions: ['recordHaves', 'refill'], description: 'More pieces: availability and interest go up.', meta: { bep: 'BEP 3 · Peer messages' } },
          { target: 'closed', actions: 'recordClose', description: 'An index past the last piece is a protocol violation: close.', meta: { bep: 'BEP 3 · Peer messages' } },
        ],
        PEER_BITFIELD: [
          {
            guard: 'withinAnnouncementCap',
            actions: ['replacePieces', 'refill'],
            description: 'Its pieces are exactly these now (a later bitfield replaces the set).',
            meta: { bep: 'BEP 3 · Peer messages' },
          },
          { target: 'closed', actions: 'recordClose', description: 'Re-announced too often: each costs a pass over every piece, so it is abusive.' },
        ],
        PEER_HAVE_ALL: [
          { guard: 'withinAnnouncementCap', actions: ['replacePieces', 'refill'], description: 'It is a seed: every piece.', meta: { bep: 'BEP 6 · Fast Extension' } },
          { target: 'closed', actions: 'recordClose', description: 'Re-announced too often: abusive.' },
        ],
        PEER_HAVE_NONE: [
          { guard: 'withinAnnouncementCap', actions: ['replacePieces'], description: 'It has no piece (yet).', meta: { bep: 'BEP 6 · Fast Extension' } },
          { target: 'closed', actions: 'recordClose', description: 'Re-announced too often: abusive.' },
        ],
        PIECES_VERIFIED: { actions: 'announceVerified', description: 'Send have for each piece the peer lacks; for each it has, we want one piece less from it.', meta: { bep: 'BEP 3 · Peer messages' } },
        WE_LOST: { actions: ['recordLoss', 'refill'], description: 'Our copy of a piece became unreadable: lt_donthave if the peer takes it; if it has the piece, we want it again.', meta: { bep: 'BEP 54' } },
        PEER_PORT: { guard: 'dhtRuns', actions: 'notifyDhtNode', description: 'Its DHT node is on this UDP port: ours pings it and adds it if it answers (no node of ours: ignored).', meta: { bep: 'BEP 5' } },
      },
      states: {
        amChoking: {
          description: 'Do we refuse to upload to this peer? The choker decides.',
          initial: 'choking',
          states: {
            choking: {
              description: 'We do not serve their requests; every connection starts here.',
              on: { UNCHOKE: { target: 'unchoked', actions: ['sendUnchoke', 'openUploads', 'notifyUploadOpened'], description: 'The choker gave this peer an upload slot.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
            unchoked: {
              description: 'We serve their requests: they hold one of our few upload slots.',
              on: { CHOKE: { target: 'choking', actions: ['sendChoke', 'closeUploads', 'notifyUploadClosed'], description: 'The choker took the slot back; queued requests are void.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
          },
        },
        amInterested: {
          description: 'Do we want pieces this peer has? Decided here from its interesting count, even while choked.',
          initial: 'notInterested',
          states: {
            notInterested: {
              description: 'The peer has nothing we need; every connection starts here.',
              always: { guard: 'wantsPieces', target: 'interested', actions: ['sendInterested', 'refill'], description: 'It has a piece we lack: say so, or it has no reason to unchoke us.', meta: { bep: 'BEP 3 · Peer messages' } },
            },
            interested: {
              description: 'The peer has pieces we lack; we request once it unchokes us.',
              always: { guard: not('wantsPieces'), target: 'notInterested', actions: 'sendNotInterested', description: 'Nothing left to want: say so.', meta: { bep: 'BEP 3 · Peer messages' } },
            },
          },
        },
        peerChoking: {
          description: 'Does the peer let us download from it?',
          initial: 'choking',
          states: {
            choking: {
              description: 'The peer refuses our requests; every connection starts here.',
              on: { PEER_UNCHOKE: { target: 'unchoked', actions: ['openRequests', 'refill'], description: 'We got a slot: requests may go out.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
            unchoked: {
              description: 'The peer serves our requests.',
              on: { PEER_CHOKE: { target: 'choking', actions: ['closeRequests', 'release'], description: 'Slot lost: our outstanding requests will not be answered.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
          },
        },
        peerInterested: {
          description: 'Does the peer want pieces we have? Only interested peers compete for our upload slots.',
          initial: 'notInterested',
          states: {
            notInterested: {
              description: 'The peer wants nothing from us; every connection starts here.',
              on: { PEER_INTERESTED: { target: 'interested', actions: ['markPeerInterested', 'notifyCandidacy'], description: 'It wants our pieces: the choker may rank it.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
            interested: {
              description: 'The peer would download from us if unchoked.',
              on: { PEER_NOT_INTERESTED: { target: 'notInterested', actions: ['markPeerNotInterested', 'notifyCandidacy'], description: 'It wants nothing now: its slot can go.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
          },
        },
        snubbing: {
          description: 'Do blocks come while we wait on requests? The request timer runs only while requests are out.',
          initial: 'idle',
          states: {
            idle: {
              description: 'No request of ours is outstanding: nothing to time.',
              on: { REQUESTS_PENDING: { target: 'waiting', description: 'The pipeline just filled: time the peer from now.' } },
            },
            waiting: {
              description: 'Requests are out; every block restarts the timer.',
              after: { requestTimeout: { target: 'snubbed', description: 'Requests out, yet no block for requestTimeout: the peer snubs us.' } },
              on: {
                DATA_RECEIVED: { target: 'waiting', reenter: true, actions: ['cancelIdleTimer', 'armIdleTimer'], description: 'A block came: restart the request timer.' },
                REQUESTS_DRAINED: { target: 'idle', description: 'Nothing outstanding (answered, released or choked).' },
              },
            },
            snubbed: {
              description: 'The peer loses its regular upload slot (no tit-for-tat for nothing) and our requests go to other peers; it keeps a shallow pipeline.',
              entry: ['markSnubbed', 'release', 'notifyCandidacy'],
              exit: ['markUnsnubbed', 'refill', 'notifyCandidacy'],
              on: {
                DATA_RECEIVED: { target: 'waiting', actions: ['cancelIdleTimer', 'armIdleTimer'], description: 'A block came after all: no longer snubbed.' },
                REQUESTS_DRAINED: { target: 'idle', description: 'Its last block came with nothing more to ask: nothing to time.' },
                PEER_CHOKE: { target: 'idle', description: 'It choked us: nothing is expected from it any more.' },
              },
            },
          },
        },
        extensions: extensionsRegion,
      },
    },
    closed: {
      description: 'The connection is over: its pieces leave availability, the connection closes with the reason.',
      type: 'final',
      entry: ['releasePieces', 'closeConnection'],
    },
  },
});

/** The peer machine's type, for spawning and typing actor refs. */
export type PeerMachine = typeof peerMachine;
