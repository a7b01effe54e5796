import type { Socket } from 'node:net';
import { filter, map, merge, type Observable, type Subscription } from 'rxjs';
import { createActor, type ActorRefFrom } from 'xstate';
import { peerMachine, type CloseReason, type PeerEvent, type PeerMachine, type PeerMachineInput } from '../machines/peer.machine.js';
import { ourReserved } from '../src/wire/index.js';
import type { FrameEvent } from './frames.js';
import { toPeerEvents, type PeerEventOptions } from './peerEvents.js';
import { wrapWireSocket, type IncomingEvent, type WireSocket } from './wireSocket.js';

/** One connection's socket, peer machine and the wiring between them. */
export interface PeerLink {
  readonly actor: ActorRefFrom<PeerMachine>;
  readonly wire: WireSocket;
  /** Every frame (including `piece` and `request`) for the session's block store and uploader. */
  readonly frames$: Observable<FrameEvent>;
  /** Settles (never rejects) with the reason once the machine reaches `closed`. */
  readonly closed: Promise<CloseReason>;
}

/** What `startPeerLink` needs. */
export interface PeerLinkOptions extends PeerEventOptions {
  /** An accepted socket, or one from `net.connect` (connected or still connecting). */
  readonly socket: Socket;
  readonly input: PeerMachineInput;
  /** Reserved bytes we announce (default: extension protocol + fast extension). */
  readonly reserved?: Uint8Array;
  /** The machine with its delays, e.g. `peerMachine.provide({ delays })`. */
  readonly machine?: PeerMachine;
  /**
   * An already running peer actor to drive instead of creating one, e.g. one the torrent
   * machine spawned (so every peer lives in the torrent's actor system, where the choker and
   * the trace recorder find it).
   */
  readonly actor?: ActorRefFrom<PeerMachine>;
}

const isFrame = (e: IncomingEvent): e is FrameEvent => e.kind !== 'end';

/**
 * Starts the per-connection stack: socket → frames → (coalesced) machine events; machine
 * `send`/`sendHandshake` → socket; machine `closed` → socket destroyed; socket end → machine
 * `SOCKET_CLOSED`. The caller subscribes to `frames$` and `actor.on(...)` in the same tick.
 */
export function startPeerLink(options: PeerLinkOptions): PeerLink {
  const { socket, input } = options;
  const reserved = options.reserved ?? ourReserved();
  const wire = wrapWireSocket(socket, {
    frames: { pieceCount: input.pieceCount, ourReserved: reserved, expect: { infoHash: input.infoHash, ourPeerId: input.peerId } },
  });
  const owned = options.actor === undefined;
  const actor = options.actor ?? createActor(options.machine ?? peerMachine, { input });
  const deliver = (event: PeerEvent): void => {
    if (actor.getSnapshot().status === 'active') actor.send(event);
  };

  let resolveClosed: (r: CloseReason) => void = () => undefined;
  const closed = new Promise<CloseReason>((resolve) => (resolveClosed = resolve));
  let wiring: Subscription | undefined;

  actor.on('sendHandshake', () => {
    wire.sendHandshake({ reserved, infoHash: input.infoHash, peerId: input.peerId });
  });
  actor.on('send', (e) => {
    wire.send(e.message);
  });
  actor.on('closed', (e) => {
    wire.close(e.reason.message);
    wiring?.unsubscribe();
    resolveClosed(e.reason);
  });

  const frames$ = wire.incoming$.pipe(filter(isFrame));
  const events$ = merge(
    frames$.pipe(toPeerEvents(options)),
    wire.incoming$.pipe(
      filter((e): e is Extract<IncomingEvent, { kind: 'end' }> => e.kind === 'end'),
      map((e): PeerEvent => ({ type: 'SOCKET_CLOSED', reason: e.end })),
    ),
  );
  if (owned) (actor as ReturnType<typeof createActor<PeerMachine>>).start();
  wiring = events$.subscribe(deliver);
  if (input.outgoing) {
    if (socket.connecting) socket.once('connect', () => deliver({ type: 'CONNECTED' }));
    else if (!socket.destroyed) deliver({ type: 'CONNECTED' });
  }
  return { actor, wire, frames$, closed };
}
