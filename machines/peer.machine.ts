import { and, assign, cancel, emit, raise, setup, stateIn } from 'xstate';
import {
  checkHandshake,
  clientNameFromPeerId,
  describeWireError,
  toHex,
  type Handshake,
  type WireError,
  type WireMessage,
} from '../src/wire/index.js';

/**
 * One peer connection (BEP 3): connecting → handshaking → active → closed. `active` has four
 * parallel regions, the BEP 3 connection state: amChoking, amInterested, peerChoking,
 * peerInterested. Spawn one per connection from the torrent session.
 *
 * EVENT CONTRACT
 *
 * In, from the stream layer (streams/peerEvents.ts maps frames to these):
 * - `CONNECTED` / `CONNECT_FAILED {message}`: outgoing TCP connect result.
 * - `HANDSHAKE_RECEIVED {handshake}`: checked again here (info hash, self-connection).
 * - `PEER_CHOKE`, `PEER_UNCHOKE`, `PEER_INTERESTED`, `PEER_NOT_INTERESTED`, `PEER_HAVE {index}`,
 *   `PEER_BITFIELD {bitfield}`, `PEER_HAVE_ALL`, `PEER_HAVE_NONE`: one per such wire message.
 * - `ACTIVITY`: "the peer sent something"; restarts the idle timer. Coalesced by the stream
 *   layer to at most one per `activityEvery` (1 s): never one per message.
 * - `DATA_RECEIVED`: "at least one block arrived"; restarts the request timer and ends
 *   snubbing. Coalesced the same way: never one per block. Payloads never enter the machine.
 * - `PROTOCOL_ERROR {error}`, `SOCKET_CLOSED {reason}`: the connection is over.
 * In, from the torrent session / choker:
 * - `CHOKE`, `UNCHOKE`, `INTERESTED`, `NOT_INTERESTED`: change our side; sends only on change.
 * - `REQUESTS_PENDING` / `REQUESTS_DRAINED`: our request pipeline to this peer became
 *   non-empty / empty (edges only), which arms the snub timer.
 * - `CLOSE {message}`: drop the peer.
 *
 * Out, via `actor.on(type, handler)`:
 * - `sendHandshake`: write our handshake now (outgoing: on connect; incoming: after theirs).
 * - `handshakeComplete {peerId, reserved, client}`: send our bitfield / have-all now.
 * - `send {message}`: a control message to write (choke, unchoke, interested, not interested,
 *   keep-alive).
 * - `peerChoked`, `peerUnchoked`, `peerInterested`, `peerNotInterested`, `peerHave {index}`,
 *   `peerBitfield {bitfield}`, `peerHaveAll`, `peerHaveNone`: update the session's bitfield
 *   and availability (bitfields live there, not here).
 * - `snubbed` / `unsnubbed`: no block for `requestTimeout` while we wait on requests.
 * - `closed {reason}`: close the socket; the actor is done.
 *
 * Timers are named delays, overridable with `peerMachine.provide({ delays })`:
 * handshakeTimeout, keepAliveInterval, idleTimeout, requestTimeout.
 */

/** Why a connection ended; `message` is one line for a person. */
export type CloseReason =
  | { readonly code: 'protocol'; readonly error: WireError; readonly message: string }
  | {
      readonly code: 'handshakeTimeout' | 'idleTimeout' | 'connectFailed' | 'remoteClosed' | 'socketError' | 'local';
      readonly message: string;
    };

/** Per-connection input. */
export interface PeerMachineInput {
  readonly infoHash: Uint8Array;
  /** Our own peer id (to detect connecting to ourselves). */
  readonly peerId: Uint8Array;
  readonly pieceCount: number;
  /** True when we dialled; false for an accepted connection (already connected). */
  readonly outgoing: boolean;
}

interface PeerContext {
  readonly infoHash: Uint8Array;
  readonly ourPeerId: Uint8Array;
  readonly pieceCount: number;
  readonly outgoing: boolean;
  readonly remotePeerId: string | null;
  readonly requestsPending: boolean;
  readonly closeReason: CloseReason | null;
}

/** Events the machine accepts (see the contract above). */
export type PeerEvent =
  | { type: 'CONNECTED' }
  | { type: 'CONNECT_FAILED'; message: string }
  | { type: 'HANDSHAKE_RECEIVED'; handshake: Handshake }
  | { type: 'PEER_CHOKE' }
  | { type: 'PEER_UNCHOKE' }
  | { type: 'PEER_INTERESTED' }
  | { type: 'PEER_NOT_INTERESTED' }
  | { type: 'PEER_HAVE'; index: number }
  | { type: 'PEER_BITFIELD'; bitfield: Uint8Array }
  | { type: 'PEER_HAVE_ALL' }
  | { type: 'PEER_HAVE_NONE' }
  | { type: 'ACTIVITY' }
  | { type: 'DATA_RECEIVED' }
  | { type: 'PROTOCOL_ERROR'; error: WireError }
  | { type: 'SOCKET_CLOSED'; reason: CloseReason }
  | { type: 'CHOKE' }
  | { type: 'UNCHOKE' }
  | { type: 'INTERESTED' }
  | { type: 'NOT_INTERESTED' }
  | { type: 'REQUESTS_PENDING' }
  | { type: 'REQUESTS_DRAINED' }
  | { type: 'CLOSE'; message: string }
  /** Raised by the machine itself after `keepAliveInterval`. */
  | { type: 'KEEPALIVE_DUE' }
  /** Raised by the machine itself after `idleTimeout` without ACTIVITY. */
  | { type: 'IDLE_TIMEOUT' };

/** Events the machine emits (see the contract above). */
export type PeerEmitted =
  | { type: 'sendHandshake' }
  | { type: 'handshakeComplete'; peerId: Uint8Array; reserved: Uint8Array; client: string }
  | { type: 'send'; message: WireMessage }
  | { type: 'peerChoked' }
  | { type: 'peerUnchoked' }
  | { type: 'peerInterested' }
  | { type: 'peerNotInterested' }
  | { type: 'peerHave'; index: number }
  | { type: 'peerBitfield'; bitfield: Uint8Array }
  | { type: 'peerHaveAll' }
  | { type: 'peerHaveNone' }
  | { type: 'snubbed' }
  | { type: 'unsnubbed' }
  | { type: 'closed'; reason: CloseReason };

const KEEPALIVE_TIMER = 'keepAlive';
const IDLE_TIMER = 'idle';

const handshakeVerdict = (context: PeerContext, event: PeerEvent) =>
  event.type === 'HANDSHAKE_RECEIVED'
    ? checkHandshake(event.handshake, { infoHash: context.infoHash, ourPeerId: context.ourPeerId })
    : undefined;

export const peerMachine = setup({
  types: {
    input: {} as PeerMachineInput,
    context: {} as PeerContext,
    events: {} as PeerEvent,
    emitted: {} as PeerEmitted,
  },
  delays: {
    /** Connect + both handshakes must finish within this. */
    handshakeTimeout: 20_000,
    /** BEP 3: keep-alives are "generally sent once every two minutes". */
    keepAliveInterval: 120_000,
    /** Silence longer than two keep-alive periods: the peer is gone. */
    idleTimeout: 240_000,
    /** No block for this long while we wait on requests: the peer snubs us. */
    requestTimeout: 60_000,
  },
  guards: {
    isIncoming: ({ context }) => !context.outgoing,
    handshakeAccepted: ({ context, event }) => handshakeVerdict(context, event)?._tag === 'Right',
    haveInRange: ({ context, event }) => event.type === 'PEER_HAVE' && event.index < context.pieceCount,
    hasRequestsPending: ({ context }) => context.requestsPending,
  },
  actions: {
    sendHandshake: emit({ type: 'sendHandshake' as const }),
    recordRemotePeer: assign({
      remotePeerId: ({ event }) => (event.type === 'HANDSHAKE_RECEIVED' ? toHex(event.handshake.peerId) : null),
    }),
    announceHandshake: emit(({ event }) => {
      const h = (event as Extract<PeerEvent, { type: 'HANDSHAKE_RECEIVED' }>).handshake;
      return { type: 'handshakeComplete' as const, peerId: h.peerId, reserved: h.reserved, client: clientNameFromPeerId(h.peerId) };
    }),
    recordHandshakeRejection: assign({
      closeReason: ({ context, event }): CloseReason | null => {
        const verdict = handshakeVerdict(context, event);
        if (verdict === undefined || verdict._tag === 'Right') return null;
        return { code: 'protocol', error: verdict.left, message: describeWireError(verdict.left) };
      },
    }),
    recordHandshakeTimeout: assign({
      closeReason: (): CloseReason => ({ code: 'handshakeTimeout', message: 'peer did not complete the handshake in time' }),
    }),
    recordConnectFailed: assign({
      closeReason: ({ event }): CloseReason => ({
        code: 'connectFailed',
        message: event.type === 'CONNECT_FAILED' ? event.message : 'connect failed',
      }),
    }),
    recordIdleTimeout: assign({
      closeReason: (): CloseReason => ({ code: 'idleTimeout', message: 'peer sent nothing for too long' }),
    }),
    recordProtocolError: assign({
      closeReason: ({ event }): CloseReason | null =>
        event.type === 'PROTOCOL_ERROR' ? { code: 'protocol', error: event.error, message: describeWireError(event.error) } : null,
    }),
    recordHaveOutOfRange: assign({
      closeReason: ({ context, event }): CloseReason | null => {
        if (event.type !== 'PEER_HAVE') return null;
        const error: WireError = { tag: 'pieceIndexOutOfRange', messageType: 'have', index: event.index, pieceCount: context.pieceCount };
        return { code: 'protocol', error, message: describeWireError(error) };
      },
    }),
    recordSocketClosed: assign({
      closeReason: ({ event }): CloseReason | null => (event.type === 'SOCKET_CLOSED' ? event.reason : null),
    }),
    recordLocalClose: assign({
      closeReason: ({ event }): CloseReason => ({ code: 'local', message: event.type === 'CLOSE' ? event.message : 'closed' }),
    }),
    notifyClosed: emit(({ context }) => ({
      type: 'closed' as const,
      reason: context.closeReason ?? { code: 'local' as const, message: 'closed' },
    })),
    startKeepAliveTimer: raise({ type: 'KEEPALIVE_DUE' }, { id: KEEPALIVE_TIMER, delay: 'keepAliveInterval' }),
    cancelIdleTimer: cancel(IDLE_TIMER),
    armIdleTimer: raise({ type: 'IDLE_TIMEOUT' }, { id: IDLE_TIMER, delay: 'idleTimeout' }),
    sendKeepAlive: emit({ type: 'send' as const, message: { type: 'keepAlive' as const } }),
    sendChoke: emit({ type: 'send' as const, message: { type: 'choke' as const } }),
    sendUnchoke: emit({ type: 'send' as const, message: { type: 'unchoke' as const } }),
    sendInterested: emit({ type: 'send' as const, message: { type: 'interested' as const } }),
    sendNotInterested: emit({ type: 'send' as const, message: { type: 'notInterested' as const } }),
    notifyPeerChoked: emit({ type: 'peerChoked' as const }),
    notifyPeerUnchoked: emit({ type: 'peerUnchoked' as const }),
    notifyPeerInterested: emit({ type: 'peerInterested' as const }),
    notifyPeerNotInterested: emit({ type: 'peerNotInterested' as const }),
    forwardHave: emit(({ event }) => ({ type: 'peerHave' as const, index: event.type === 'PEER_HAVE' ? event.index : -1 })),
    forwardBitfield: emit(({ event }) => ({
      type: 'peerBitfield' as const,
      bitfield: event.type === 'PEER_BITFIELD' ? event.bitfield : new Uint8Array(0),
    })),
    forwardHaveAll: emit({ type: 'peerHaveAll' as const }),
    forwardHaveNone: emit({ type: 'peerHaveNone' as const }),
    markRequestsPending: assign({ requestsPending: true }),
    markRequestsDrained: assign({ requestsPending: false }),
    notifySnubbed: emit({ type: 'snubbed' as const }),
    notifyUnsnubbed: emit({ type: 'unsnubbed' as const }),
  },
}).createMachine({
  id: 'peer',
  description: 'One peer connection: TCP connect, handshake, then four independent choke/interest flags until either side closes.',
  meta: {
    bep: 'BEP 3 · Peer protocol',
    events: {
      CONNECTED: { description: 'Our outgoing TCP connect succeeded.' },
      CONNECT_FAILED: { description: 'Our outgoing TCP connect failed (refused, unreachable).' },
      HANDSHAKE_RECEIVED: { description: "The peer's handshake arrived (protocol string, reserved bits, info hash, peer id).", bep: 'BEP 3 · Peer protocol' },
      PEER_CHOKE: { description: 'The peer sent choke: it will not serve our requests.', bep: 'BEP 3 · Peer messages' },
      PEER_UNCHOKE: { description: 'The peer sent unchoke: we may request blocks.', bep: 'BEP 3 · Peer messages' },
      PEER_INTERESTED: { description: 'The peer sent interested: it wants pieces we have.', bep: 'BEP 3 · Peer messages' },
      PEER_NOT_INTERESTED: { description: 'The peer sent not interested: it wants nothing from us now.', bep: 'BEP 3 · Peer messages' },
      PEER_HAVE: { description: 'The peer sent have: it just verified the piece at this index.', bep: 'BEP 3 · Peer messages' },
      PEER_BITFIELD: { description: 'The peer sent its bitfield (only ever as the first message).', bep: 'BEP 3 · Peer messages' },
      PEER_HAVE_ALL: { description: 'The peer sent have all: it is a seed (fast extension).', bep: 'BEP 6 · Have All/Have None' },
      PEER_HAVE_NONE: { description: 'The peer sent have none: it has no pieces yet (fast extension).', bep: 'BEP 6 · Have All/Have None' },
      ACTIVITY: { description: 'The peer sent something; coalesced to at most one per second, never one per message.' },
      DATA_RECEIVED: { description: 'At least one block arrived; coalesced, and the payload itself never enters the machine.' },
      PROTOCOL_ERROR: { description: 'The stream layer could not accept what the peer sent (bad length, bad message).', bep: 'BEP 3 · Peer messages' },
      SOCKET_CLOSED: { description: 'The TCP connection ended or failed underneath us.' },
      CHOKE: { description: 'The choker takes our upload slot away from this peer.', bep: 'BEP 3 · Peer messages' },
      UNCHOKE: { description: 'The choker gives this peer one of our upload slots.', bep: 'BEP 3 · Peer messages' },
      INTERESTED: { description: 'The session found a piece this peer has and we lack.', bep: 'BEP 3 · Peer protocol' },
      NOT_INTERESTED: { description: 'The session no longer wants anything this peer has.', bep: 'BEP 3 · Peer protocol' },
      REQUESTS_PENDING: { description: 'Our request pipeline to this peer became non-empty (edge only).' },
      REQUESTS_DRAINED: { description: 'Our request pipeline to this peer became empty (edge only).' },
      CLOSE: { description: 'The session drops this peer (banned, torrent paused or stopped).' },
      KEEPALIVE_DUE: { description: 'Raised by the machine itself every keepAliveInterval.', bep: 'BEP 3 · Peer protocol' },
      IDLE_TIMEOUT: { description: 'Raised by the machine itself after idleTimeout without ACTIVITY.' },
    },
    delays: {
      handshakeTimeout: { description: 'Connect plus both handshakes must finish within this, so a silent socket cannot hold a connection slot.' },
      keepAliveInterval: { description: 'How often we send a keep-alive; BEP 3 says they are generally sent every two minutes.', bep: 'BEP 3 · Peer protocol' },
      idleTimeout: { description: 'Two keep-alive periods of silence: the peer is gone.' },
      requestTimeout: { description: 'No block for this long while we wait on requests: the peer is snubbing us.' },
    },
    guards: {
      isIncoming: 'The peer dialled us, so TCP is already connected.',
      handshakeAccepted: 'Their handshake names our info hash and is not our own peer id.',
      haveInRange: 'The have index is below the piece count.',
      hasRequestsPending: 'We have requests outstanding to this peer.',
    },
  },
  context: ({ input }) => ({
    infoHash: input.infoHash,
    ourPeerId: input.peerId,
    pieceCount: input.pieceCount,
    outgoing: input.outgoing,
    remotePeerId: null,
    requestsPending: false,
    closeReason: null,
  }),
  initial: 'connecting',
  on: {
    CLOSE: { target: '.closed', actions: 'recordLocalClose', description: 'Dropped by the session; the reason goes out with `closed`.' },
    PROTOCOL_ERROR: {
      target: '.closed',
      actions: 'recordProtocolError',
      description: 'A peer that breaks the wire format is closed, never guessed around: its later bytes cannot be trusted.',
      meta: { bep: 'BEP 3 · Peer messages' },
    },
    SOCKET_CLOSED: { target: '.closed', actions: 'recordSocketClosed', description: 'The connection is gone, from any state.' },
  },
  states: {
    connecting: {
      description: 'Our outgoing TCP connect is in progress; accepted connections pass straight through.',
      always: { guard: 'isIncoming', target: 'handshaking', description: 'An accepted connection is already up: wait for their handshake.' },
      after: {
        handshakeTimeout: { target: 'closed', actions: 'recordHandshakeTimeout', description: 'Connect took too long; free the slot for another candidate.' },
      },
      on: {
        CONNECTED: {
          target: 'handshaking',
          actions: 'sendHandshake',
          description: 'TCP is up: the dialling side sends its handshake first.',
          meta: { bep: 'BEP 3 · Peer protocol' },
        },
        CONNECT_FAILED: { target: 'closed', actions: 'recordConnectFailed', description: 'Refused or unreachable; the torrent backs off this endpoint.' },
      },
    },
    handshaking: {
      description: 'Waiting for the remote handshake, which must name our torrent.',
      meta: { bep: 'BEP 3 · Peer protocol' },
      after: {
        handshakeTimeout: { target: 'closed', actions: 'recordHandshakeTimeout', description: 'The handshake never completed in time.' },
      },
      on: {
        HANDSHAKE_RECEIVED: [
          // BEP 3: the receiving side answers once it knows the torrent is one it serves
          {
            guard: and(['handshakeAccepted', 'isIncoming']),
            target: 'active',
            actions: ['recordRemotePeer', 'sendHandshake', 'announceHandshake'],
            description: 'They dialled us and named a torrent we serve: answer with our handshake only now.',
            meta: { bep: 'BEP 3 · Peer protocol' },
          },
          {
            guard: 'handshakeAccepted',
            target: 'active',
            actions: ['recordRemotePeer', 'announceHandshake'],
            description: 'We dialled: ours already went out and theirs matches.',
            meta: { bep: 'BEP 3 · Peer protocol' },
          },
          {
            target: 'closed',
            actions: 'recordHandshakeRejection',
            description: 'Wrong info hash, or our own peer id (we dialled ourselves): sever the connection.',
            meta: { bep: 'BEP 3 · Peer protocol' },
          },
        ],
      },
    },
    active: {
      description: 'Handshake done: the four connection flags change independently; keep-alive and idle timers run.',
      meta: { bep: 'BEP 3 · Peer protocol' },
      type: 'parallel',
      entry: ['startKeepAliveTimer', 'armIdleTimer'],
      on: {
        KEEPALIVE_DUE: {
          actions: ['sendKeepAlive', 'startKeepAliveTimer'],
          description: 'Send a zero-length keep-alive so the peer does not drop a quiet but healthy link.',
          meta: { bep: 'BEP 3 · Peer protocol' },
        },
        IDLE_TIMEOUT: { target: 'closed', actions: 'recordIdleTimeout', description: 'Nothing heard for idleTimeout: the peer vanished, free the slot.' },
        ACTIVITY: { actions: ['cancelIdleTimer', 'armIdleTimer'], description: 'The peer is alive: restart the idle timer.' },
        DATA_RECEIVED: { actions: ['cancelIdleTimer', 'armIdleTimer'], description: 'A block also proves the peer is alive: restart the idle timer.' },
        PEER_HAVE: [
          { guard: 'haveInRange', actions: 'forwardHave', description: 'Pass the new piece on so availability and interest can update.', meta: { bep: 'BEP 3 · Peer messages' } },
          {
            target: 'closed',
            actions: 'recordHaveOutOfRange',
            description: 'An index past the last piece is a protocol violation: close.',
            meta: { bep: 'BEP 3 · Peer messages' },
          },
        ],
        PEER_BITFIELD: { actions: 'forwardBitfield', description: 'Pass the bitfield on: bitfields live in the session, not here.', meta: { bep: 'BEP 3 · Peer messages' } },
        PEER_HAVE_ALL: { actions: 'forwardHaveAll', description: 'Pass on "has every piece", the fast-extension form of a full bitfield.', meta: { bep: 'BEP 6 · Have All/Have None' } },
        PEER_HAVE_NONE: { actions: 'forwardHaveNone', description: 'Pass on "has no piece", the fast-extension form of an empty bitfield.', meta: { bep: 'BEP 6 · Have All/Have None' } },
        REQUESTS_PENDING: { actions: 'markRequestsPending', description: 'Remember that we wait on this peer, which the snub check needs.' },
        REQUESTS_DRAINED: { actions: 'markRequestsDrained', description: 'Nothing outstanding: a quiet peer is no longer snubbing us.' },
      },
      states: {
        amChoking: {
          description: 'Do we refuse to upload to this peer? The choker decides.',
          meta: { bep: 'BEP 3 · Peer protocol' },
          initial: 'choking',
          states: {
            choking: {
              description: 'We do not serve their requests; every connection starts here.',
              on: { UNCHOKE: { target: 'unchoked', actions: 'sendUnchoke', description: 'The choker gave this peer an upload slot: send unchoke.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
            unchoked: {
              description: 'We serve their requests: they hold one of our few upload slots.',
              on: { CHOKE: { target: 'choking', actions: 'sendChoke', description: 'The choker took the slot back: send choke.', meta: { bep: 'BEP 3 · Peer messages' } } },
            },
          },
        },
        amInterested: {
          description: 'Do we want pieces this peer has? Kept current even while choked, so peers know whom unchoking helps.',
          meta: { bep: 'BEP 3 · Peer protocol' },
          initial: 'notInterested',
          states: {
            notInterested: {
              description: 'The peer has nothing we need; every connection starts here.',
              on: {
                INTERESTED: {
                  target: 'interested',
                  actions: 'sendInterested',
                  description: 'It has a piece we lack: say so, or it has no reason to unchoke us.',
                  meta: { bep: 'BEP 3 · Peer messages' },
                },
              },
            },
            interested: {
              description: 'The peer has pieces we lack; we request once it unchokes us.',
              on: {
                NOT_INTERESTED: {
                  target: 'notInterested',
                  actions: 'sendNotInterested',
                  description: 'Nothing left to want: say so, freeing its slot for someone else.',
                  meta: { bep: 'BEP 3 · Peer messages' },
                },
              },
            },
          },
        },
        peerChoking: {
          description: 'Does the peer let us download from it?',
          meta: { bep: 'BEP 3 · Peer protocol' },
          initial: 'choking',
          states: {
            choking: {
              description: 'The peer refuses our requests; every connection starts here.',
              on: {
                PEER_UNCHOKE: {
                  target: 'unchoked',
                  actions: 'notifyPeerUnchoked',
                  description: 'We got a slot: the session may start requesting blocks.',
                  meta: { bep: 'BEP 3 · Peer messages' },
                },
              },
            },
            unchoked: {
              description: 'The peer serves our requests; we watch whether blocks really come.',
              initial: 'receiving',
              on: {
                PEER_CHOKE: {
                  target: 'choking',
                  actions: 'notifyPeerChoked',
                  description: 'Slot lost: our outstanding requests will not be answered.',
                  meta: { bep: 'BEP 3 · Peer messages' },
                },
              },
              states: {
                // the request timer runs from the last block (or from the pipeline filling)
                receiving: {
                  description: 'Blocks arrive, or we ask for nothing; the request timer restarts on every block.',
                  after: {
                    requestTimeout: {
                      guard: and([stateIn('#peer.active.amInterested.interested'), 'hasRequestsPending']),
                      target: 'snubbed',
                      description: 'Interested, requests out, yet no block for requestTimeout: the peer snubs us.',
                    },
                  },
                  on: {
                    DATA_RECEIVED: {
                      target: 'receiving',
                      reenter: true,
                      actions: ['cancelIdleTimer', 'armIdleTimer'],
                      description: 'A block came: restart the request timer.',
                    },
                    REQUESTS_PENDING: {
                      target: 'receiving',
                      reenter: true,
                      actions: 'markRequestsPending',
                      description: 'The pipeline just filled: time the peer from now.',
                    },
                    // becoming interested re-arms the timer (amInterested takes its own transition too)
                    INTERESTED: { target: 'receiving', reenter: true, description: 'We just became interested: time the peer from now.' },
                  },
                },
                snubbed: {
                  description:
                    'Unchoked but silent: the peer loses its regular upload slot (no tit-for-tat for nothing) and our requests go to other peers.',
                  entry: 'notifySnubbed',
                  exit: 'notifyUnsnubbed',
                  on: {
                    DATA_RECEIVED: {
                      target: 'receiving',
                      actions: ['cancelIdleTimer', 'armIdleTimer'],
                      description: 'A block came after all: no longer snubbed.',
                    },
                  },
                },
              },
            },
          },
        },
        peerInterested: {
          description: 'Does the peer want pieces we have? Only interested peers compete for our upload slots.',
          meta: { bep: 'BEP 3 · Peer protocol' },
          initial: 'notInterested',
          states: {
            notInterested: {
              description: 'The peer wants nothing from us; every connection starts here.',
              on: {
                PEER_INTERESTED: {
                  target: 'interested',
                  actions: 'notifyPeerInterested',
                  description: 'It wants our pieces: the choker may now rank it.',
                  meta: { bep: 'BEP 3 · Peer messages' },
                },
              },
            },
            interested: {
              description: 'The peer would download from us if unchoked.',
              on: {
                PEER_NOT_INTERESTED: {
                  target: 'notInterested',
                  actions: 'notifyPeerNotInterested',
                  description: 'It wants nothing now: the choker can give its slot away.',
                  meta: { bep: 'BEP 3 · Peer messages' },
                },
              },
            },
          },
        },
      },
    },
    closed: {
      description: 'The connection is over; `closed` carries the reason and the actor stops.',
      type: 'final',
      entry: 'notifyClosed',
    },
  },
});

/** The peer machine's type, for spawning and typing actor refs. */
export type PeerMachine = typeof peerMachine;
