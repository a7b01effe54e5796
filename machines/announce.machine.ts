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
 * - a torrent without trackers (or with trackers turned off) runs this machine with input
 *   `noTrackers: true`: START then changes nothing and STOP finishes at once, so the torrent
 *   machine needs no second announcer.
 * - time only via named delays: `announceInterval`, `earliestReannounce`, `retryDelay`,
 *   `stopDeadline`; run it on a SimulatedClock in tests.
 */
export interface AnnounceIntent {
  readonly event: AnnounceEvent;
}

/** Tunables; all optional. */
export interface AnnounceMachineInput {
  /** The torrent has no trackers to announce to (none listed, or turned off by the user). */
  readonly noTrackers?: boolean;
  /** First retry delay after a failure, seconds (default 30); doubles per failure. */
  readonly retryBaseSeconds?: number;
  /** Longest retry delay, seconds (default 1800). */
  readonly retryCapSeconds?: number;
  /** How long the final `stopped` announce may take, seconds (default 10). */
  readonly stopDeadlineSeconds?: number;
}

interface AnnounceContext {
  /** Nothing to announce to: stay idle until STOP. */
  readonly noTrackers: boolean;
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
    hasNoTrackers: ({ context }) => context.noTrackers,
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
  description: "One torrent's tracker announces: started, regular re-announces at the tracker's interval, completed once, stopped on exit.",
  meta: {
    bep: 'BEP 3 · Trackers; BEP 12; BEP 15',
    events: {
      START: { description: 'The torrent became active: announce `started`.', bep: 'BEP 3 · Trackers' },
      COMPLETED: { description: 'The download finished: announce `completed` (once, never for a torrent complete at start).', bep: 'BEP 3 · Trackers' },
      NEED_PEERS: { description: 'The torrent wants more peers: announce early, but not before min interval.' },
      STOP: { description: 'The torrent stops: announce `stopped` if `started` was accepted, then finish.', bep: 'BEP 3 · Trackers' },
    },
    delays: {
      announceInterval: { description: "The tracker's `interval` from the last reply (clamped to a sane range).", bep: 'BEP 3 · Trackers' },
      earliestReannounce: { description: "The tracker's `min interval` (a de facto key), or the smallest sane interval without it." },
      retryDelay: { description: 'Back-off after failures: retryBaseSeconds (30 s) doubling per failure, capped at retryCapSeconds (1800 s).' },
      stopDeadline: { description: 'How long the stopped announce may take (stopDeadlineSeconds, 10 s).' },
    },
    guards: {
      hasStarted: 'A `started` announce was accepted, so the tracker lists us.',
      hasNoTrackers: 'The torrent has no trackers (none listed, or turned off).',
      completedStillPending: 'The download finished while this announce was in flight and `completed` is still owed.',
      completedNotSent: 'No `completed` announce has been accepted yet.',
      wantsEarlyAnnounce: 'NEED_PEERS arrived during min interval.',
    },
  },
  context: ({ input }) => ({
    noTrackers: input.noTrackers ?? false,
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
      description: 'Torrent not running yet, or no trackers to tell; nothing announced.',
      on: {
        START: [
          { guard: 'hasNoTrackers', description: 'No trackers: nothing to announce; peers come from elsewhere (given, incoming).' },
          { target: 'announcing', description: 'First contact: announce `started`.', meta: { bep: 'BEP 3 · Trackers' } },
        ],
        COMPLETED: { actions: 'markCompleted', description: 'Remember that `completed` is owed for later.' },
        STOP: { target: 'done', description: 'Never announced, so there is nothing to take back.' },
      },
    },
    announcing: {
      description: 'One announce in flight (event started, completed or none), over HTTP or UDP, tier by tier.',
      meta: { bep: 'BEP 3 · Trackers; BEP 12; BEP 15' },
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
            meta: { bep: 'BEP 3 · Trackers' },
          },
          {
            target: 'waiting',
            actions: ['recordReply', 'emitReply'],
            description: 'Reply accepted: hand out its peers and wait the interval it asked for.',
            meta: { bep: 'BEP 3 · Trackers' },
          },
        ],
        onError: {
          target: 'backingOff',
          actions: ['recordFailure', 'emitTrackerError'],
          description: 'No tracker answered, or one sent a failure reason: report it and back off.',
          meta: { bep: 'BEP 3 · Trackers' },
        },
      },
      on: {
        COMPLETED: { actions: 'markCompleted', description: 'Owe `completed`; sent as soon as this announce returns.' },
        STOP: [
          { guard: 'hasStarted', target: 'stopping', description: 'The tracker lists us: cancel this request and announce `stopped`.' },
          { target: 'done', description: '`started` was never accepted: cancel and finish silently.' },
        ],
      },
    },
    waiting: {
      description: 'Until the interval the tracker asked for.',
      meta: { bep: 'BEP 3 · Trackers' },
      initial: 'cooling',
      after: { announceInterval: { target: 'announcing', description: 'Regular re-announce: refresh our listing and get fresh peers.' } },
      on: {
        COMPLETED: {
          guard: 'completedNotSent',
          target: 'announcing',
          actions: 'markCompleted',
          description: 'Download finished: announce `completed` now, not at the next interval.',
          meta: { bep: 'BEP 3 · Trackers' },
        },
        STOP: { target: 'stopping', description: 'Leaving the swarm: announce `stopped`.', meta: { bep: 'BEP 3 · Trackers' } },
      },
      states: {
        cooling: {
          description: 'Within min interval: early announces must wait, so we do not hammer the tracker.',
          after: {
            earliestReannounce: [
              { guard: 'wantsEarlyAnnounce', target: '#announce.announcing', description: 'Peers were wanted meanwhile: announce as soon as allowed.' },
              { target: 'ready', description: 'Min interval passed with no need for peers.' },
            ],
          },
          on: { NEED_PEERS: { actions: 'markWantEarly', description: 'Too early: remember to announce when min interval ends.' } },
        },
        ready: {
          description: 'Past min interval: NEED_PEERS announces now.',
          on: { NEED_PEERS: { target: '#announce.announcing', description: 'Ask for more peers before the regular interval.' } },
        },
      },
    },
    backingOff: {
      description: 'The last announce failed: retry after an exponential, capped delay, so dead trackers are not hammered.',
      after: { retryDelay: { target: 'announcing', description: 'Try again; the event is chosen afresh (`started` until one is accepted).' } },
      on: {
        COMPLETED: { actions: 'markCompleted', description: 'Owe `completed`; sent with the next successful announce.' },
        STOP: [
          { guard: 'hasStarted', target: 'stopping', description: 'An earlier `started` was accepted: still say `stopped`.' },
          { target: 'done', description: 'The tracker never listed us: finish silently.' },
        ],
      },
    },
    stopping: {
      description: 'Telling the tracker we leave (event stopped); one try, bounded in time.',
      meta: { bep: 'BEP 3 · Trackers' },
      invoke: {
        src: 'announce',
        input: { event: 'stopped' },
        onDone: { target: 'done', description: 'The tracker removed us from the swarm.' },
        onError: { target: 'done', actions: 'emitTrackerError', description: 'Failed: report it, but never retry on the way out.' },
      },
      after: { stopDeadline: { target: 'done', description: 'No answer in time: give up so shutdown is never held by a tracker.' } },
    },
    done: { type: 'final', description: 'Finished; the torrent machine sees this as the announcer being done.' },
  },
});

/** Inputs for the coverage exploration (test/machines/coverage.test.ts): without trackers (small, explored first), then with. */
export const announceMachineSampleInputs: readonly AnnounceMachineInput[] = [{ noTrackers: true }, {}];
