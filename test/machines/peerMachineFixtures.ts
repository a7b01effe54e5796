import type { Handshake } from '../../src/wire/index.js';
import { ourReserved } from '../../src/wire/index.js';
import type { PeerEmitted, PeerMachineInput } from '../../machines/peer.machine.js';

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

/** The events an action list would emit, from XState's pure transition results. */
export const emittedBy = (actions: readonly { type: string; params?: unknown }[]): PeerEmitted[] =>
  actions
    .filter((a) => a.type === 'xstate.emit')
    .map((a) => (a.params as { event: PeerEmitted }).event);

/** Type tags only, for compact assertions. */
export const emittedTypes = (actions: readonly { type: string; params?: unknown }[]): string[] =>
  emittedBy(actions).map((e) => (e.type === 'send' ? `send:${e.message.type}` : e.type));
