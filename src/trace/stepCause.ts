/** Why a machine took a step (the live inspector and the trace viewer show it beside the event). */
export type StepCause =
  /** The actor raised it itself after a delay (keep-alive, idle, choke round, re-announce). */
  | { readonly kind: 'timer' }
  /** A wire message or socket event of the peer (`message`: what arrived). */
  | { readonly kind: 'wire'; readonly message: string }
  /** Another actor of the torrent sent it (e.g. the choker's UNCHOKE to a peer). */
  | { readonly kind: 'actor'; readonly from: string }
  /** The runtime sent it: a verified piece, a tracker reply, a child actor finishing, a command. */
  | { readonly kind: 'runtime' };

/**
 * Peer machine events that the connection turns wire messages and socket events into, named as
 * the wire message (BEP 3, BEP 6, BEP 54) or socket event behind them, for the inspector's transitions.
 */
const WIRE_ORIGIN: Readonly<Record<string, string>> = {
  CONNECTED: 'socket connected',
  CONNECT_FAILED: 'connect failed',
  HANDSHAKE_RECEIVED: 'handshake',
  PEER_CHOKE: 'choke',
  PEER_UNCHOKE: 'unchoke',
  PEER_INTERESTED: 'interested',
  PEER_NOT_INTERESTED: 'not interested',
  PEER_HAVES: 'have',
  PEER_BITFIELD: 'bitfield',
  PEER_HAVE_ALL: 'have all',
  PEER_HAVE_NONE: 'have none',
  PEER_DONT_HAVE: 'lt_donthave',
  ACTIVITY: 'any message',
  DATA_RECEIVED: 'piece',
  PROTOCOL_ERROR: 'malformed message',
  SOCKET_CLOSED: 'socket closed',
};

/**
 * Why `eventType` reached a machine: raised by itself (`self`: a delayed event, its timers), sent
 * by another actor (`from`), or from outside the actor system, which for a peer is the wire.
 */
export function stepCause(eventType: string, self: boolean, from: string | undefined): StepCause {
  if (self) return { kind: 'timer' };
  if (from !== undefined) {
    // a peer's connection actor (a child) forwards what the socket said
    const wire = WIRE_ORIGIN[eventType];
    return wire !== undefined ? { kind: 'wire', message: wire } : { kind: 'actor', from };
  }
  const wire = Object.hasOwn(WIRE_ORIGIN, eventType) ? WIRE_ORIGIN[eventType] : undefined;
  return wire !== undefined ? { kind: 'wire', message: wire } : { kind: 'runtime' };
}
