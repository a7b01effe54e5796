import { assign, emit, enqueueActions, fromPromise, setup } from 'xstate';
import { clampInterval, MIN_ANNOUNCE_INTERVAL_S } from '../src/tracker/client/intervals.js';
import type { AnnounceEvent, AnnounceResponse, PeerAddress, TrackerError } from '../src/tracker/types.js';

/**
 * One torrent's tracker announcing (BEP 3 "Trackers", BEP 12 tiers behind one actor):
 * `idle` → START → `announcing` (event `started`) → `waiting` the tracker's interval →
 * `announcing` (regular) → … ; failures go to `backingOff` (exponential, capped) and retry
 * forever; COMPLETED sends `completed` once; STOP sends `stopped` (only if `started` was
 * accepted) and finishes.
 *
 * Contract with the session:
 * - actor to provide: `announce`, a promise actor. Input {@link AnnounceIntent} (`{ event }`);
 *   resolves to an {@link AnnounceResponse}; rejects with a {@link TrackerError} (anything
 *   else is wrapped as a `network` error). The session fills in info hash, peer id, port and
 *   the transfer stats (`uploaded`, `downloaded`, `left`) *when the actor runs*, so they are
 *   never stale and never pass through this machine; it usually runs `announceTiers` with
 *   the torrent's `TrackerTiers` (which also keeps tracker ids) and honours the actor's
 *   `signal` (leaving `announcing` on STOP cancels the request).
 * - events in: `START`, `COMPLETED` (download finished), `NEED_PEERS` (announce early, but
 *   never sooner than the tracker's `min interval` after the last reply), `STOP`.
 * - emitted (`actor.on(...)`): `peers` after every successful announce, `announced` with the
 *   event and the whole reply (seeders/leechers for the UI), `trackerWarning` when the reply
 *   carries a `warning message`, `trackerError` for every failure.
 * - time only via named delays: `announceInterval`, `earliestReannounce`, `retryDelay`,
 *   `stopDeadline`; run it on a SimulatedClock in tests.
 */
export interface AnnounceIntent {
  readonly event: AnnounceEvent;
}

/** Tunables; all optional. */
export interface AnnounceMachineInput {
  /** First retry delay after a failure, seconds (default 30); doubles per failure. */
  readonly retryBaseSeconds?: number;
  /** Longest retry delay, seconds (default 1800). */
  readonly retryCapSeconds?: number;
  /** How long the final `stopped` announce may take, seconds (default 10). */
  readonly stopDeadlineSeconds?: number;
}

interface AnnounceContext {
  /** Seconds until the next regular announce (from the last reply). */
  readonly interval: number;
  /** Seconds after a reply before an early (NEED_PEERS) announce is allowed. */
  readonly minInterval: number;
  /** Consecutive failures, for the back-off. */
  readonly failures: number;
  /** A `started` announce has been accepted, so regular/`stopped` announces make sense. */
  readonly started: boolean;
  /** The download finished and the `completed` announce has not been accepted yet. */
  readonly completedPending: boolean;
  /** The `completed` announce was accepted: never send it again (BEP 3: once). */
  readonly completedSent: boolean;
  /** The event of the announce in flight. */
  readonly inFlight: AnnounceEvent;
  /** NEED_PEERS arrived before `min interval` passed: announce as soon as it does. */
  readonly wantEarly: boolean;
  readonly retryBaseSeconds: number;
  readonly retryCapSeconds: number;
  readonly stopDeadlineSeconds: number;
}

export type AnnounceMachineEvent =
  | { type: 'START' }
  | { type: 'COMPLETED' }
  | { type: 'NEED_PEERS' }
  | { type: 'STOP' };

export type AnnounceMachineEmitted =
  | { type: 'peers'; peers: readonly PeerAddress[] }
  | { type: 'announced'; event: AnnounceEvent; response: AnnounceResponse }
  | { type: 'trackerWarning'; message: string }
  | { type: 'trackerError'; error: TrackerError };

/** Interval used before any tracker has answered (only read by delays that cannot fire then). */
const INITIAL_INTERVAL_S = 1800;

/** Normalizes whatever the announce actor rejected with into a {@link TrackerError}. */
export function asTrackerError(e: unknown): TrackerError {
  if (typeof e === 'object' && e !== null && typeof (e as { _tag?: unknown })._tag === 'string' &&
    typeof (e as { message?: unknown }).message === 'string') {
    return e as TrackerError;
  }
  return { _tag: 'network', message: e instanceof Error ? e.message : String(e) };
}

/** Which event the next announce carries (BEP 3: `started` first, `completed` once). */
const nextEvent = (c: AnnounceContext): AnnounceEvent =>
  !c.started ? 'started' : c.completedPending ? 'completed' : 'empty';

const outputOf = (event: unknown): AnnounceResponse => (event as { output: AnnounceResponse }).output;
const errorOf = (event: unknown): unknown => (event as { error: unknown }).error;

export const announceMachine = setup({
  types: {
    input: {} as AnnounceMachineInput,
    context: {} as AnnounceContext,
    events: {} as AnnounceMachineEvent,
    emitted: {} as AnnounceMachineEmitted,
  },
  actors: {
    /** Provided by the session (see the contract above). */
    announce: fromPromise<AnnounceResponse, AnnounceIntent>(() =>
      Promise.reject(new Error('announce actor not provided by the session'))),
  },
  delays: {
    announceInterval: ({ context }) => context.interval * 1000,
    earliestReannounce: ({ context }) => context.minInterval * 1000,
    retryDelay: ({ context }) =>
      Math.min(context.retryCapSeconds, context.retryBaseSeconds * 2 ** Math.max(0, context.failures - 1)) * 1000,
    stopDeadline: ({ context }) => context.stopDeadlineSeconds * 1000,
  },
  guards: {
    hasStarted: ({ context }) => context.started,
    /** Read before `recordReply` runs: did this reply make `completed` due now? */
    completedStillPending: ({ context }) =>
      context.completedPending && context.inFlight !== 'completed' && (context.started || context.inFlight === 'started'),
    completedNotSent: ({ context }) => !context.completedSent,
    wantsEarlyAnnounce: ({ context }) => context.wantEarly,
  },
  actions: {
    chooseEvent: assign({ inFlight: ({ context }) => nextEvent(context), wantEarly: false }),
    recordReply: assign(({ context, event }) => {
      const r = outputOf(event);
      const interval = clampInterval(r.interval);
      return {
        interval,
        // Without a `min interval`, early announces still wait the smallest sane interval.
        minInterval: Math.min(interval, r.minInterval !== undefined ? clampInterval(r.minInterval) : MIN_ANNOUNCE_INTERVAL_S),
        failures: 0,
        started: context.started || context.inFlight === 'started',
        completedPending: context.completedPending && context.inFlight !== 'completed',
        completedSent: context.completedSent || context.inFlight === 'completed',
      };
    }),
    recordFailure: assign({ failures: ({ context }) => context.failures + 1 }),
    markCompleted: assign({ completedPending: ({ context }) => !context.completedSent }),
    markWantEarly: assign({ wantEarly: true }),
    emitReply: enqueueActions(({ context, event, enqueue }) => {
      const response = outputOf(event);
      enqueue.emit({ type: 'peers', peers: response.peers });
      enqueue.emit({ type: 'announced', event: context.inFlight, response });
      if (response.warning !== undefined) enqueue.emit({ type: 'trackerWarning', message: response.warning });
    }),
    emitTrackerError: emit(({ event }) => ({ type: 'trackerError' as const, error: asTrackerError(errorOf(event)) })),
  },
}).createMachine({
  id: 'announce',
  context: ({ input }) => ({
    interval: INITIAL_INTERVAL_S,
    minInterval: MIN_ANNOUNCE_INTERVAL_S,
    failures: 0,
    started: false,
    completedPending: false,
    completedSent: false,
    inFlight: 'started',
    wantEarly: false,
    retryBaseSeconds: input.retryBaseSeconds ?? 30,
    retryCapSeconds: input.retryCapSeconds ?? 1800,
    stopDeadlineSeconds: input.stopDeadlineSeconds ?? 10,
  }),
  initial: 'idle',
  states: {
    idle: {
      description: 'Torrent not running yet; nothing announced.',
      on: {
        START: { target: 'announcing' },
        COMPLETED: { actions: 'markCompleted' },
        STOP: { target: 'done' },
      },
    },
    announcing: {
      description: 'One announce in flight (event started, completed or none).',
      entry: 'chooseEvent',
      invoke: {
        src: 'announce',
        input: ({ context }) => ({ event: context.inFlight }),
        onDone: [
          {
            guard: 'completedStillPending',
            target: 'announcing',
            reenter: true,
            actions: ['recordReply', 'emitReply'],
            description: 'Download finished meanwhile: announce completed right away.',
          },
          { target: 'waiting', actions: ['recordReply', 'emitReply'] },
        ],
        onError: { target: 'backingOff', actions: ['recordFailure', 'emitTrackerError'] },
      },
      on: {
        COMPLETED: { actions: 'markCompleted' },
        STOP: [{ guard: 'hasStarted', target: 'stopping' }, { target: 'done' }],
      },
    },
    waiting: {
      description: 'Until the interval the tracker asked for.',
      initial: 'cooling',
      after: { announceInterval: { target: 'announcing' } },
      on: {
        COMPLETED: { guard: 'completedNotSent', target: 'announcing', actions: 'markCompleted' },
        STOP: { target: 'stopping' },
      },
      states: {
        cooling: {
          description: 'Within min interval: early announces must wait.',
          after: {
            earliestReannounce: [
              { guard: 'wantsEarlyAnnounce', target: '#announce.announcing' },
              { target: 'ready' },
            ],
          },
          on: { NEED_PEERS: { actions: 'markWantEarly' } },
        },
        ready: {
          description: 'Past min interval: NEED_PEERS announces now.',
          on: { NEED_PEERS: { target: '#announce.announcing' } },
        },
      },
    },
    backingOff: {
      description: 'The last announce failed: retry after an exponential, capped delay.',
      after: { retryDelay: { target: 'announcing' } },
      on: {
        COMPLETED: { actions: 'markCompleted' },
        STOP: [{ guard: 'hasStarted', target: 'stopping' }, { target: 'done' }],
      },
    },
    stopping: {
      description: 'Telling the tracker we leave (event stopped); one try, bounded in time.',
      invoke: {
        src: 'announce',
        input: { event: 'stopped' },
        onDone: { target: 'done' },
        onError: { target: 'done', actions: 'emitTrackerError' },
      },
      after: { stopDeadline: { target: 'done' } },
    },
    done: { type: 'final' },
  },
});
