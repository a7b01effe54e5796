import { describe, expect, it } from 'vitest';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { emptyReserved, ourReserved, setDht } from '../../src/wire/index.js';
import { activePeer, theirHandshake } from './peerMachineFixtures.js';

/** Our side with the DHT running: its reserved bit set and our node's UDP port. */
const withDht = { extra: { reserved: setDht(ourReserved()), dhtPort: 7001 } };

describe('peer machine: the BEP 5 port message', () => {
  it('sends our DHT port right after our pieces when both handshakes set the DHT bit', () => {
    const p = activePeer({ ...withDht, ours: Bitfield.full(10), handshake: theirHandshake({ reserved: setDht(ourReserved()) }) });
    // both also set the BEP 10 bit: our extended handshake follows the port
    expect(p.tags()).toEqual(['handshake', 'ready', 'send:haveAll', 'send:port', 'send:extended']);
    expect(p.commands.at(-2)).toEqual({ type: 'send', message: { type: 'port', port: 7001 } });
    const plain = activePeer({ ...withDht, handshake: theirHandshake({ reserved: setDht(emptyReserved()) }) });
    expect(plain.tags()).toEqual(['handshake', 'ready', 'send:port']); // BEP 3 peer, nothing to announce
  });

  it('sends no port when the peer did not set the DHT bit, or when our node does not run', () => {
    expect(activePeer({ ...withDht }).tags()).not.toContain('send:port');
    expect(activePeer({ handshake: theirHandshake({ reserved: setDht(ourReserved()) }) }).tags()).not.toContain('send:port');
  });

  it("passes the peer's port on to our node (liberal: whatever bits it set); ignores it without a node of ours", () => {
    const p = activePeer({ ...withDht });
    p.fresh();
    p.actor.send({ type: 'PEER_PORT', port: 6882 });
    expect(p.commands.at(-1)).toEqual({ type: 'dhtNode', port: 6882 });
    const none = activePeer();
    none.fresh();
    none.actor.send({ type: 'PEER_PORT', port: 6882 });
    expect(none.fresh()).toEqual([]);
    expect(none.actor.getSnapshot().status).toBe('active');
  });
});
