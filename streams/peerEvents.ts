import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
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
  /** How long `have` messages are gathered into one `PEER_HAVES` event (default {@link HAVE_BATCH_MS}). */
  readonly haveBatchMs?: number;
}

/**
 * `have` messages arriving within this many ms reach the machine as one `PEER_HAVES` event.
 * A leecher sends one per piece it completes, to each of its peers: in a swarm, each of our
 * connections to a leecher brings one per piece of the torrent, and a machine event each
 * (~10 µs) was most of what a seeder's peer machines did. Interest and requests follow at
 * most this late, which no peer notices.
 */
export const HAVE_BATCH_MS = 50;
/**
 * Most indices one `PEER_HAVES` carries: a peer flooding haves gets them delivered, not
 * buffered. Within what a trace keeps of an array (`defaultSafeJsonLimits.items`, 256), so
 * every batch replays whole (a test holds the two together).
 */
export const MAX_HAVE_BATCH = 256;

/**
 * Maps frames to peer machine events, keeping the machine off the hot path: control messages
 * (choke, unchoke, interest, bitfield, have-all/none) become one event each, because each
 * changes peer state; `have` messages arriving within {@link HAVE_BATCH_MS} become one
 * `PEER_HAVES` (sent before any later event, so the order holds); every frame also counts as traffic, reported as `ACTIVITY` at most once per
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
  const haveBatchMs = options.haveBatchMs ?? HAVE_BATCH_MS;
  return (source) =>
    new Observable<PeerEvent>((subscriber) => {
      let lastActivity = -Infinity;
      let lastData = -Infinity;
      const due = (last: number, now: number): boolean => now - last >= every;
      // haves gathered for the next PEER_HAVES; every other event sends them first, so the
      // machine sees the peer's messages in the order it sent them
      let haves: number[] = [];
      let haveTimer: Subscription | undefined;
      const flushHaves = (): void => {
        haveTimer?.unsubscribe();
        haveTimer = undefined;
        if (haves.length === 0) return;
        const indices = haves;
        haves = [];
        subscriber.next({ type: 'PEER_HAVES', indices });
      };
      const emit = (event: PeerEvent): void => {
        flushHaves();
        subscriber.next(event);
      };
      const gatherHave = (index: number): void => {
        haves.push(index);
        if (haves.length >= MAX_HAVE_BATCH) flushHaves();
        else haveTimer ??= scheduler.schedule(flushHaves, haveBatchMs);
      };
      const upstream = source.subscribe({
        next: (frame) => {
          if (frame.kind === 'handshake') {
            emit({ type: 'HANDSHAKE_RECEIVED', handshake: frame.handshake });
            return;
          }
          if (frame.kind === 'protocolError') {
            emit({ type: 'PROTOCOL_ERROR', error: frame.error });
            return;
          }
          const now = scheduler.now();
          const m = frame.message;
          if (ignorePieceState && PIECE_STATE.has(m.type)) {
            // dropped (see the option)
          } else if (m.type === 'have') gatherHave(m.index);
          else {
            const control = m.type === 'extended' ? extensionEvent(m.extendedId, m.payload, extensions, pieceCount) : controlEvent(m);
            if (control !== undefined) emit(control);
          }
          // the idle timer's events need no order against haves: sent as they come
          if (m.type === 'piece' && due(lastData, now)) {
            lastData = now;
            lastActivity = now; // DATA_RECEIVED restarts the idle timer too
            subscriber.next({ type: 'DATA_RECEIVED' });
          } else if (due(lastActivity, now)) {
            lastActivity = now;
            subscriber.next({ type: 'ACTIVITY' });
          }
        },
        error: (e: unknown) => {
          flushHaves();
          subscriber.error(e);
        },
        complete: () => {
          flushHaves();
          subscriber.complete();
        },
      });
      return () => {
        haveTimer?.unsubscribe();
        upstream.unsubscribe();
      };
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
