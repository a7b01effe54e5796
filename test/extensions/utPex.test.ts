import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/bencode/index.js';
import {
  decodeUtPex,
  encodeUtPex,
  MAX_PEX_PEERS_TAKEN,
  MAX_UT_PEX_MESSAGE_BYTES,
  PexFlags,
  PexState,
  peerSourcesAllowed,
  type PexMessage,
  type PexPeer,
} from '../../src/extensions/index.js';

const right = <A>(r: E.Either<{ message: string }, A>): A => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};
const v4 = (a: number, b: number, c: number, d: number, port: number): number[] => [a, b, c, d, port >> 8, port & 0xff];

describe('ut_pex codec (BEP 11)', () => {
  it('decodes added with flags, dropped, and the IPv6 lists', () => {
    const v6 = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0x1a, 0xe1];
    const m = right(
      decodeUtPex(
        encode({
          added: Uint8Array.from([...v4(127, 0, 0, 2, 6881), ...v4(127, 0, 0, 3, 6882)]),
          'added.f': Uint8Array.of(PexFlags.seed | PexFlags.reachable, 0),
          dropped: Uint8Array.from(v4(127, 0, 0, 4, 6883)),
          added6: Uint8Array.from(v6),
          'added6.f': Uint8Array.of(PexFlags.supportsUtp),
          dropped6: Uint8Array.from(v6),
        }),
      ),
    );
    expect(m.added).toEqual([
      { ip: '127.0.0.2', port: 6881, flags: 0x12 },
      { ip: '127.0.0.3', port: 6882, flags: 0 },
      { ip: '::1', port: 6881, flags: 4 },
    ]);
    expect(m.dropped).toEqual([{ ip: '127.0.0.4', port: 6883 }, { ip: '::1', port: 6881 }]);
  });

  it('skips port 0 and non-unicast addresses without shifting the flags of later peers', () => {
    const m = right(
      decodeUtPex(
        encode({
          added: Uint8Array.from([...v4(127, 0, 0, 2, 0), ...v4(224, 0, 0, 1, 5), ...v4(0, 0, 0, 0, 5), ...v4(255, 255, 255, 255, 5), ...v4(10, 0, 0, 9, 7)]),
          'added.f': Uint8Array.of(1, 1, 1, 1, 2),
        }),
      ),
    );
    expect(m.added).toEqual([{ ip: '10.0.0.9', port: 7, flags: 2 }]);
  });

  it('is liberal with ragged lists: whole entries kept, flags of the wrong length become 0', () => {
    const m = right(decodeUtPex(encode({ added: Uint8Array.from([...v4(127, 0, 0, 2, 1), 9, 9]), 'added.f': Uint8Array.of(1, 2, 3) })));
    expect(m.added).toEqual([{ ip: '127.0.0.2', port: 1, flags: 0 }]);
  });

  it(`takes at most ${MAX_PEX_PEERS_TAKEN} peers from one message`, () => {
    const many = Uint8Array.from(Array.from({ length: 1000 }, (_, i) => v4(10, 1, i >> 8, i & 0xff, 1000 + i)).flat());
    const m = right(decodeUtPex(encode({ added: many, dropped: many })));
    expect(m.added).toHaveLength(MAX_PEX_PEERS_TAKEN);
    expect(m.dropped).toHaveLength(0);
  });

  it.each([
    ['over the 64 KiB budget', encode({ added: new Uint8Array(MAX_UT_PEX_MESSAGE_BYTES) }), 'too-large'],
    ['added that is not a string', encode({ added: 5 }), 'structure'],
    ['a list', encode([]), 'structure'],
    ['not bencode', Uint8Array.of(1, 2, 3), 'bencode'],
  ])('refuses %s', (_w, payload, code) => {
    const r = decodeUtPex(payload);
    expect(E.isLeft(r) && r.left.code).toBe(code);
  });

  it('encode → decode round trip (unicast peers, IPv4 and IPv6)', () => {
    const peer: fc.Arbitrary<PexPeer> = fc.record({
      ip: fc.oneof(fc.ipV4().filter((ip) => { const a = Number(ip.split('.')[0]); return a !== 0 && a < 224; }), fc.constantFrom('::1', '2001:db8::7', 'fe80::1:2')),
      port: fc.integer({ min: 1, max: 65535 }),
      flags: fc.integer({ min: 0, max: 0x1f }),
    });
    fc.assert(
      fc.property(fc.array(peer, { maxLength: 50 }), fc.array(peer, { maxLength: 50 }), (added, droppedFull) => {
        const dropped = droppedFull.map(({ ip, port }) => ({ ip, port }));
        const m = right(decodeUtPex(encodeUtPex({ added, dropped })));
        // the decoder lists IPv4 before IPv6
        const order = <P extends { ip: string }>(ps: readonly P[]): P[] => [...ps.filter((p) => !p.ip.includes(':')), ...ps.filter((p) => p.ip.includes(':'))];
        expect(m.added).toEqual(order(added));
        expect(m.dropped).toEqual(order(dropped));
      }),
      { numRuns: 200 },
    );
  });

  it('never throws on arbitrary payloads', () => {
    const dict = fc.dictionary(fc.constantFrom('added', 'added.f', 'dropped', 'added6', 'added6.f', 'dropped6', 'x'), fc.uint8Array({ maxLength: 60 }))
      .map((d) => encode(d));
    fc.assert(fc.property(fc.oneof(fc.uint8Array({ maxLength: 200 }), dict), (b) => {
      const r = decodeUtPex(b);
      if (E.isRight(r)) expect(r.right.added.length + r.right.dropped.length).toBeLessThanOrEqual(MAX_PEX_PEERS_TAKEN);
    }), { numRuns: 2000 });
  });
});

describe('PexState', () => {
  const peer = (n: number, flags = 0): PexPeer => ({ ip: `10.0.${n >> 8}.${n & 0xff}`, port: 6881, flags });
  const recipient = { ip: '10.9.9.9', port: 1 };

  it('first message lists the connected peers (never the recipient), then only changes', () => {
    const s = new PexState(recipient);
    const first = s.next([peer(1), peer(2, PexFlags.seed), { ...recipient, flags: 0 }]);
    expect(first).toEqual({ added: [peer(1), peer(2, PexFlags.seed)], dropped: [] });
    expect(s.next([peer(1), peer(2, PexFlags.seed)])).toBeUndefined();
    expect(s.next([peer(2), peer(3)])).toEqual({ added: [peer(3)], dropped: [{ ip: peer(1).ip, port: 6881 }] });
    expect(s.advertisedCount).toBe(2);
  });

  it('sends at most 50 added per message; the rest follow in the next ones', () => {
    const s = new PexState(recipient);
    const connected = Array.from({ length: 120 }, (_, i) => peer(i));
    const sizes: number[] = [];
    let m: PexMessage | undefined;
    while ((m = s.next(connected)) !== undefined) sizes.push(m.added.length);
    expect(sizes).toEqual([50, 50, 20]);
    const gone = s.next([]);
    expect(gone?.dropped).toHaveLength(50);
  });

  it('property: replaying the messages at the receiver gives the connected set (minus the recipient)', () => {
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(fc.integer({ min: 0, max: 150 }), { maxLength: 120 }), { minLength: 1, maxLength: 6 }), (rounds) => {
        const s = new PexState(recipient);
        const known = new Map<string, PexPeer>();
        for (const round of rounds) {
          const connected = round.map((n) => peer(n));
          for (let i = 0; i < 10; i++) {
            const m = s.next(connected);
            if (m === undefined) break;
            expect(m.added.length).toBeLessThanOrEqual(50);
            expect(m.dropped.length).toBeLessThanOrEqual(50);
            for (const d of m.dropped) known.delete(`${d.ip}:${d.port}`);
            for (const a of m.added) known.set(`${a.ip}:${a.port}`, a);
          }
          expect([...known.keys()].sort()).toEqual(connected.map((p) => `${p.ip}:${p.port}`).sort());
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe('peerSourcesAllowed (BEP 27)', () => {
  it('a private torrent gets no PEX and no DHT; a public one gets both', () => {
    expect(peerSourcesAllowed({ private: true })).toEqual({ trackers: true, pex: false, dht: false, external: true });
    expect(peerSourcesAllowed({ private: false })).toEqual({ trackers: true, pex: true, dht: true, external: true });
  });
});
