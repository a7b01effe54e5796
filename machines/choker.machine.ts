import { assign, emit, enqueueActions, setup } from 'xstate';
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
 * - input `readPeers()` returns a snapshot of the candidates (rates are measured by the stream
 *   layer; the choker only decides). `random()` and the clock are injected for replay.
 * - decisions go out as `UNCHOKE` / `CHOKE` events sent to the peer actors found in the actor
 *   system under their ids (the torrent machine spawns them with `systemId` = peer id), so they
 *   show in traces, and as one emitted `rechoked` summary.
 * - `PEERS_CHANGED` asks for an early decision (a peer joined, left or became interested).
 * - the ranking follows the torrent's mode through the snapshot: `readPeers()` reports what
 *   peers give us while we download and what they take while we seed.
 */
export interface ChokerInput {
  readonly readPeers: () => readonly ChokeCandidate[];
  readonly random: () => number;
  readonly now: () => number;
  readonly options?: ChokeOptions;
}

interface ChokerContext {
  readonly readPeers: () => readonly ChokeCandidate[];
  readonly random: () => number;
  readonly now: () => number;
  readonly options: ChokeOptions;
  readonly unchoked: ReadonlySet<string>;
  readonly optimistic: string | undefined;
}

export type ChokerEvent = { type: 'PEERS_CHANGED' } | { type: 'PAUSE' } | { type: 'RESUME' };

export type ChokerEmitted = { type: 'rechoked'; unchoked: readonly string[]; optimistic: string | undefined };

export const chokerMachine = setup({
  types: {
    input: {} as ChokerInput,
    context: {} as ChokerContext,
    events: {} as ChokerEvent,
    emitted: {} as ChokerEmitted,
  },
  delays: {
    rechokeInterval: 10_000,
    optimisticInterval: 30_000,
  },
  guards: {
    optimisticVacant: ({ context }) => {
      const current = context.optimistic;
      return current === undefined || !context.readPeers().some((p) => p.id === current && p.interested);
    },
  },
  actions: {
    rotateOptimistic: assign({
      optimistic: ({ context }) =>
        pickOptimistic(context.readPeers(), context.optimistic, context.now(), context.random, context.options),
    }),
    rechoke: enqueueActions(({ context, enqueue, system }) => {
      const peers = context.readPeers();
      const present = new Set(peers.map((p) => p.id));
      const optimistic = context.optimistic !== undefined && present.has(context.optimistic) ? context.optimistic : undefined;
      const unchoked = selectUnchoked(peers, optimistic, context.options, context.unchoked);
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
      enqueue.assign({ unchoked: new Set(unchoked), optimistic });
      enqueue(emit({ type: 'rechoked' as const, unchoked, optimistic }));
    }),
    chokeAll: enqueueActions(({ context, enqueue, system }) => {
      for (const id of context.unchoked) {
        const ref = system.get(id);
        if (ref) enqueue.sendTo(ref, { type: 'CHOKE' });
      }
      enqueue.assign({ unchoked: new Set<string>() });
    }),
  },
}).createMachine({
  id: 'choker',
  description: 'Tit-for-tat upload slots: regular rechoke every 10 s, optimistic rotation every 30 s.',
  meta: {
    bep: 'BEP 3 · Peer messages (choking algorithm)',
    events: {
      PEERS_CHANGED: { description: 'A peer joined, left, or changed interest: decide again now.' },
      PAUSE: { description: 'The torrent paused.' },
      RESUME: { description: 'The torrent resumed.' },
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
      optimisticVacant: 'No optimistic peer, or it left or is no longer interested.',
    },
  },
  context: ({ input }) => ({
    readPeers: input.readPeers,
    random: input.random,
    now: input.now,
    options: input.options ?? defaultChokeOptions,
    unchoked: new Set<string>(),
    optimistic: undefined,
  }),
  initial: 'running',
  states: {
    running: {
      description: 'Ranking peers on a fixed period; new decisions also when the peer set changes.',
      meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
      entry: ['rotateOptimistic', 'rechoke'],
      initial: 'waiting',
      states: {
        waiting: {
          description: 'Between rechokes.',
          after: {
            rechokeInterval: {
              target: 'waiting',
              reenter: true,
              actions: 'rechoke',
              description: 'Unchoke the fastest interested peers that do not snub us; choke the rest.',
              meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
            },
          },
        },
      },
      after: {
        optimisticInterval: {
          target: 'running',
          reenter: true,
          description: 'Rotate the optimistic unchoke (new peers weigh triple), then rechoke.',
          meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
        },
      },
      on: {
        PEERS_CHANGED: [
          {
            guard: 'optimisticVacant',
            actions: ['rotateOptimistic', 'rechoke'],
            description: 'No optimistic peer yet (or it left or lost interest): draw one now rather than in up to 30 s.',
            meta: { bep: 'BEP 3 · Peer messages (choking algorithm)' },
          },
          { actions: 'rechoke', description: 'A peer joined, left, or changed interest.' },
        ],
        PAUSE: { target: 'paused', description: 'Stop uploading to everyone.' },
      },
    },
    paused: {
      description: 'Torrent paused: every upload slot is closed.',
      entry: 'chokeAll',
      on: { RESUME: { target: 'running', description: 'Pick an optimistic peer and rechoke at once.' } },
    },
  },
});
