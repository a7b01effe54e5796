import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode } from '../../src/bencode/index.js';
import { decodeCompactNodes, encodeCompactNodes } from '../../src/dht/compactInfo.js';
import { decodeKrpc, encodeError, encodeQuery, encodeResponse, MAX_KRPC_BYTES, type KrpcQuery } from '../../src/dht/krpc.js';

const id = fc.uint8Array({ minLength: 20, maxLength: 20 });
const t = fc.uint8Array({ minLength: 1, maxLength: 8 });
const ipv4 = fc.tuple(fc.nat(255), fc.nat(255), fc.nat(255), fc.nat(255)).map((p) => p.join('.'));
const port = fc.integer({ min: 1, max: 65535 });
const contact = fc.record({ id, ip: ipv4, port });
const query: fc.Arbitrary<KrpcQuery> = fc.oneof(
  fc.record({ kind: fc.constant('query' as const), t, id, readOnly: fc.boolean(), method: fc.constant('ping' as const) }),
  fc.record({ kind: fc.constant('query' as const), t, id, readOnly: fc.boolean(), method: fc.constant('find_node' as const), target: id }),
  fc.record({ kind: fc.constant('query' as const), t, id, readOnly: fc.boolean(), method: fc.constant('get_peers' as const), infoHash: id }),
  fc.record({ kind: fc.constant('query' as const), t, id, readOnly: fc.boolean(), method: fc.constant('announce_peer' as const), infoHash: id, port, token: fc.uint8Array({ maxLength: 20 }), impliedPort: fc.boolean() }),
);
const ascii = (s: string) => new TextEncoder().encode(s);

describe('KRPC codec (BEP 5)', () => {
  it('queries round-trip', () => {
    fc.assert(fc.property(query, (q) => { expect(decodeKrpc(encodeQuery(q))).toEqual(E.right(q)); }));
  });

  it('responses round-trip (nodes, values, token)', () => {
    fc.assert(
      fc.property(t, id, fc.array(contact, { maxLength: 8 }), fc.array(fc.record({ ip: ipv4, port }), { maxLength: 50 }), fc.uint8Array({ maxLength: 20 }), (tt, i, nodes, values, token) => {
        const got = decodeKrpc(encodeResponse({ t: tt, id: i, nodes, values, token }));
        expect(got).toEqual(E.right({ kind: 'response', t: tt, id: i, nodes, values, token }));
      }),
    );
  });

  it('errors round-trip', () => {
    expect(decodeKrpc(encodeError({ t: Uint8Array.of(1, 2), code: 203, message: 'Protocol Error' }))).toEqual(
      E.right({ kind: 'error', t: Uint8Array.of(1, 2), code: 203, message: 'Protocol Error' }),
    );
  });

  it('compact node info is 26 bytes per node and rejects ragged lengths', () => {
    fc.assert(fc.property(fc.array(contact, { maxLength: 16 }), (cs) => {
      const b = encodeCompactNodes(cs);
      expect(b.length).toBe(26 * cs.length);
      expect(decodeCompactNodes(b)).toEqual(cs);
      if (b.length > 0) expect(decodeCompactNodes(b.subarray(1))).toBeUndefined();
    }));
  });

  it('ignores unknown keys (BEP 5) and liberal values: IPv6 entries skipped', () => {
    const msg = encode({ t: 'aa', y: 'r', v: 'LT\x01\x02', zz: 'x', r: { id: new Uint8Array(20).fill(1), values: [Uint8Array.of(127, 0, 0, 1, 0x1a, 0xe1), new Uint8Array(18)], p: 5, samples: 'q' } });
    const got = decodeKrpc(msg);
    expect(E.isRight(got) && got.right.kind === 'response' ? got.right.values : undefined).toEqual([{ ip: '127.0.0.1', port: 6881 }]);
    const unknownMethod = decodeKrpc(encode({ t: 'aa', y: 'q', q: 'sample_infohashes', a: { id: new Uint8Array(20), target: new Uint8Array(20) } }));
    expect(E.isRight(unknownMethod) && unknownMethod.right.kind === 'query' ? unknownMethod.right.method : '').toBe('unknown');
  });

  it('malformed messages are typed errors, never throws', () => {
    const bad: Uint8Array[] = [
      new Uint8Array(0),
      ascii('garbage'),
      ascii('d1:t2:aa1:y1:qe'), // query without q/a
      encode({ t: 'aa', y: 'q', q: 'ping', a: { id: 'short' } }),
      encode({ t: 'aa', y: 'r', r: { id: new Uint8Array(20), nodes: new Uint8Array(27) } }),
      encode({ t: 'x'.repeat(40), y: 'q', q: 'ping', a: { id: new Uint8Array(20) } }),
      encode({ t: 'aa', y: 'z' }),
      encode({ t: 'aa', y: 'q', q: 'announce_peer', a: { id: new Uint8Array(20), info_hash: new Uint8Array(20), port: 70000, token: 'x' } }),
      ascii(`${'l'.repeat(50)}${'e'.repeat(50)}`),
      new Uint8Array(MAX_KRPC_BYTES + 1),
    ];
    for (const b of bad) {
      const r = decodeKrpc(b);
      expect(E.isLeft(r)).toBe(true);
      if (E.isLeft(r)) expect(r.left.message).toMatch(/^krpc: /);
    }
  });

  // Until `npm run fuzz` (decoders branch) is on main, the fuzz run of the KRPC decoder is this property.
  it('fuzz: arbitrary bytes and mutated valid messages never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 600 }), (b) => { decodeKrpc(b); }), { numRuns: 3000 });
    fc.assert(
      fc.property(query, fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 6 }), (q, flips) => {
        const b = encodeQuery(q);
        for (const [at, v] of flips) b[at % b.length] = v;
        const r = decodeKrpc(b);
        if (E.isLeft(r)) expect(['bencode', 'schema', 'too-large']).toContain(r.left.code);
      }),
      { numRuns: 3000 },
    );
  });
});
