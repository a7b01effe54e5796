import { and, assign, cancel, enqueueActions, fromCallback, not, raise, sendTo, setup } from 'xstate';
import { Bitfield } from '../src/pieces/bitfield.js';
import { PeerGate } from '../src/peers/peerGate.js';
import { PeerPieces } from '../src/peers/peerPieces.js';
import { checkHandshake, clientNameFromPeerId, describeWireError, fastNegotiated, ourReserved, supportsDht, toHex, type WireError } from '../src/wire/index.js';
import { peerMachineMeta } from './peer.meta.js';
import type { CloseReason, ConnectionInput, PeerCommand, PeerContext, PeerEvent, PeerMachineInput } from './peer.types.js';

export type { CloseReason, ConnectionInput, PeerAddress, PeerCommand, PeerContext, PeerEvent, PeerMachineInput } from './peer.types.js';
export { peerMachineSampleEvents, peerMachineSampleInputs } from './peer.meta.js';

/**
 * One peer connection (BEP 3), the single owner of its protocol state: connecting →
 * handshaking → greeting → active → closed, one path for dialled and accepted connections.
 * `active` has six parallel regions: the four BEP 3 flags (amChoking, amInterested,
 * peerChoking, peerInterested), snubbing, and extensions (where BEP 10 negotiation goes).
 *
 * IO is the provided `connection` actor (invoked for the machine's whole life): it owns the
 * socket and wire stack, sends the events below to this machine and receives
 * {@link PeerCommand}s. Bits and counts live in cores the machine builds from its input's
 * shared ones and hands to its connection (`pieces`: the peer's bitfield, its share of
 * availability and the interesting count; `gate`: what the block path may do); the named
 * actions call them. Blocks never come here.
 *
 * Events in: from the connection — CONNECTED, CONNECT_FAILED, HANDSHAKE_RECEIVED, PEER_*
 * (one per control message), ACTIVITY / DATA_RECEIVED (coalesced, ≤ 1 per second),
 * PROTOCOL_ERROR, SOCKET_CLOSED; from the data plane — REQUESTS_PENDING / REQUESTS_DRAINED
 * (edges only), PIECE_VERIFIED, CLOSE; from the choker — CHOKE, UNCHOKE.
 * Timers are named delays (`peerMachine.provide({ delays })`).
 */

const KEEPALIVE_TIMER = 'keepAlive';
const IDLE_TIMER = 'idle';
const CONNECTION = 'connection';

const handshakeVerdict = (context: PeerContext, event: PeerEvent) =>
  event.type === 'HANDSHAKE_RECEIVED' ? checkHandshake(event.handshake, { infoHash: context.infoHash, ourPeerId: context.ourPeerId }) : undefined;
/** BEP 5: our node runs for this torrent and both handshakes set the DHT bit. */
const dhtNegotiated = (c: PeerContext): boolean => c.dhtPort !== null && c.theirReserved !== null && supportsDht(c.reserved) && supportsDht(c.theirReserved);
const protocolClose = (error: WireError): CloseReason => ({ code: 'protocol', error, message: describeWireError(error) });

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
  },
  guards: {
    isIncoming: ({ context }) => !context.outgoing,
    handshakeAccepted: ({ context, event }) => handshakeVerdict(context, event)?._tag === 'Right',
    fastNegotiated: ({ context }) => context.theirReserved !== null && fastNegotiated(context.reserved, context.theirReserved),
    haveInRange: ({ context, event }) => event.type === 'PEER_HAVE' && event.index < context.pieceCount,
    withinAnnouncementCap: ({ context }) => context.pieces.announcements < context.maxAnnouncements,
    wantsPieces: ({ context }) => context.pieces.interesting > 0,
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
    announceReady: sendTo(CONNECTION, ({ context }): PeerCommand => ({ type: 'ready', client: context.client })),
    // BEP 3: the bitfield goes first and only when we have something; BEP 6 adds shorthands
    sendOurPiecesFast: sendTo(CONNECTION, ({ context }): PeerCommand => {
      const have = context.pieces.ours;
      if (have.isComplete) return { type: 'send', message: { type: 'haveAll' } };
      if (have.count > 0) return { type: 'send', message: { type: 'bitfield', bitfield: have.toBytes() } };
      return { type: 'send', message: { type: 'haveNone' } };
    }),
    sendOurPieces: enqueueActions(({ context, enqueue }) => {
      const have = context.pieces.ours;
      if (have.count > 0) enqueue.sendTo(CONNECTION, { type: 'send', message: { type: 'bitfield', bitfield: have.toBytes() } } satisfies PeerCommand);
    }),
    recordClose: assign({
      closeReason: ({ context, event }): CloseReason => {
        switch (event.type) {
          case 'HANDSHAKE_RECEIVED': {
            const verdict = handshakeVerdict(context, event);
            return verdict !== undefined && verdict._tag === 'Left' ? protocolClose(verdict.left) : { code: 'local', message: 'closed' };
          }
          case 'CONNECT_FAILED':
            return { code: 'connectFailed', message: event.message };
          case 'PROTOCOL_ERROR':
            return protocolClose(event.error);
          case 'SOCKET_CLOSED':
            return event.reason;
          case 'CLOSE':
            return { code: 'local', message: event.message };
          case 'IDLE_TIMEOUT':
            return { code: 'idleTimeout', message: 'peer sent nothing for too long' };
          case 'PEER_HAVE':
            return protocolClose({ tag: 'pieceIndexOutOfRange', messageType: 'have', index: event.index, pieceCount: context.pieceCount });
          case 'PEER_BITFIELD':
          case 'PEER_HAVE_ALL':
          case 'PEER_HAVE_NONE':
            return { code: 'local', message: `peer announced its pieces more than ${context.maxAnnouncements} times` };
          default:
            // the connection actor threw (a bug in the data plane): close this peer, not the torrent
            if ((event.type as string).startsWith('xstate.error.actor')) return { code: 'local', message: 'connection failed inside statorrent' };
            return { code: 'handshakeTimeout', message: 'peer did not complete the handshake in time' };
        }
      },
    }),
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
    recordHave: ({ context, event }) => {
      if (event.type === 'PEER_HAVE') context.pieces.gain(event.index);
    },
    // a later announcement replaces the set (aria2: have-none, then a bitfield), never closes
    replacePieces: ({ context, event }) => {
      if (event.type === 'PEER_BITFIELD') context.pieces.replaceWithBitfield(event.bitfield);
      else if (event.type === 'PEER_HAVE_ALL') context.pieces.replaceWithAll();
      else if (event.type === 'PEER_HAVE_NONE') context.pieces.replaceWithNone();
    },
    // have suppression: a peer that has the piece gains nothing from hearing about it
    announceVerified: enqueueActions(({ context, event, enqueue }) => {
      if (event.type !== 'PIECE_VERIFIED' || context.pieces.weVerified(event.index)) return;
      enqueue.sendTo(CONNECTION, { type: 'send', message: { type: 'have', index: event.index } } satisfies PeerCommand);
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
        PEER_HAVE: [
          { guard: 'haveInRange', actions: ['recordHave', 'refill'], description: 'One more piece: availability and interest go up.', meta: { bep: 'BEP 3 · Peer messages' } },
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
        PIECE_VERIFIED: { actions: 'announceVerified', description: 'Send have unless the peer has the piece; if it has, we want one piece less from it.', meta: { bep: 'BEP 3 · Peer messages' } },
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
        extensions: {
          // BEP 10 goes here: `offered` (both set reserved bit 0x10 of byte 5) → send our
          // extended handshake → `negotiated`, with the peer's message ids (ut_metadata,
          // ut_pex) kept in context as plain data beside `maxAnnouncements`.
          description: 'Extension negotiation (BEP 10 lands here); none is offered yet, so the reserved bit stays off.',
          initial: 'none',
          states: { none: { description: 'No extension protocol negotiated.' } },
        },
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
