import { Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { filter, map, merge, type Observable } from 'rxjs';
import { fromCallback, type CallbackActorLogic, type EventObject } from 'xstate';
import type { CloseReason, ConnectionInput, PeerCommand, PeerEvent } from '../machines/peer.machine.js';
import { ourReserved } from '../src/wire/index.js';
import type { FrameEvent } from './frames.js';
import { toPeerEvents, type PeerEventOptions } from './peerEvents.js';
import { wrapWireSocket, type IncomingEvent, type WireSocket } from './wireSocket.js';
import type { CarriedSocket, WireTransport } from './wireTransport.js';

/** One connection's wire stack as the data plane sees it. */
export interface ConnectionLink {
  readonly input: ConnectionInput;
  readonly wire: WireSocket;
  /** Every frame (including `piece` and `request`), for the block store and uploader. */
  readonly frames$: Observable<FrameEvent>;
  /** Sends an event to the peer machine (no-op once the connection is over). */
  readonly notify: (event: PeerEvent) => void;
}

/** The data plane joined to one connection: it hears the machine's notices and the close. */
export interface ConnectionPlane {
  /** Every command but `close`, after any wire write it implies. */
  command(command: PeerCommand): void;
  /** The connection is over (once). */
  closed(reason: CloseReason): void;
}

/** What a torrent (or a test) supplies to build its peers' connection actor. */
export interface PeerConnectionOptions extends PeerEventOptions {
  readonly infoHash: Uint8Array;
  /** Our peer id (the framer refuses a handshake carrying it: we dialled ourselves). */
  readonly peerId: Uint8Array;
  /** `null` while fetching a magnet link's metadata: piece messages are framed but not checked. */
  readonly pieceCount: number | null;
  /** Reserved bytes we announce; must match the machine's (default: fast extension only). */
  readonly reserved?: Uint8Array;
  /**
   * The socket: dialled now for an outgoing connection, the accepted one otherwise; undefined if
   * gone. With its transport when MSE carries it (a dialled one's MSE handshake runs after
   * connect: CONNECTED waits for it).
   */
  socketFor(input: ConnectionInput): Socket | CarriedSocket | undefined;
  /** Joins the data plane; called once the wire stack exists, before any byte is read. */
  attach?(link: ConnectionLink): ConnectionPlane;
}

const isFrame = (e: IncomingEvent): e is FrameEvent => e.kind !== 'end';

/**
 * The peer machine's `connection` actor: owns the socket and wire stack for the machine's
 * whole life. Frames become machine events (control messages one each, traffic coalesced; see
 * `toPeerEvents`) and go to the parent; data frames go straight to the data plane; the
 * machine's commands are written to the socket or handed to the data plane. Stopping the
 * actor (the machine finished) destroys the socket.
 */
export function peerConnection(options: PeerConnectionOptions): CallbackActorLogic<PeerCommand, ConnectionInput, EventObject> {
  const reserved = options.reserved ?? ourReserved();
  return fromCallback<PeerCommand, ConnectionInput>(({ input, sendBack, receive }) => {
    let over = false;
    const notify = (event: PeerEvent): void => {
      if (!over) sendBack(event);
    };
    const given = options.socketFor(input);
    if (given === undefined) {
      // deferred: the parent is still starting this actor
      queueMicrotask(() => notify({ type: 'SOCKET_CLOSED', reason: { code: 'remoteClosed', message: 'connection gone before it was taken over' } }));
      return () => undefined;
    }
    const { socket, transport } = given instanceof Socket ? { socket: given, transport: undefined } : given;
    const dialledMse = transport instanceof Promise ? transport : undefined;
    const carried: WireTransport | Promise<WireTransport | undefined> | undefined =
      transport instanceof Promise ? transport.then((t) => (E.isRight(t) ? t.right : undefined)) : transport;
    const wire = wrapWireSocket(socket, {
      frames: { pieceCount: options.pieceCount, ourReserved: reserved, expect: { infoHash: options.infoHash, ourPeerId: options.peerId } },
      ...(carried === undefined ? {} : { transport: carried }),
    });
    const frames$ = wire.incoming$.pipe(filter(isFrame));
    const plane = options.attach?.({ input, wire, frames$, notify });
    let closedOnce = false;
    const finish = (reason: CloseReason): void => {
      over = true;
      if (closedOnce) return;
      closedOnce = true;
      wire.close(reason.message);
      plane?.closed(reason);
    };

    receive((command) => {
      switch (command.type) {
        case 'handshake':
          wire.sendHandshake(command.handshake);
          break;
        case 'send':
          wire.send(command.message);
          break;
        case 'sendHaves':
          wire.sendHaves(command.indices);
          break;
        case 'close':
          finish(command.reason);
          return;
        default:
          break;
      }
      plane?.command(command);
    });

    const events = merge(
      frames$.pipe(toPeerEvents(options)),
      wire.incoming$.pipe(
        filter((e): e is Extract<IncomingEvent, { kind: 'end' }> => e.kind === 'end'),
        map((e): PeerEvent => ({ type: 'SOCKET_CLOSED', reason: e.end })),
      ),
    ).subscribe(notify);
    if (input.outgoing && dialledMse !== undefined) {
      // TCP and then the MSE handshake: the machine's connect timeout covers both
      void dialledMse.then((t) => notify(E.isRight(t) ? { type: 'CONNECTED' } : { type: 'CONNECT_FAILED', message: t.left })); // writes before the wire has the cipher wait in its queue
    } else if (input.outgoing) {
      const failed = (err: Error): void => notify({ type: 'CONNECT_FAILED', message: err.message });
      if (socket.connecting) {
        socket.once('error', failed);
        socket.once('connect', () => {
          socket.off('error', failed);
          notify({ type: 'CONNECTED' });
        });
      } else if (!socket.destroyed) queueMicrotask(() => notify({ type: 'CONNECTED' }));
    }
    return () => {
      events.unsubscribe();
      finish({ code: 'local', message: 'peer actor stopped' });
    };
  });
}
