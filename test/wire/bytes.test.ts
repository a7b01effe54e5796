import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { readUint16, readUint32, writeUint16, writeUint32 } from '../../src/wire/bytes.js';

/** DataView is the reference: the helpers replace it and must agree with it byte for byte. */
describe('big-endian bytes', () => {
  it('property: writeUint32/readUint32 agree with DataView at any offset, values wrapping modulo 2^32', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 12 }), fc.oneof(fc.integer({ min: 0, max: 0xffffffff }), fc.integer(), fc.maxSafeInteger()), (at, v) => {
        const ours = new Uint8Array(16);
        const ref = new Uint8Array(16);
        writeUint32(ours, at, v);
        new DataView(ref.buffer).setUint32(at, v);
        expect(ours).toEqual(ref);
        expect(readUint32(ours, at)).toBe(new DataView(ref.buffer).getUint32(at));
      }),
    );
  });

  it('property: writeUint16/readUint16 agree with DataView at any offset, values wrapping modulo 2^16', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 14 }), fc.oneof(fc.integer({ min: 0, max: 0xffff }), fc.integer()), (at, v) => {
        const ours = new Uint8Array(16);
        const ref = new Uint8Array(16);
        writeUint16(ours, at, v);
        new DataView(ref.buffer).setUint16(at, v);
        expect(ours).toEqual(ref);
        expect(readUint16(ours, at)).toBe(new DataView(ref.buffer).getUint16(at));
      }),
    );
  });

  it('reads the top bit as unsigned, and reads through a view at its own offset', () => {
    const b = Uint8Array.of(9, 0xff, 0xff, 0xff, 0xff, 0x80, 0x00);
    expect(readUint32(b, 1)).toBe(0xffffffff);
    expect(readUint32(b.subarray(2), 1)).toBe(0xffff8000);
    expect(readUint16(b, 4)).toBe(0xff80);
  });
});
