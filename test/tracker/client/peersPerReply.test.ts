import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { encode } from '../../../src/bencode/index.js';
import { decodeAnnounceBody, decodeUdpReply, DEFAULT_MAX_PEERS_PER_REPLY } from '../../../src/tracker/client/index.js';
import { udpReply } from './scriptedUdpTracker.js';

/** `n` compact IPv4 peers 127.0.x.y:6881. */
const compact = (n: number): Uint8Array => {
  const b = Buffer.alloc(n * 6);
  for (let i = 0; i < n; i++) {
    b.set([127, 0, (i >> 8) & 0xff, i & 0xff], i * 6);
    b.writeUInt16BE(6881, i * 6 + 4);
  }
  return b;
};

describe('peers taken from one tracker reply are capped', () => {
  it('HTTP compact, peers6 and dictionary lists: 200 by default, configurable, a corrupt length still rejected', () => {
    expect(DEFAULT_MAX_PEERS_PER_REPLY).toBe(200);
    const r = decodeAnnounceBody('t', encode({ interval: 900, peers: compact(60_000), peers6: new Uint8Array(18 * 100).fill(1) }));
    expect(E.isRight(r) && r.right.peers.length).toBe(200);
    expect(E.isRight(r) && r.right.peers[199]).toEqual({ ip: '127.0.0.199', port: 6881 });
    const few = decodeAnnounceBody('t', encode({ interval: 900, peers: compact(1000) }), 10);
    expect(E.isRight(few) && few.right.peers.length).toBe(10);
    const dicts = decodeAnnounceBody('t', encode({ interval: 900, peers: Array.from({ length: 500 }, (_, i) => ({ ip: '127.0.0.2', port: 1000 + i })) }), 50);
    expect(E.isRight(dicts) && dicts.right.peers.length).toBe(50);
    expect(decodeAnnounceBody('t', encode({ interval: 900, peers: compact(1000).subarray(0, 5999) }))).toMatchObject(E.left({ _tag: 'invalid-reply' }));
  });

  it('UDP announce replies', () => {
    const packet = udpReply.announce(7, 900, 0, 1, compact(5000));
    const r = decodeUdpReply(packet, 7, 4, 200);
    expect(r._tag === 'announce' && r.peers.length).toBe(200);
  });
});
