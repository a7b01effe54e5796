import { createMachine, fromPromise, type AnyActorLogic } from 'xstate';
import { announceMachine } from '../../machines/announce.machine.js';
import { chokerMachine } from '../../machines/choker.machine.js';
import { peerMachine } from '../../machines/peer.machine.js';
import { torrentMachine } from '../../machines/torrent.machine.js';
import type { ReplayClock } from './replayClock.js';
import { reviveSafeJson } from './safeJson.js';

/**
 * The machines a trace can be replayed against, with stand-ins for everything that did IO.
 *
 * Each actor is replayed alone from its own recorded events, so its children are stand-ins:
 * invoked promises never settle by themselves (their recorded `xstate.done.actor.*` /
 * `xstate.error.actor.*` events are fed back as inputs, outputs included), and spawned or
 * invoked machines are inert (their own recordings are replayed separately). Inputs that were
 * functions (clocks, peer readers, randomness) are rebuilt on the replay clock.
 */
export interface ReplayLogic {
  readonly logic: AnyActorLogic;
  readonly input: unknown;
}

/** An invoked promise that never settles: its recorded outcome arrives as an event instead. */
const pendingPromise = fromPromise<never, unknown>(() => new Promise<never>(() => undefined));

/** An inert child: accepts any event, does nothing, never finishes. */
const inertChild = createMachine({ id: 'replayStandIn' });

const asRecord = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

/** A small deterministic generator standing in for `Math.random` (the choker's optimistic pick). */
const seededRandom = (): (() => number) => {
  let s = 0x9e3779b9;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 0x1_0000_0000;
  };
};

const builders: Record<string, (input: unknown, clock: ReplayClock) => ReplayLogic> = {
  // the recorded cores (pieces, gate) are only their outline: the machine builds fresh ones
  peer: (input) => {
    const { pieces: _pieces, gate: _gate, ...plain } = asRecord(reviveSafeJson(input));
    return { logic: peerMachine, input: plain };
  },
  announce: (input) => ({
    logic: announceMachine.provide({ actors: { announce: pendingPromise as never } }),
    input: reviveSafeJson(input) ?? {},
  }),
  choker: (input, clock) => {
    const recorded = asRecord(reviveSafeJson(input));
    const options = asRecord(recorded.options);
    return {
      logic: chokerMachine,
      input: {
        // the choker's picks depend on live rates; its decisions reach the peers as recorded
        // CHOKE/UNCHOKE events, which the peers' own replays check
        readPeers: () => [],
        random: seededRandom(),
        now: () => clock.now(),
        ...(Object.keys(options).length > 0 ? { options } : {}),
      },
    };
  },
  torrent: (input, clock) => {
    const recorded = asRecord(reviveSafeJson(input));
    return {
      logic: torrentMachine.provide({
        actors: { checkPieces: pendingPromise as never, peer: inertChild, announcer: inertChild, choker: inertChild },
      }),
      input: {
        pieceCount: Number(recorded.pieceCount),
        maxPeers: Number(recorded.maxPeers),
        ...(Array.isArray(recorded.self) ? { self: recorded.self } : {}),
        peerInput: () => ({}),
        now: () => clock.now(),
      },
    };
  },
};

/** Machine ids that can be replayed. */
export const replayableMachines: readonly string[] = Object.keys(builders);

/** The logic and input to replay a recorded actor of machine `machine`, or undefined if unknown. */
export function replayLogicFor(machine: string, recordedInput: unknown, clock: ReplayClock): ReplayLogic | undefined {
  const build = Object.hasOwn(builders, machine) ? builders[machine] : undefined;
  return build?.(recordedInput, clock);
}
