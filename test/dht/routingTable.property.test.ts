import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { commonPrefixBits, ID_BITS, idToBigInt, idWithPrefix } from '../../src/dht/nodeId.js';
import { GOOD_FOR_MS, K, MAX_FAILURES, nodeStatus, RoutingTable, sameId } from '../../src/dht/routingTable.js';

const id = fc.uint8Array({ minLength: 20, maxLength: 20 });
/** An id near `ours`: shares a random-length prefix, so deep buckets get exercised. */
const nearId = (ours: Uint8Array) => fc.tuple(fc.integer({ min: 0, max: 40 }), id).map(([p, r]) => idWithPrefix(ours, p, r));
type Op = { kind: 'observe'; id: Uint8Array; port: number; via: 'response' | 'query'; dt: number } | { kind: 'fail'; pick: number; dt: number };

const ops = (ours: Uint8Array) =>
  fc.array(
    fc.oneof(
      fc.record({ kind: fc.constant('observe' as const), id: fc.oneof(id, nearId(ours)), port: fc.integer({ min: 1, max: 65535 }), via: fc.constantFrom('response' as const, 'query' as const), dt: fc.integer({ min: 0, max: GOOD_FOR_MS }) }),
      fc.record({ kind: fc.constant('fail' as const), pick: fc.nat(), dt: fc.integer({ min: 0, max: 60_000 }) }),
    ),
    { maxLength: 300 },
  );

function run(ours: Uint8Array, list: Op[]): { table: RoutingTable; now: number } {
  const table = new RoutingTable(ours, 0);
  let now = 0;
  for (const op of list) {
    now += op.dt;
    if (op.kind === 'observe') table.observe({ id: op.id, ip: `10.0.${op.port >> 8}.${op.port & 255}`, port: op.port }, op.via, now);
    else {
      const nodes = table.nodes(now);
      if (nodes.length > 0) table.failed(nodes[op.pick % nodes.length]!.id, now);
    }
  }
  return { table, now };
}

describe('routing table (BEP 5 k-buckets)', () => {
  it('keeps at most k nodes per bucket, each in the bucket its prefix says, never our own id, no duplicates', () => {
    fc.assert(
      fc.property(id.chain((ours) => fc.tuple(fc.constant(ours), ops(ours))), ([ours, list]) => {
        const { table, now } = run(ours, list);
        const view = table.view(now);
        const seen = new Set<string>();
        view.forEach((b, i) => {
          expect(b.nodes.length).toBeLessThanOrEqual(K);
          for (const n of b.nodes) {
            expect(sameId(n.id, ours)).toBe(false);
            const cpl = commonPrefixBits(n.id, ours);
            if (b.holdsOurId) expect(cpl).toBeGreaterThanOrEqual(i);
            else expect(cpl).toBe(i);
            const key = Buffer.from(n.id).toString('hex');
            expect(seen.has(key)).toBe(false);
            seen.add(key);
          }
        });
      }),
      { numRuns: 200 },
    );
  });

  it('bucket ranges partition the id space, and only the bucket holding our id ever split', () => {
    fc.assert(
      fc.property(id.chain((ours) => fc.tuple(fc.constant(ours), ops(ours))), ([ours, list]) => {
        const { table, now } = run(ours, list);
        const view = table.view(now);
        // bucket i < last: ids sharing exactly i bits with ours; last: sharing >= last bits.
        const o = idToBigInt(ours);
        const ranges = view.map((b, i) => {
          const bits = BigInt(ID_BITS - i);
          if (b.holdsOurId) {
            const lo = (o >> bits) << bits;
            return [lo, lo + (1n << bits) - 1n] as const;
          }
          const flipped = (o >> (bits - 1n)) ^ 1n;
          const lo = flipped << (bits - 1n);
          return [lo, lo + (1n << (bits - 1n)) - 1n] as const;
        });
        const sorted = [...ranges].sort((a, b) => (a[0] < b[0] ? -1 : 1));
        let next = 0n;
        let size = 0n;
        for (const [lo, hi] of sorted) {
          expect(lo).toBe(next);
          next = hi + 1n;
          size += hi - lo + 1n;
        }
        expect(next).toBe(1n << 160n);
        expect(size).toBe(1n << 160n);
        // our id falls in the last bucket, the only one that splits
        const last = ranges[ranges.length - 1]!;
        expect(o >= last[0] && o <= last[1]).toBe(true);
        expect(view.filter((b) => b.holdsOurId)).toHaveLength(1);
        for (const n of table.nodes(now)) {
          const x = idToBigInt(n.id);
          const r = ranges[table.bucketIndex(n.id)]!;
          expect(x >= r[0] && x <= r[1]).toBe(true);
        }
      }),
      { numRuns: 200 },
    );
  });

  it('a far bucket never splits: once full of good nodes, new far nodes are dropped', () => {
    const ours = new Uint8Array(20); // 0x00…: far nodes start with bit 1
    const table = new RoutingTable(ours, 0);
    const far = (i: number) => { const x = new Uint8Array(20).fill(i); x[0] = 0x80 | i; return x; };
    for (let i = 0; i < K; i++) table.observe({ id: far(i), ip: '10.0.0.1', port: 1000 + i }, 'response', 0);
    // a near node splits the table; far nodes then sit in bucket 0
    table.observe({ id: new Uint8Array(20).fill(0).map((_, j) => (j === 19 ? 1 : 0)), ip: '10.0.0.2', port: 2000 }, 'response', 0);
    expect(table.view(0)[0]!.nodes).toHaveLength(K);
    expect(table.observe({ id: far(100), ip: '10.0.0.3', port: 3000 }, 'response', 1)).toEqual({ kind: 'full' });
    expect(table.view(1)[0]!.nodes).toHaveLength(K);
  });

  it('BEP 5 node states: good after answering, questionable after 15 min, bad after failures; bad nodes are replaced', () => {
    const ours = new Uint8Array(20);
    const table = new RoutingTable(ours, 0, 2);
    const far = (i: number) => { const x = new Uint8Array(20).fill(i); x[0] = 0x80; return x; };
    table.observe({ id: far(1), ip: '10.0.0.1', port: 1 }, 'response', 0);
    table.observe({ id: far(2), ip: '10.0.0.2', port: 2 }, 'response', 0);
    // both far, k = 2: the table splits until our id's bucket is separate, far bucket full
    const n1 = table.get(far(1))!;
    expect(nodeStatus(n1, GOOD_FOR_MS)).toBe('good');
    expect(nodeStatus(n1, GOOD_FOR_MS + 1)).toBe('questionable');
    // a questionable bucket asks us to ping before taking a newcomer
    const r = table.observe({ id: far(3), ip: '10.0.0.3', port: 3 }, 'response', GOOD_FOR_MS + 1);
    expect(r.kind).toBe('ping');
    // the pinged node never answers: bad, and the waiting newcomer takes its place
    for (let i = 0; i < MAX_FAILURES; i++) table.failed(far(1), GOOD_FOR_MS + 2);
    expect(table.get(far(1))).toBeUndefined();
    expect(table.get(far(3))).toBeDefined();
    // a node that queried us after answering once stays good
    table.observe({ id: far(2), ip: '10.0.0.2', port: 2 }, 'query', 2 * GOOD_FOR_MS);
    expect(nodeStatus(table.get(far(2))!, 2 * GOOD_FOR_MS)).toBe('good');
  });

  it('an endpoint that answers with another id replaces its old entry; stale buckets are refresh candidates', () => {
    const ours = new Uint8Array(20);
    const table = new RoutingTable(ours, 0);
    const a = new Uint8Array(20).fill(0xaa);
    const b = new Uint8Array(20).fill(0xbb);
    table.observe({ id: a, ip: '10.0.0.1', port: 1 }, 'response', 0);
    table.observe({ id: b, ip: '10.0.0.1', port: 1 }, 'response', 1);
    expect(table.get(a)).toBeUndefined();
    expect(table.get(b)).toBeDefined();
    expect(table.staleBuckets(GOOD_FOR_MS)).toEqual([]);
    expect(table.staleBuckets(GOOD_FOR_MS + 1)).toEqual([0]);
    table.refreshed(0, GOOD_FOR_MS + 1);
    expect(table.staleBuckets(GOOD_FOR_MS + 2)).toEqual([]);
  });

  it('closest() returns the nearest non-bad nodes in XOR order', () => {
    fc.assert(
      fc.property(id, fc.array(id, { minLength: 1, maxLength: 60 }), id, (ours, ids, target) => {
        const table = new RoutingTable(ours, 0);
        ids.forEach((x, i) => table.observe({ id: x, ip: '10.0.0.1', port: i + 1 }, 'response', 0));
        const got = table.closest(target, 8, 0);
        const all = table.nodes(0).map((n) => idToBigInt(n.id) ^ idToBigInt(target)).sort((x, y) => (x < y ? -1 : x > y ? 1 : 0));
        expect(got.map((n) => idToBigInt(n.id) ^ idToBigInt(target))).toEqual(all.slice(0, 8));
      }),
      { numRuns: 100 },
    );
  });

  it('idWithPrefix lands in the bucket it was asked for', () => {
    fc.assert(
      fc.property(id, id, fc.integer({ min: 0, max: 159 }), (ours, r, p) => {
        expect(commonPrefixBits(idWithPrefix(ours, p, r), ours)).toBe(p);
      }),
    );
  });
});
