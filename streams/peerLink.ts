import type { Socket } from 'node:net';
import { createActor, type Actor } from 'xstate';
import { peerMachine, type CloseReason, type PeerCommand, type PeerMachine, type PeerMachineInput } from '../machines/peer.machine.js';
import type { FrameEvent } from './frames.js';
import { peerConnection } from './peerConnection.js';
import type { PeerEventOptions } from './peerEvents.js';
import type { WireSocket } from './wireSocket.js';
import type { CarriedSocket } from './wireTransport.js';

/** One peer machine driving one socket, outside any torrent (probes, tests). */
export interface PeerLink {
  readonly actor: Actor<PeerMachine>;
  /** The wire stack (exists once the actor started, i.e. when `startPeerLink` returns). */
  readonly wire: WireSocket;
  /** Settles (never rejects) with the reason once the connection is over. */
  readonly closed: Promise<CloseReason>;
  /** Every command the machine gave its connection, in order (`send:<message type>` for writes). */
  readonly commands: readonly string[];
  /** Calls `handler` for each command of this type the machine gives (after it is carried out). */
  on<T extends PeerCommand['type']>(type: T, handler: (command: Extract<PeerCommand, { type: T }>) => void): void;
  /** Calls `handler` for every frame, data frames included. */
  onFrame(handler: (frame: FrameEvent) => void): void;
}

/** What `startPeerLink` needs. */
export interface PeerLinkOptions extends PeerEventOptions {
  /** An accepted socket, or one from `net.connect` (connected or still connecting); with its MSE transport if any. */
  readonly socket: Socket | CarriedSocket;
  readonly input: PeerMachineInput;
  /** The machine with its delays, e.g. `peerMachine.provide({ delays })`. */
  readonly machine?: PeerMachine;
  /** The torrent's pieces are not known (a magnet link): piece messages are framed but not judged or applied. */
  readonly unknownPieces?: boolean;
}

/**
 * Starts a peer machine over `socket` with a connection actor that owns it: the same stack a
 * torrent's peers use, minus the data plane (blocks are not taken; frames can be watched).
 */
export function startPeerLink(options: PeerLinkOptions): PeerLink {
  const { input } = options;
  const commands: string[] = [];
  const handlers: { type: string; fn: (c: PeerCommand) => void }[] = [];
  const frameHandlers: ((f: FrameEvent) => void)[] = [];
  let wire: WireSocket | undefined;
  let resolveClosed: (r: CloseReason) => void = () => undefined;
  const closed = new Promise<CloseReason>((resolve) => (resolveClosed = resolve));
  const seen = (c: PeerCommand): void => {
    commands.push(c.type === 'send' ? `send:${c.message.type}` : c.type);
    for (const h of handlers) if (h.type === c.type) h.fn(c);
  };
  const connection = peerConnection({
    ...options,
    infoHash: input.infoHash,
    peerId: input.peerId,
    pieceCount: options.unknownPieces === true ? null : input.pieceCount,
    ignorePieceState: options.unknownPieces === true,
    ...(input.reserved !== undefined ? { reserved: input.reserved } : {}),
    socketFor: () => options.socket,
    attach: (link) => {
      wire = link.wire;
      link.frames$.subscribe((f) => {
        for (const h of frameHandlers) h(f);
      });
      return {
        command: seen,
        closed: (reason) => {
          commands.push('close');
          resolveClosed(reason);
        },
      };
    },
  });
  const actor = createActor((options.machine ?? peerMachine).provide({ actors: { connection } }), { input });
  actor.start();
  return {
    actor,
    get wire(): WireSocket {
      if (wire === undefined) throw new Error('peer link has no wire stack');
      return wire;
    },
    closed,
    commands,
    on: (type, fn) => handlers.push({ type, fn: fn as (c: PeerCommand) => void }),
    onFrame: (fn) => frameHandlers.push(fn),
  };
}
