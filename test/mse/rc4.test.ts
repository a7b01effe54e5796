import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Rc4 } from '../../src/mse/index.js';

const hex = (h: string): Uint8Array => new Uint8Array(Buffer.from(h.replace(/\s/g, ''), 'hex'));
const keystream = (key: Uint8Array, n: number): Uint8Array => new Rc4(key).process(new Uint8Array(n));

describe('RC4', () => {
  it('matches the classic vectors (Key/Plaintext, Wiki/pedia, Secret/Attack at dawn)', () => {
    const enc = (k: string, p: string): string => Buffer.from(new Rc4(Buffer.from(k)).process(Buffer.from(p))).toString('hex');
    expect(enc('Key', 'Plaintext')).toBe('bbf316e8d940af0ad3');
    expect(enc('Wiki', 'pedia')).toBe('1021bf0420');
    expect(enc('Secret', 'Attack at dawn')).toBe('45a01f645fc35b383552544b9bf5');
  });

  it('matches RFC 6229 at offsets 0, 16 and 1024 (40-bit and 128-bit keys)', () => {
    const k40 = keystream(hex('0102030405'), 1040);
    expect(k40.subarray(0, 16)).toEqual(hex('b2396305f03dc027ccc3524a0a1118a8'));
    expect(k40.subarray(16, 32)).toEqual(hex('6982944f18fc82d589c403a47a0d0919'));
    expect(k40.subarray(1024, 1040)).toEqual(hex('30abbcc7c20b01609f23ee2d5f6bb7df'));
    const k128 = keystream(hex('0102030405060708090a0b0c0d0e0f10'), 1040);
    expect(k128.subarray(0, 16)).toEqual(hex('9ac7cc9a609d1ef7b2932899cde41b97'));
    expect(k128.subarray(1024, 1040)).toEqual(hex('bdf0324e6083dcc6d3cedd3ca8c53c16'));
  });

  it('discard(1024) then 16 bytes is the keystream at offset 1024 (the MSE discard)', () => {
    const r = new Rc4(hex('0102030405'));
    r.discard(1024);
    expect(r.process(new Uint8Array(16))).toEqual(hex('30abbcc7c20b01609f23ee2d5f6bb7df'));
  });

  it('decrypts what it encrypted, however the stream is cut', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 1, maxLength: 32 }), fc.uint8Array({ maxLength: 3000 }), fc.array(fc.integer({ min: 1, max: 500 }), { maxLength: 20 }), (key, data, cuts) => {
        const sealed = new Rc4(key).process(data);
        const opener = new Rc4(key);
        const out = new Uint8Array(sealed);
        let at = 0;
        for (const c of cuts) {
          if (at >= out.length) break;
          opener.processInPlace(out.subarray(at, Math.min(out.length, at + c)));
          at += c;
        }
        if (at < out.length) opener.processInPlace(out.subarray(at));
        expect(out).toEqual(data);
      }),
    );
  });
});
