import { createMachine, fromCallback, fromPromise, type AnyActorLogic } from 'xstate';
import { announceMachine } from '../../machines/announce.machine.js';
import { chokerMachine } from '../../machines/choker.machine.js';
import { metadataMachine } from '../../machines/metadata.machine.js';
import { dhtAnnounceMachine } from '../../machines/dhtAnnounce.machine.js';
import { dhtLookupMachine } from '../../machines/dhtLookup.machine.js';
import { peerMachine } from '../../machines/peer.machine.js';
import { torrentMachine } from '../../machines/torrent.machine.js';
import { reviveSafeJson } from './safeJson.js';

/**
 * The machines a trace can be replayed against, with stand-ins for everything that did IO.
 *
 * Each actor is replayed alone from its own recorded events, so its children are stand-ins:
 * invoked promises never settle by themselves (their recorded `xstate.done.actor.*` /
 * `xstate.error.actor.*` events are fed back as inputs, outputs included), and spawned or
 * invoked actors are inert (their own recordings are replayed separately; what they sent,
 * such as the choker's PEERS_READ snapshots, is fed as recorded). Machine inputs are plain
 * data (clocks and randomness reach machines as delays and event data), so the recorded input
 * is the input.
 */
export interface ReplayLogic {
  readonly logic: AnyActorLogic;
  readonly input: unknown;
}

/** An invoked promise that never settles: its recorded outcome arrives as an event instead. */
const pendingPromise = fromPromise<never, unknown>(() => new Promise<never>(() => undefined));

/** An inert child machine: accepts any event, does nothing, never finishes. */
const inertChild = createMachine({ id: 'replayStandIn' });

/** An inert callback child: hears requests (e.g. READ_PEERS), answers nothing. */
const silentCallback = fromCallback(() => undefined);

const asRecord = (v: unknown): Record<string, unknown> => (typeof v === 'object' && v !== null ? (v as Record<string, unknown>) : {});

const builders: Record<string, (input: unknown) => ReplayLogic> = {
  // the recorded shared cores (our pieces, availability) are only their outline: the replayed
  // peer builds its own empty ones
  peer: (input) => {
    const { have: _have, availability: _availability, ...plain } = asRecord(reviveSafeJson(input));
    return { logic: peerMachine, input: plain };
  },
  announce: (input) => ({
    logic: announceMachine.provide({ actors: { announce: pendingPromise as never } }),
    input: reviveSafeJson(input) ?? {},
  }),
  choker: (input) => ({
    logic: chokerMachine.provide({ actors: { readPeers: silentCallback } }),
    input: asRecord(reviveSafeJson(input)),
  }),
  // the metadata fetch of a magnet link (BEP 9): no children; its pieces arrive as recorded events
  metadata: (input) => ({ logic: metadataMachine, input: asRecord(reviveSafeJson(input)) }),
  // the lookup's PEERS / LOOKUP_DONE were recorded as events sent to it: fed as recorded
  dhtAnnounce: (input) => ({
    logic: dhtAnnounceMachine.provide({ actors: { lookup: silentCallback } }),
    input: asRecord(reviveSafeJson(input)),
  }),
  // pure: queries go out as emitted events, answers come back as recorded events
  dhtLookup: (input) => ({ logic: dhtLookupMachine, input: reviveSafeJson(input) }),
  // the session's shared ban list is recorded as an outline too: the replayed torrent starts
  // with its own empty one and bans again from the recorded verdicts (PIECE_FAILED/VERIFIED)
  torrent: (input) => {
    const revived = reviveSafeJson(input);
    const { bans: _bans, ...plain } = asRecord(revived);
    return {
      logic: torrentMachine.provide({
        actors: { checkPieces: pendingPromise as never, peer: inertChild, announcer: inertChild, choker: inertChild, dhtAnnouncer: inertChild },
      }),
      input: typeof revived === 'object' && revived !== null ? plain : revived,
    };
  },
};

/** Machine ids that can be replayed. */
export const replayableMachines: readonly string[] = Object.keys(builders);

/** The logic and input to replay a recorded actor of machine `machine`, or undefined if unknown. */
export function replayLogicFor(machine: string, recordedInput: unknown): ReplayLogic | undefined {
  const build = Object.hasOwn(builders, machine) ? builders[machine] : undefined;
  return build?.(recordedInput);
}
