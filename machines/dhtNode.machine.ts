import { emit, fromPromise, setup } from 'xstate';

/**
 * The lifecycle of our DHT node (BEP 5): `bootstrapping` (a lookup of our own id, seeded from
 * the saved table or the bootstrap routers) → `ready`, where four timers run side by side:
 * refresh stale buckets (BEP 5: every 15 min), re-announce the torrents we announce (peers
 * expire from other nodes' stores after ~30 min), rotate the token secret (BEP 5: every
 * 5 min), and save the table so a restart rejoins without the routers.
 *
 * CONTRACT (the DhtNode provides the IO):
 * - actors to provide (promise actors): `joinNetwork` (resolves with the number of good
 *   nodes in the table after a lookup of our own id), `refreshBuckets` (look up a random id
 *   in each stale bucket), `reannounce` (announce_peer every announced torrent again).
 * - emitted: `rotateTokenSecret`, `saveState`, `joined {nodes}`.
 * - events in: `TABLE_EMPTY` (every node went bad: bootstrap again), `STOP`.
 * Time only through the named delays below; tests use a SimulatedClock.
 */

/** Events the node machine accepts. */
export type DhtNodeEvent = { type: 'TABLE_EMPTY' } | { type: 'STOP' };

/** Emitted for the DhtNode. */
export type DhtNodeEmitted = { type: 'rotateTokenSecret' } | { type: 'saveState' } | { type: 'joined'; nodes: number };

const nodesOf = (event: unknown): number => Number((event as { output?: unknown }).output ?? 0);

export const dhtNodeMachine = setup({
  types: {
    events: {} as DhtNodeEvent,
    emitted: {} as DhtNodeEmitted,
  },
  actors: {
    joinNetwork: fromPromise<number>(() => Promise.reject(new Error('joinNetwork not provided by the DhtNode'))),
    refreshBuckets: fromPromise<void>(() => Promise.reject(new Error('refreshBuckets not provided by the DhtNode'))),
    reannounce: fromPromise<void>(() => Promise.reject(new Error('reannounce not provided by the DhtNode'))),
  },
  delays: {
    bootstrapRetry: 30_000,
    bucketRefreshInterval: 5 * 60_000,
    reannounceInterval: 15 * 60_000,
    tokenRotation: 5 * 60_000,
    saveInterval: 10 * 60_000,
  },
  guards: {
    joined: ({ event }) => nodesOf(event) > 0,
  },
  actions: {
    emitJoined: emit(({ event }) => ({ type: 'joined' as const, nodes: nodesOf(event) })),
    emitRotate: emit({ type: 'rotateTokenSecret' as const }),
    emitSave: emit({ type: 'saveState' as const }),
  },
}).createMachine({
  id: 'dhtNode',
  description: 'Our DHT node: join the network, then keep the routing table fresh, our announces alive and tokens rotating.',
  meta: {
    bep: 'BEP 5',
    events: {
      TABLE_EMPTY: { description: 'Every node in the routing table went bad: join again.' },
      STOP: { description: 'Shut the node down (the DhtNode saves the table first).' },
    },
    delays: {
      bootstrapRetry: { description: 'Wait before trying to join again when nobody answered (30 s).' },
      bucketRefreshInterval: { description: 'How often stale buckets are looked for (5 min; a bucket is stale after 15 min).', bep: 'BEP 5 · Routing Table' },
      reannounceInterval: { description: 'Announce our torrents again before other nodes forget them (15 min).', bep: 'BEP 5 · announce_peer' },
      tokenRotation: { description: 'New token secret; tokens of the previous one stay valid (5 min).', bep: 'BEP 5 · get_peers' },
      saveInterval: { description: 'Write the node id and good nodes to the state file (10 min).' },
    },
    guards: { joined: 'The lookup of our own id left good nodes in the table.' },
  },
  initial: 'bootstrapping',
  on: {
    STOP: { target: '.stopped', description: 'Stop every timer and lookup.' },
  },
  states: {
    bootstrapping: {
      description: 'Looking up our own id, from the saved table or the bootstrap routers, to fill the table.',
      meta: { bep: 'BEP 5 · Routing Table' },
      invoke: {
        src: 'joinNetwork',
        onDone: [
          { guard: 'joined', target: 'ready', actions: 'emitJoined', description: 'Nodes answered: we are part of the DHT.' },
          { target: 'waitingToRetry', description: 'Nobody answered.' },
        ],
        onError: { target: 'waitingToRetry', description: 'The lookup failed (e.g. no bootstrap address resolved).' },
      },
    },
    waitingToRetry: {
      description: 'Nobody answered; try again later.',
      after: { bootstrapRetry: { target: 'bootstrapping', description: 'Try to join again.' } },
    },
    ready: {
      description: 'In the DHT: answering queries, with four independent timers.',
      type: 'parallel',
      on: { TABLE_EMPTY: { target: 'bootstrapping', description: 'Lost every node: join again.' } },
      states: {
        buckets: {
          description: 'Keeps every bucket fresh (BEP 5: refresh buckets unchanged for 15 min).',
          initial: 'fresh',
          states: {
            fresh: { after: { bucketRefreshInterval: { target: 'refreshing', description: 'Time to look for stale buckets.' } } },
            refreshing: {
              description: 'A lookup of a random id in each stale bucket.',
              meta: { bep: 'BEP 5 · Routing Table' },
              invoke: {
                src: 'refreshBuckets',
                onDone: { target: 'fresh', description: 'Refreshed.' },
                onError: { target: 'fresh', description: 'Refresh failed; next time.' },
              },
            },
          },
        },
        announces: {
          description: 'Keeps our announce_peer entries alive on other nodes.',
          initial: 'announced',
          states: {
            announced: { after: { reannounceInterval: { target: 'reannouncing', description: 'Time to announce again.' } } },
            reannouncing: {
              description: 'get_peers + announce_peer for every torrent we announce.',
              meta: { bep: 'BEP 5 · announce_peer' },
              invoke: {
                src: 'reannounce',
                onDone: { target: 'announced', description: 'Announced again.' },
                onError: { target: 'announced', description: 'Failed; next time.' },
              },
            },
          },
        },
        tokens: {
          description: 'Rotates the secret behind announce tokens.',
          initial: 'current',
          states: {
            current: {
              after: { tokenRotation: { target: 'current', reenter: true, actions: 'emitRotate', description: 'New secret; the previous one still validates tokens.', meta: { bep: 'BEP 5 · get_peers' } } },
            },
          },
        },
        persistence: {
          description: 'Saves the node id and good nodes for the next start.',
          initial: 'saved',
          states: {
            saved: { after: { saveInterval: { target: 'saved', reenter: true, actions: 'emitSave', description: 'Write the state file.' } } },
          },
        },
      },
    },
    stopped: { type: 'final', description: 'Shut down.' },
  },
});

/** Outputs of `joinNetwork` for coverage: nobody answered, and three nodes answered. */
export const dhtNodeSampleOutputs = { joinNetwork: [0, 3] };
