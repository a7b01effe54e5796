import type { WireMessage } from '../wire/messages.js';

/**
 * Who sent piece bytes to whom in a swarm whose members all run in this process (the demo).
 * A connection's id on the side that dialed it is the other member's listening address, while
 * the accepting side only sees an ephemeral port; so each connection is counted once, on its
 * dialer's side, in both directions.
 */
export class PieceFlowLedger {
  private readonly byPort = new Map<number, string>();
  private readonly flows = new Map<string, number>();

  /** Registers a member by the port it listens on. */
  member(name: string, listenPort: number): void {
    this.byPort.set(listenPort, name);
  }

  /** The `onWire` hook for the member `name`. */
  observer(name: string): (peerId: string, direction: 'in' | 'out', message: WireMessage) => void {
    return (peerId, direction, message) => {
      if (message.type !== 'piece') return;
      const other = this.byPort.get(Number(peerId.slice(peerId.lastIndexOf(':') + 1)));
      if (other === undefined || !peerId.startsWith('127.0.0.1:')) return; // the accepting side
      const key = direction === 'in' ? `${other}>${name}` : `${name}>${other}`;
      this.flows.set(key, (this.flows.get(key) ?? 0) + message.block.length);
    };
  }

  /** Piece bytes `from` sent to `to`. */
  bytes(from: string, to: string): number {
    return this.flows.get(`${from}>${to}`) ?? 0;
  }
}
