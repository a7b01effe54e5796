import { describe, expect, it } from 'vitest';
import { PexFlags, type PexPeer } from '../../src/extensions/index.js';
import { PeerGate } from '../../src/peers/peerGate.js';
import { PeerPieces } from '../../src/peers/peerPieces.js';
import { endpointKey } from '../../src/peers/peerPool.js';
import { Bitfield } from '../../src/pieces/bitfield.js';
import { TorrentPex } from '../../src/session/torrentPex.js';
import { newPeerRecord, type PeerRecord } from '../../streams/peerRecord.js';

const have = new Bitfield(8);

/** A connection past its handshake (gate open), dialled by us when `outgoing`. */
const record = (ip: string, port: number, outgoing: boolean, listenPort?: number): PeerRecord => {
  const gate = new PeerGate();
  gate.open = true;
  const r = newPeerRecord(endpointKey({ ip, port }), { ip, port }, outgoing, { gate, pieces: new PeerPieces(have) }, 0);
  r.listenPort = listenPort;
  return r;
};

/** What our first ut_pex message to `to` names, as `ip:port/reachable`. */
const firstPexTo = (records: readonly PeerRecord[], to: PeerRecord): string[] => {
  const pex = new TorrentPex({ private: false }, new Map(records.map((r) => [r.id, r])), { discovered: () => undefined });
  const message = pex.sinks(to.id, to.endpoint).nextPex?.();
  return (message?.added ?? []).map((p: PexPeer) => `${p.ip}:${p.port}/${(p.flags & PexFlags.reachable) !== 0 ? 'reachable' : 'not'}`).sort();
};

describe('TorrentPex: whom our ut_pex names (BEP 11)', () => {
  it('a peer we dialled at its address (reachable); one that dialled us at its `p`, unless our own dial there got through', () => {
    const dialled = record('127.0.0.2', 6881, true);
    const dialledUs = record('127.0.0.3', 50_001, false, 7000);
    const noPort = record('127.0.0.4', 50_002, false);
    const both = record('127.0.0.5', 50_003, false, 6881);
    const ourDialToBoth = record('127.0.0.5', 6881, true);
    const recipient = record('127.0.0.9', 50_009, false, 6881);
    expect(firstPexTo([dialled, dialledUs, noPort, both, ourDialToBoth, recipient], recipient)).toEqual([
      '127.0.0.2:6881/reachable',
      '127.0.0.3:7000/not',
      '127.0.0.5:6881/reachable',
    ]);
    // our dial there has not finished its handshake: the incoming connection names the address
    ourDialToBoth.gate.open = false;
    expect(firstPexTo([both, ourDialToBoth, recipient], recipient)).toEqual(['127.0.0.5:6881/not']);
    // never a peer to itself
    expect(firstPexTo([dialledUs, recipient], dialledUs)).toEqual(['127.0.0.9:6881/not']);
  });
});
