import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { encode, type BEncodable } from '../../../src/bencode/index.js';
import { decodeAnnounceBody, decodeUdpReply } from '../../../src/tracker/client/index.js';

/** Bencodable values shaped like tracker replies, with hostile field types and sizes. */
const field = fc.oneof(
  fc.integer({ min: -5, max: 100_000 }),
  fc.bigInt({ min: 2n ** 60n, max: 2n ** 70n }),
  fc.uint8Array({ maxLength: 40 }),
  fc.string({ maxLength: 30 }),
  fc.array(fc.dictionary(fc.constantFrom('ip', 'port', 'peer id'), fc.oneof(fc.string(), fc.integer(), fc.uint8Array({ maxLength: 22 }))), { maxLength: 4 }),
);
const reply = fc.dictionary(
  fc.constantFrom('interval', 'min interval', 'peers', 'peers6', 'complete', 'incomplete', 'tracker id', 'warning message', 'failure reason', 'x'),
  field,
) as fc.Arbitrary<Record<string, BEncodable>>;

describe('hostile tracker replies', () => {
  it('HTTP: any reply-shaped dictionary decodes to a response or a one-line invalid-reply/failure-reason', () => {
    fc.assert(
      fc.property(reply, (r) => {
        const out = decodeAnnounceBody('http://t/announce', encode(r));
        if (E.isLeft(out)) {
          expect(['invalid-reply', 'failure-reason']).toContain(out.left._tag);
          expect(out.left.message).not.toMatch(/[\r\n]/);
        } else {
          expect(out.right.interval).toBeGreaterThanOrEqual(60);
          expect(out.right.interval).toBeLessThanOrEqual(7200);
          for (const p of out.right.peers) expect(p.port).toBeGreaterThan(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('HTTP: random bytes never throw', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
      expect(E.isLeft(decodeAnnounceBody('http://t/a', b)) || E.isRight(decodeAnnounceBody('http://t/a', b))).toBe(true);
    }));
  });

  it('UDP: random datagrams never throw and never match another transaction', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), fc.integer({ min: 0, max: 2 ** 32 - 1 }), fc.constantFrom(4 as const, 6 as const), (p, tid, fam) => {
        const r = decodeUdpReply(p, tid, fam);
        const echoed = p.length >= 8 && Buffer.from(p).readUInt32BE(4) === tid;
        if (!echoed) expect(r._tag).toBe('ignore');
        else expect(r._tag).not.toBe('ignore');
      }),
      { numRuns: 2000 },
    );
  });
});
