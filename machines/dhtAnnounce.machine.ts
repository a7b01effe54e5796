import { assign, emit, fromCallback, setup } from 'xstate';

/**
 * One torrent in the DHT (BEP 5): START → `looking` (a get_peers lookup that also announces us
 * with announce_peer to the nearest nodes) → `waiting` the lookup interval → `looking` … ;
 * NEED_PEERS (the torrent ran out of candidates) looks again early, but never sooner than
 * `earliestLookup` after the last lookup ended, as does a lookup no node answered (the node
 * had not joined yet); STOP finishes. The node itself keeps our announces alive (it
 * re-announces every 15 min until the torrent is gone).
 *
 * The tracker announcer's sibling: the torrent machine sends both START, NEED_PEERS and STOP.
 * A private torrent (BEP 27) or a session without a DHT runs this machine with input
 * `disabled: true`: START changes nothing and STOP finishes.
 *
 * CONTRACT (the torrent runtime provides the IO):
 * - actor to provide: `lookup`, a callback actor for one lookup. It sends `PEERS` with each
 *   batch of peers an answering node gives (as they come, so dialing starts at once) and
 *   `LOOKUP_DONE` when the lookup ends (also when it failed), with how many nodes answered.
 * - emitted: `peers` (a batch to dial), `looked` (a lookup ended, with how many peers it gave).
 * - time only through the named delays; tests use a SimulatedClock.
 */

/** A peer address a DHT node returned (compact form, BEP 5). */
export interface DhtPeer {
  readonly ip: string;
  readonly port: number;
}

/** Tunables; all optional. */
export interface DhtAnnounceInput {
  /** No DHT for this torrent (private, or the session runs none): never look up. */
  readonly disabled?: boolean;
}

export type DhtAnnounceEvent =
  | { type: 'START' }
  | { type: 'NEED_PEERS' }
  | { type: 'STOP' }
  | { type: 'PEERS'; peers: readonly DhtPeer[] }
  | { type: 'LOOKUP_DONE'; answered: number };

export type DhtAnnounceEmitted = { type: 'peers'; peers: readonly DhtPeer[] } | { type: 'looked'; peers: number };

interface DhtAnnounceContext {
  readonly disabled: boolean;
  /** Peers the lookup in flight has given so far. */
  readonly found: number;
  /** NEED_PEERS came before `earliestLookup` passed: look as soon as it does. */
  readonly wantEarly: boolean;
}

export const dhtAnnounceMachine = setup({
  types: {
    input: {} as DhtAnnounceInput,
    context: {} as DhtAnnounceContext,
    events: {} as DhtAnnounceEvent,
    emitted: {} as DhtAnnounceEmitted,
  },
  actors: {
    /** Provided by the torrent runtime (see the contract above); this one never answers. */
    lookup: fromCallback(() => undefined),
  },
  delays: {
    lookupInterval: 10 * 60_000,
    earliestLookup: 60_000,
  },
  guards: {
    isDisabled: ({ context }) => context.disabled,
    wantsEarlyLookup: ({ context }) => context.wantEarly,
    reachedNobody: ({ event }) => event.type === 'LOOKUP_DONE' && event.answered === 0,
  },
  actions: {
    resetLookup: assign({ found: 0, wantEarly: false }),
    countPeers: assign({ found: ({ context, event }) => context.found + (event.type === 'PEERS' ? event.peers.length : 0) }),
    emitPeers: emit(({ event }) => ({ type: 'peers' as const, peers: event.type === 'PEERS' ? event.peers : [] })),
    emitLooked: emit(({ context }) => ({ type: 'looked' as const, peers: context.found })),
    markWantEarly: assign({ wantEarly: true }),
  },
}).createMachine({
  id: 'dhtAnnounce',
  description: 'One torrent in the DHT: look up its peers and announce ourselves, again every lookup interval and early when peers run out.',
  meta: {
    bep: 'BEP 5',
    events: {
      START: { description: 'The torrent became active: look up peers and announce.' },
      NEED_PEERS: { description: 'The torrent has room and nobody left to dial: look again, but not before earliestLookup.' },
      STOP: { description: 'The torrent stops: no more lookups (the node stops re-announcing it).' },
      PEERS: { description: 'A node answered get_peers with peers for the torrent.', bep: 'BEP 5 · get_peers' },
      LOOKUP_DONE: { description: 'The lookup ended (the nearest nodes answered, or no nearer node was left), with how many nodes answered.' },
    },
    delays: {
      lookupInterval: { description: 'Regular lookup (10 min): fresh peers; our announce is refreshed with it (peers expire after ~30 min).' },
      earliestLookup: { description: 'Least time between the end of one lookup and an early one (1 min), so a starved torrent does not flood the DHT.' },
    },
    guards: {
      isDisabled: 'A private torrent (BEP 27), or the session runs no DHT.',
      wantsEarlyLookup: 'NEED_PEERS arrived while cooling down, or the last lookup reached nobody.',
      reachedNobody: 'No node answered the lookup: our announce went nowhere (the DHT was not joined yet).',
    },
  },
  context: ({ input }) => ({ disabled: input.disabled ?? false, found: 0, wantEarly: false }),
  initial: 'idle',
  on: {
    STOP: { target: '.done', description: 'The torrent stops: cancel any lookup and finish.' },
  },
  states: {
    idle: {
      description: 'The torrent is not active yet, or the DHT is not for it.',
      on: {
        START: [
          { guard: 'isDisabled', description: 'No DHT for this torrent: peers come from trackers and elsewhere.', meta: { bep: 'BEP 27' } },
          { target: 'looking', description: 'First lookup: find peers and announce ourselves.', meta: { bep: 'BEP 5 · get_peers' } },
        ],
      },
    },
    looking: {
      description: 'A get_peers lookup converging on the info hash; announce_peer to the nearest nodes at its end.',
      meta: { bep: 'BEP 5 · get_peers; announce_peer' },
      entry: 'resetLookup',
      invoke: { src: 'lookup' },
      on: {
        PEERS: { actions: ['countPeers', 'emitPeers'], description: 'Hand the peers to the torrent to dial now.' },
        LOOKUP_DONE: [
          { guard: 'reachedNobody', target: 'waiting', actions: ['emitLooked', 'markWantEarly'], description: 'Nobody answered: try again as soon as the cool-down allows, not in 10 min.' },
          { target: 'waiting', actions: 'emitLooked', description: 'Lookup over: wait for the next one.' },
        ],
      },
    },
    waiting: {
      description: 'Until the next regular lookup.',
      initial: 'cooling',
      after: { lookupInterval: { target: 'looking', description: 'Regular lookup: fresh peers, and our announce refreshed.' } },
      states: {
        cooling: {
          description: 'Right after a lookup: early lookups must wait, so a starved torrent does not flood the DHT.',
          after: {
            earliestLookup: [
              { guard: 'wantsEarlyLookup', target: '#dhtAnnounce.looking', description: 'Peers were wanted meanwhile: look now.' },
              { target: 'ready', description: 'Cooled down with no need for peers.' },
            ],
          },
          on: { NEED_PEERS: { actions: 'markWantEarly', description: 'Too early: remember to look when the cool-down ends.' } },
        },
        ready: {
          description: 'NEED_PEERS looks at once.',
          on: { NEED_PEERS: { target: '#dhtAnnounce.looking', description: 'The torrent ran out of candidates: look again now.' } },
        },
      },
    },
    done: { type: 'final', description: 'Finished.' },
  },
});

/** Inputs for the coverage exploration: disabled (private torrent), then enabled. */
export const dhtAnnounceSampleInputs: readonly DhtAnnounceInput[] = [{ disabled: true }, {}];
/** Payload events for the coverage exploration. */
export const dhtAnnounceSampleEvents = [
  { type: 'PEERS', peers: [{ ip: '127.0.0.1', port: 6881 }] },
  { type: 'LOOKUP_DONE', answered: 0 },
  { type: 'LOOKUP_DONE', answered: 8 },
];
