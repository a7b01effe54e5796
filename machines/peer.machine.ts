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
    CLOSE: { target: '.closed', actions: 'recordLocalClose' },
    PROTOCOL_ERROR: { target: '.closed', actions: 'recordProtocolError' },
    SOCKET_CLOSED: { target: '.closed', actions: 'recordSocketClosed' },
  },
  states: {
    connecting: {
      always: { guard: 'isIncoming', target: 'handshaking' },
      after: { handshakeTimeout: { target: 'closed', actions: 'recordHandshakeTimeout' } },
      on: {
        CONNECTED: { target: 'handshaking', actions: 'sendHandshake' },
        CONNECT_FAILED: { target: 'closed', actions: 'recordConnectFailed' },
      },
    },
    handshaking: {
      after: { handshakeTimeout: { target: 'closed', actions: 'recordHandshakeTimeout' } },
      on: {
        HANDSHAKE_RECEIVED: [
          // BEP 3: the receiving side answers once it knows the torrent is one it serves
          {
            guard: and(['handshakeAccepted', 'isIncoming']),
            target: 'active',
            actions: ['recordRemotePeer', 'sendHandshake', 'announceHandshake'],
          },
          { guard: 'handshakeAccepted', target: 'active', actions: ['recordRemotePeer', 'announceHandshake'] },
          { target: 'closed', actions: 'recordHandshakeRejection' },
        ],
      },
    },
    active: {
      type: 'parallel',
      entry: ['startKeepAliveTimer', 'armIdleTimer'],
      on: {
        KEEPALIVE_DUE: { actions: ['sendKeepAlive', 'startKeepAliveTimer'] },
        IDLE_TIMEOUT: { target: 'closed', actions: 'recordIdleTimeout' },
        ACTIVITY: { actions: ['cancelIdleTimer', 'armIdleTimer'] },
        DATA_RECEIVED: { actions: ['cancelIdleTimer', 'armIdleTimer'] },
        PEER_HAVE: [
          { guard: 'haveInRange', actions: 'forwardHave' },
          { target: 'closed', actions: 'recordHaveOutOfRange' },
        ],
        PEER_BITFIELD: { actions: 'forwardBitfield' },
        PEER_HAVE_ALL: { actions: 'forwardHaveAll' },
        PEER_HAVE_NONE: { actions: 'forwardHaveNone' },
        REQUESTS_PENDING: { actions: 'markRequestsPending' },
        REQUESTS_DRAINED: { actions: 'markRequestsDrained' },
      },
      states: {
        amChoking: {
          initial: 'choking',
          states: {
            choking: { on: { UNCHOKE: { target: 'unchoked', actions: 'sendUnchoke' } } },
            unchoked: { on: { CHOKE: { target: 'choking', actions: 'sendChoke' } } },
          },
        },
        amInterested: {
          initial: 'notInterested',
          states: {
            notInterested: { on: { INTERESTED: { target: 'interested', actions: 'sendInterested' } } },
            interested: { on: { NOT_INTERESTED: { target: 'notInterested', actions: 'sendNotInterested' } } },
          },
        },
        peerChoking: {
          initial: 'choking',
          states: {
            choking: { on: { PEER_UNCHOKE: { target: 'unchoked', actions: 'notifyPeerUnchoked' } } },
            unchoked: {
              initial: 'receiving',
              on: { PEER_CHOKE: { target: 'choking', actions: 'notifyPeerChoked' } },
              states: {
                // the request timer runs from the last block (or from the pipeline filling)
                receiving: {
                  after: {
                    requestTimeout: {
                      guard: and([stateIn('#peer.active.amInterested.interested'), 'hasRequestsPending']),
                      target: 'snubbed',
                    },
                  },
                  on: {
                    DATA_RECEIVED: { target: 'receiving', reenter: true, actions: ['cancelIdleTimer', 'armIdleTimer'] },
                    REQUESTS_PENDING: { target: 'receiving', reenter: true, actions: 'markRequestsPending' },
                    // becoming interested re-arms the timer (amInterested takes its own transition too)
                    INTERESTED: { target: 'receiving', reenter: true },
                  },
                },
                snubbed: {
                  entry: 'notifySnubbed',
                  exit: 'notifyUnsnubbed',
                  on: { DATA_RECEIVED: { target: 'receiving', actions: ['cancelIdleTimer', 'armIdleTimer'] } },
                },
              },
            },
          },
        },
        peerInterested: {
          initial: 'notInterested',
          states: {
            notInterested: { on: { PEER_INTERESTED: { target: 'interested', actions: 'notifyPeerInterested' } } },
            interested: { on: { PEER_NOT_INTERESTED: { target: 'notInterested', actions: 'notifyPeerNotInterested' } } },
          },
        },
      },
    },
    closed: {
      type: 'final',
      entry: 'notifyClosed',
    },
  },
});

/** The peer machine's type, for spawning and typing actor refs. */
export type PeerMachine = typeof peerMachine;
