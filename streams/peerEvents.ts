import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import type { PeerEvent } from '../machines/peer.machine.js';
import { decodeExtensionMessage, LT_DONTHAVE, UT_METADATA } from '../src/extensions/index.js';
import type { FrameEvent } from './frames.js';

/** How often at most the machine hears about bulk traffic. */
export interface PeerEventOptions {
  /** Minimum time between two `ACTIVITY` events, and between two `DATA_RECEIVED` events (1 s). */
  readonly activityEvery?: number;
  readonly scheduler?: SchedulerLike;
  /**
   * Extensions we advertise and take (BEP 10 `m`): messages under their ids are decoded, any
   * other id is ignored. Default ut_metadata only; ut_pex joins for public torrents (BEP 27).
   */
  readonly extensions?: ReadonlySet<string>;
  /**
   * Drop have/bitfield/have-all/have-none (the metadata is still being fetched, so there is no
   * piece count to judge them against; the torrent reconnects once it knows).
   */
  readonly ignorePieceState?: boolean;
  /**
   * The torrent's piece count, against which a BEP 54 lt_donthave index is judged; without one
   * (null: a magnet link's metadata is still being fetched) lt_donthave is not decoded.
   */
  readonly pieceCount?: number | null;
}

/**
 * Maps frames to peer machine events, keeping the machine off the hot path: control messages
 * (choke, unchoke, interest, have, bitfield, have-all/none) become one event each, because each
 * changes peer state; every frame also counts as traffic, reported as `ACTIVITY` at most once per
 * `activityEvery`; `piece` frames are reported as `DATA_RECEIVED` at most once per
 * `activityEvery`, without their payload; extended messages are decoded (see `extensionEvent`).
 * Requests, cancels and the rest go only to
 * the session (it subscribes to the frames directly). Coalescing is leading-edge, so a timer in
 * the machine is at most `activityEvery` late, which is noise against 60 s / 4 min timeouts.
 */
export function toPeerEvents(options: PeerEventOptions = {}): OperatorFunction<FrameEvent, PeerEvent> {
  const every = options.activityEvery ?? 1000;
  const scheduler = options.scheduler ?? asyncScheduler;
  const extensions = options.extensions ?? DEFAULT_EXTENSIONS;
  const ignorePieceState = options.ignorePieceState === true;
  const pieceCount = ignorePieceState ? undefined : (options.pieceCount ?? undefined);
  return (source) =>
    new Observable<PeerEvent>((subscriber) => {
      let lastActivity = -Infinity;
      let lastData = -Infinity;
      const due = (last: number, now: number): boolean => now - last >= every;
      return source.subscribe({
        next: (frame) => {
          if (frame.kind === 'handshake') {
            subscriber.next({ type: 'HANDSHAKE_RECEIVED', handshake: frame.handshake });
            return;
          }
          if (frame.kind === 'protocolError') {
            subscriber.next({ type: 'PROTOCOL_ERROR', error: frame.error });
            return;
          }
          const now = scheduler.now();
          const m = frame.message;
          const control = m.type === 'extended' ? extensionEvent(m.extendedId, m.payload, extensions, pieceCount) : ignorePieceState && PIECE_STATE.has(m.type) ? undefined : controlEvent(m);
          if (control !== undefined) subscriber.next(control);
          if (m.type === 'piece' && due(lastData, now)) {
            lastData = now;
            lastActivity = now; // DATA_RECEIVED restarts the idle timer too
            subscriber.next({ type: 'DATA_RECEIVED' });
          } else if (due(lastActivity, now)) {
            lastActivity = now;
            subscriber.next({ type: 'ACTIVITY' });
          }
        },
        error: (e: unknown) => subscriber.error(e),
        complete: () => subscriber.complete(),
      });
    });
}

const PIECE_STATE: ReadonlySet<string> = new Set(['have', 'bitfield', 'haveAll', 'haveNone']);
const DEFAULT_EXTENSIONS: ReadonlySet<string> = new Set([UT_METADATA]);

/**
 * An extended message (BEP 10) as a machine event: decoded under its budget (io-ts), an unknown
 * id ignored, a bad or oversized one an EXTENSION_ERROR (the machine closes). Rare messages: a
 * metadata piece is at most 16 KiB and there are at most 512 of them per torrent; an
 * lt_donthave is 4 bytes and costs the machine one bit.
 */
function extensionEvent(extendedId: number, payload: Uint8Array, enabled: ReadonlySet<string>, pieceCount: number | undefined): PeerEvent | undefined {
  const decoded = decodeExtensionMessage(extendedId, payload, enabled, pieceCount);
  if (E.isLeft(decoded)) return { type: 'EXTENSION_ERROR', error: decoded.left };
  const x = decoded.right;
  switch (x.extension) {
    case 'handshake':
      return { type: 'EXTENDED_HANDSHAKE_RECEIVED', handshake: x.handshake };
    case 'ut_metadata':
      return { type: 'PEER_METADATA', message: x.message };
    case 'ut_pex':
      return { type: 'PEER_PEX', message: x.message };
    case LT_DONTHAVE:
      return { type: 'PEER_DONT_HAVE', index: x.index };
    default:
      return undefined;
  }
}

const controlEvent = (m: Extract<FrameEvent, { kind: 'message' }>['message']): PeerEvent | undefined => {
  switch (m.type) {
    case 'choke':
      return { type: 'PEER_CHOKE' };
    case 'unchoke':
      return { type: 'PEER_UNCHOKE' };
    case 'interested':
      return { type: 'PEER_INTERESTED' };
    case 'notInterested':
      return { type: 'PEER_NOT_INTERESTED' };
    case 'have':
      return { type: 'PEER_HAVE', index: m.index };
    case 'bitfield':
      return { type: 'PEER_BITFIELD', bitfield: m.bitfield };
    case 'haveAll':
      return { type: 'PEER_HAVE_ALL' };
    case 'haveNone':
      return { type: 'PEER_HAVE_NONE' };
    case 'port':
      return { type: 'PEER_PORT', port: m.port };
    default:
      return undefined;
  }
};
