import * as E from 'fp-ts/lib/Either.js';
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { formatIPv6, parseCompactPeers4, parseCompactPeers6 } from '../../../src/tracker/client/index.js';

describe('compact peer lists', () => {
  it('parses IPv4 peers and drops port 0', () => {
    expect(parseCompactPeers4(Uint8Array.from([1, 2, 3, 4, 0xff, 0xff, 9, 9, 9, 9, 0, 0]))).toEqual(
      E.right([{ ip: '1.2.3.4', port: 65535 }]),
    );
  });

  it('rejects lengths that are not a multiple of the entry size', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 200 }), (b) => {
        expect(E.isRight(parseCompactPeers4(b))).toBe(b.length % 6 === 0);
        expect(E.isRight(parseCompactPeers6(b))).toBe(b.length % 18 === 0);
      }),
    );
  });

  it('formats IPv6 canonically (RFC 5952) and the text parses back to the same bytes', () => {
    expect(formatIPv6(Uint8Array.from([0x20, 0x01, 0x0d, 0xb8, ...new Array(11).fill(0), 1]))).toBe('2001:db8::1');
    expect(formatIPv6(new Uint8Array(16))).toBe('::');
    expect(formatIPv6(Uint8Array.from([0, 1, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0, 3, 0, 0]))).toBe('1:0:2::3:0');
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
        const s = formatIPv6(b);
        expect(isIPv6(s)).toBe(true);
        expect(Uint8Array.from(expandIPv6(s))).toEqual(b);
      }),
    );
  });
});

/** Independent expansion of IPv6 text to 16 bytes, for the round-trip check. */
function expandIPv6(s: string): number[] {
  const [head, tail] = s.includes('::') ? s.split('::') as [string, string] : [s, undefined];
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...new Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.flatMap((g) => {
    const n = parseInt(g, 16);
    return [n >> 8, n & 0xff];
  });
}
