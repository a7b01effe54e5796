import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { percentDecodeBytes, percentEncodeBytes } from '../../../src/tracker/client/index.js';

/** Byte-wise decoding as a server does it: URLSearchParams would turn %XX into UTF-8 text. */
const serverDecode = (s: string): Uint8Array => Uint8Array.from(Buffer.from(unescape(s), 'latin1'));

describe('percentEncodeBytes', () => {
  it('round-trips any 20-byte string through byte-wise percent decoding', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 20, maxLength: 20 }), (bytes) => {
        const enc = percentEncodeBytes(bytes);
        expect(enc).toMatch(/^(?:[A-Za-z0-9\-._~]|%[0-9A-F]{2})*$/);
        expect(percentDecodeBytes(enc)).toEqual(bytes);
        expect(serverDecode(enc)).toEqual(bytes);
      }),
    );
  });

  it('escapes exactly the bytes outside the unreserved set', () => {
    const all = Uint8Array.from({ length: 256 }, (_, i) => i);
    const enc = percentEncodeBytes(all);
    const literal = enc.replace(/%[0-9A-F]{2}/g, '');
    expect(literal).toBe('-.0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz~');
    expect(enc.length).toBe(literal.length + 3 * (256 - literal.length));
  });

  it('refuses malformed escapes', () => {
    expect(percentDecodeBytes('%4')).toBeUndefined();
    expect(percentDecodeBytes('%zz')).toBeUndefined();
    expect(percentDecodeBytes('é')).toBeUndefined();
  });
});
