import { asyncScheduler, Observable, type OperatorFunction, type SchedulerLike } from 'rxjs';
import type { PeerEvent } from '../machines/peer.machine.js';
import type { FrameEvent } from './frames.js';

/** How often at most the machine hears about bulk traffic. */
export interface PeerEventOptions {
  /** Minimum time between two `ACTIVITY` events, and between two `DATA_RECEIVED` events (1 s). */
  readonly activityEvery?: number;
  readonly scheduler?: SchedulerLike;
}

/**
 * Maps frames to peer machine events, keeping the machine off the hot path: control messages
 * (choke, unchoke, interest, have, bitfield, have-all/none) become one event each, because each
 * changes peer state; every frame also counts as traffic, reported as `ACTIVITY` at most once per
 * `activityEvery`; `piece` frames are reported as `DATA_RECEIVED` at most once per
 * `activityEvery`, without their payload. Requests, cancels, extended and the rest go only to
 * the session (it subscribes to the frames directly). Coalescing is leading-edge, so a timer in
 * the machine is at most `activityEvery` late, which is noise against 60 s / 4 min timeouts.
 */
export function toPeerEvents(options: PeerEventOptions = {}): OperatorFunction<FrameEvent, PeerEvent> {
  const every = options.activityEvery ?? 1000;
  const scheduler = options.scheduler ?? asyncScheduler;
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
          const control = controlEvent(m);
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
