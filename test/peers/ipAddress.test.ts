import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { isIPv6 } from 'node:net';
import { ipFromBytes, isLoopback, parseIp } from '../../src/peers/ipAddress.js';
import { resolvePeerIp } from '../../src/tracker/server/peerAddressPolicy.js';

describe('parseIp', () => {
  it('normalises IPv4-mapped IPv6 to IPv4', () => {
    expect(parseIp('::ffff:127.0.0.1')).toEqual({ ip: '127.0.0.1', bytes: Uint8Array.from([127, 0, 0, 1]) });
  });

  it('parses IPv6 and prints RFC 5952 text', () => {
    expect(parseIp('::1')?.ip).toBe('::1');
    expect(parseIp('2001:DB8:0:0:0:0:0:1')?.ip).toBe('2001:db8::1');
    expect(parseIp('fe80::1%lo')?.bytes.length).toBe(16);
    expect(parseIp('not an ip')).toBeUndefined();
  });

  it('round-trips any 16 bytes through text', () => {
    fc.assert(fc.property(fc.uint8Array({ minLength: 16, maxLength: 16 }), (b) => {
      const text = ipFromBytes(b);
      expect(isIPv6(text)).toBe(true);
      const back = parseIp(text);
      const mapped = b.subarray(0, 10).every((x) => x === 0) && b[10] === 0xff && b[11] === 0xff;
      expect(Array.from(back?.bytes ?? [])).toEqual(Array.from(mapped ? b.subarray(12) : b));
    }));
  });

  it('knows loopback', () => {
    expect(isLoopback(Uint8Array.from([127, 9, 9, 9]))).toBe(true);
    expect(isLoopback(Uint8Array.from([10, 0, 0, 1]))).toBe(false);
    expect(isLoopback(parseIp('::1')?.bytes ?? new Uint8Array())).toBe(true);
  });
});

describe('resolvePeerIp', () => {
  it('honours a claimed address only between loopback addresses', () => {
    expect(resolvePeerIp('127.0.0.1', '127.0.0.2')?.ip).toBe('127.0.0.2');
    expect(resolvePeerIp('::ffff:127.0.0.1', '::1')?.ip).toBe('::1');
    expect(resolvePeerIp('127.0.0.1', '8.8.8.8')?.ip).toBe('127.0.0.1');
    expect(resolvePeerIp('10.1.2.3', '127.0.0.1')?.ip).toBe('10.1.2.3');
    expect(resolvePeerIp('10.1.2.3', 'garbage')?.ip).toBe('10.1.2.3');
  });
});
