import { createActor, fromCallback, SimulatedClock } from 'xstate';
import type { OurExtendedHandshake } from '../../src/extensions/index.js';
import type { Handshake } from '../../src/wire/index.js';
import { emptyReserved, ourReserved } from '../../src/wire/index.js';
import { peerMachine, type ConnectionInput, type PeerCommand, type PeerMachine, type PeerMachineInput } from '../../machines/peer.machine.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { Availability } from '../../src/pieces/availability.js';

export const infoHash = new Uint8Array(20).fill(0xab);
export const ourId = new Uint8Array(20).fill(0x11);
export const theirId = new Uint8Array(20).fill(0x22);

export const input = (outgoing = true, pieceCount = 10): PeerMachineInput => ({ infoHash, peerId: ourId, pieceCount, outgoing });

export const theirHandshake = (over: Partial<Handshake> = {}): Handshake => ({
  reserved: ourReserved(),
  infoHash,
  peerId: theirId,
  ...over,
});

/** A BEP 3-only handshake (no fast extension). */
export const plainHandshake = (): Handshake => theirHandshake({ reserved: emptyReserved() });

/** A command as a compact tag: `send:<message type>` for writes, the command type otherwise. */
export const tag = (c: PeerCommand): string => (c.type === 'send' ? `send:${c.message.type}` : c.type);

/**
 * A live peer actor on a simulated clock, with a recording connection actor in place of the
 * socket and real cores (our pieces, availability) it can be checked against.
 */
export function startPeer(options: { outgoing?: boolean; pieceCount?: number; ours?: Bitfield; machine?: PeerMachine; maxAnnouncements?: number; extra?: Partial<PeerMachineInput>; extended?: OurExtendedHandshake; receive?: (c: PeerCommand) => void } = {}) {
  const pieceCount = options.pieceCount ?? 10;
  const ours = options.ours ?? new Bitfield(pieceCount);
  const availability = new Availability(pieceCount);
  const commands: PeerCommand[] = [];
  const connection = fromCallback<PeerCommand, ConnectionInput>(({ receive }) => {
    receive((c) => {
      commands.push(c);
      options.receive?.(c);
    });
  });
  const clock = new SimulatedClock();
  const machine = (options.machine ?? peerMachine).provide({ actors: { connection } });
  const actor = createActor(machine, {
    input: {
      ...input(options.outgoing ?? true, pieceCount),
      have: ours,
      availability,
      ...(options.maxAnnouncements !== undefined ? { maxAnnouncements: options.maxAnnouncements } : {}),
      ...(options.extended !== undefined ? { extended: options.extended } : {}),
      ...options.extra,
    },
    clock,
  });
  actor.start();
  // the machine builds its own per-connection cores; the data plane gets the same objects
  const { pieces, gate } = actor.getSnapshot().context;
  const tags = (): string[] => commands.map(tag);
  /** Tags of the commands given since the last call. */
  let seen = 0;
  const fresh = (): string[] => {
    const out = commands.slice(seen).map(tag);
    seen = commands.length;
    return out;
  };
  return { actor, clock, commands, tags, fresh, pieces, gate, availability, ours };
}

/** Dials, handshakes (fast extension unless `handshake` says otherwise) and returns the active peer. */
export function activePeer(options: Parameters<typeof startPeer>[0] & { handshake?: Handshake } = {}) {
  const p = startPeer(options);
  if (options.outgoing !== false) p.actor.send({ type: 'CONNECTED' });
  p.actor.send({ type: 'HANDSHAKE_RECEIVED', handshake: options.handshake ?? theirHandshake() });
  return p;
}
