import { assign, emit, enqueueActions, fromCallback, sendTo, setup } from 'xstate';
import {
  chokeChanges,
  defaultChokeOptions,
  pickOptimistic,
  selectUnchoked,
  type ChokeCandidate,
  type ChokeOptions,
} from '../src/choking/chokeDecision.js';

/**
 * The choker (BEP 3, "Choking and optimistic unchoking"): every 10 s it re-ranks interested
 * peers and keeps the best few unchoked; every 30 s it rotates one optimistic unchoke.
 *
 * Contract:
 * - actor to provide: `readPeers`, invoked for the choker's life. On `READ_PEERS` it answers
 *   at once with `PEERS_READ`: the candidates (rates are measured by the stream layer; the
 *   choker only decides), the time they were read (ms, for "new peer" weighting) and one
 *   uniform random `draw` in [0, 1) for the optimistic pick. Clock and randomness thus arrive
 *   as event data, so traces replay the choker's decisions exactly and tests need no stubs.
 * - decisions go out as `UNCHOKE` / `CHOKE` events sent to the peer actors found in the actor
 *   system under their ids (the torrent machine spawns them with `systemId` = peer id), so they
 *   show in traces, and as one emitted `rechoked` summary.
 * - `PEERS_CHANGED` asks for an early decision (a peer joined, left or became interested).
 * - the ranking follows the torrent's mode through the snapshot: `readPeers` reports what
 *   peers give us while we download and what they take while we seed.
 * - the torrent invokes the choker only while active; a paused torrent has closed every
 *   connection, so there is nothing to choke and no pause state here.
 */
export interface ChokerInput {
  readonly options?: ChokeOptions;
}

/** Whether the decision that the next `PEERS_READ` brings also draws a new optimistic peer. */
type Rotation = 'no' | 'due' | 'ifVacant';

interface ChokerContext {
  readonly options: ChokeOptions;
  readonly unchoked: ReadonlySet<string>;
  readonly optimistic: string | undefined;
  readonly rotation: Rotation;
  /** The pending decision was asked for by PEERS_CHANGED: it may fill vacant slots, never choke. */
  readonly early: boolean;
}

/** The snapshot `readPeers` answers with. */
export interface PeersRead {
  readonly type: 'PEERS_READ';
  readonly peers: readonly ChokeCandidate[];
  /** When the snapshot was taken (ms, the same clock as `connectedAt`). */
  readonly now: number;
  /** Uniform in [0, 1): the randomness of the optimistic pick. */
  readonly draw: number;
}

export type ChokerEvent = { type: 'PEERS_CHANGED' } | PeersRead;

export type ChokerEmitted = { type: 'rechoked'; unchoked: readonly string[]; optimistic: string | undefined };

const readOf = (event: ChokerEvent): PeersRead => (event.type === 'PEERS_READ' ? event : { type: 'PEERS_READ', peers: [], now: 0, draw: 0 });

/** Placeholder: the session provides the real reader (see the contract above). */
const unprovided = fromCallback(() => {
  throw new Error('readPeers actor not provided by the session');
});

export const chokerMachine = setup({
  types: {
    input: {} as ChokerInput,
    context: {} as ChokerContext,
    events: {} as ChokerEvent,
    emitted: {} as ChokerEmitted,
  },
  actors: { readPeers: unprovided },
  delays: {
    rechokeInterval: 10_000,
    optimisticInterval: 30_000,
  },
  guards: {
    rotationDue: ({ context, event }) => {
      if (context.rotation === 'due') return true;
      if (context.rotation === 'no') return false;
      const current = context.optimistic;
      return current === undefined || !readOf(event).peers.some((p) => p.id === current && p.interested);
    },
  },
  actions: {
    askPeers: sendTo('readPeers', { type: 'READ_PEERS' }),
    markEarly: assign({ early: true }),
    markRegular: assign({ early: false }),
    rotationDue: assign({ rotation: 'due' as Rotation }),
    rotationIfVacant: assign({ rotation: ({ context }) => (context.rotation === 'due' ? 'due' : 'ifVacant') as Rotation }),
    rotateOptimistic: assign({
      optimistic: ({ context, event }) => {
        const read = readOf(event);
        return pickOptimistic(read.peers, context.optimistic, read.now, () => read.draw, context.options);
      },
    }),
    rechoke: enqueueActions(({ context, event, enqueue, system }) => {
      const peers = readOf(event).peers;
      const present = new Set(peers.map((p) => p.id));
      const optimistic = context.optimistic !== undefined && present.has(context.optimistic) ? context.optimistic : undefined;
      const ranked = selectUnchoked(peers, optimistic, context.options, context.unchoked);
      // An early decision (a peer joined, left, or toggled interest) only fills vacant slots:
      // a peer flipping its interest must not make us choke honest peers between the 10 s
      // rechokes (BEP 3: choking and unchoking quickly is what the period prevents).
      const keep = context.early ? [...context.unchoked].filter((id) => peers.some((p) => p.id === id && p.interested)) : [];
      const unchoked = context.early ? [...keep, ...ranked.filter((id) => !keep.includes(id)).slice(0, Math.max(0, ranked.length - keep.length))] : ranked;
      const { unchoke, choke } = chokeChanges(context.unchoked, unchoked);
      // chokes first, so the number of open slots never exceeds the limit during a swap
      for (const id of choke) {
        const ref = system.get(id);
        if (ref && present.has(id)) enqueue.sendTo(ref, { type: 'CHOKE' });
      }
      for (const id of unchoke) {
        const ref = system.get(id);
        if (ref) enqueue.sendTo(ref, { type: 'UNCHOKE' });
      }
      enqueue.assign({ unchoked: new Set(unchoked), optimistic, rotation: 'no' as Rotation, early: false });
      enqueue(emit({ type: 'rechoked' as const, unchoked, optimistic }));
    }),
  },
}).createMachine({
  id: 'choker',
  description: 'Tit-for-tat upload slots: regular rechoke every 10 s, optimistic rotation every 30 s.',
  meta: {
    bep: 'BEP 3 · Peer messages (choking algorithm)',
    events: {
      PEERS_CHANGED: { description: 'A peer joined, left, or changed interest: decide again now.' },
      PEERS_READ: { description: 'The peer snapshot asked for: candidates with their rates, the time, and a random draw.' },
    },
    delays: {
      rechokeInterval: {
        description: 'Re-rank peers this often; rarely enough to avoid fibrillation (choking and unchoking quickly).',
        bep: 'BEP 3 · Peer messages (choking algorithm)',
      },
      optimisticInterval: {
        description: 'Rotate the optimistic unchoke this often, to try peers we have no rate for yet.',
        bep: 'BEP 3 · Peer messages (choking algorithm)',
      },
    },
    guards: {
      rotationDue: 'The 30 s rotation is due, or a peer change found no optimistic peer (none yet, or it left or lost interest).',
    },
  },
  context: ({ input }) => ({
    options: input.options ?? defaultChokeOptions,
    unchoked: new Set<string>(),
    optimistic: undefined,
    rotation: 'no',
    early: false,
  }),
  invoke: { id: 'readPeers', src: 'readPeers' },
  initial: 'running',
  states: {
    running: {
      description: 'Ranking peers on a fixed period; new decisions also when the peer set changes.',
      meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
      entry: ['rotationDue', 'markRegular', 'askPeers'],
      initial: 'waiting',
      states: {
        waiting: {
          description: 'Between rechokes.',
          after: {
            rechokeInterval: {
              target: 'waiting',
              reenter: true,
              actions: ['markRegular', 'askPeers'],
              description: 'Time to re-rank: read the peers.',
              meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
            },
          },
        },
      },
      after: {
        optimisticInterval: {
          target: 'running',
          reenter: true,
          description: 'Rotation due (new peers weigh triple): read the peers.',
          meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
        },
      },
      on: {
        PEERS_CHANGED: {
          actions: ['rotationIfVacant', 'markEarly', 'askPeers'],
          description: 'A peer joined, left, or changed interest: read the peers now to fill vacant slots; choking waits for the next rechoke.',
        },
        PEERS_READ: [
          {
            guard: 'rotationDue',
            actions: ['rotateOptimistic', 'rechoke'],
            description: 'Draw the optimistic peer (at start, every 30 s, or when the slot is vacant rather than in up to 30 s), then rechoke.',
            meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
          },
          {
            actions: 'rechoke',
            description: 'Unchoke the fastest interested peers that do not snub us; choke the rest.',
            meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
          },
        ],
      },
    },
  },
});

/** Inputs for the coverage exploration (test/machines/coverage.test.ts). */
export const chokerMachineSampleInput: ChokerInput = {};

/** Snapshots for the coverage exploration: nobody, and six interested peers (one becomes optimistic). */
export const chokerMachineSampleEvents: readonly ChokerEvent[] = [
  { type: 'PEERS_READ', peers: [], now: 0, draw: 0 },
  {
    type: 'PEERS_READ',
    peers: ['a', 'b', 'c', 'd', 'e', 'f'].map((id) => ({ id, interested: true, rate: 0, snubbed: false, connectedAt: 0 })),
    now: 0,
    draw: 0,
  },
];
