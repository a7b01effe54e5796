import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  emptyReserved,
  fastNegotiated,
  ourReserved,
  setDht,
  setExtensionProtocol,
  setFastExtension,
  supportsDht,
  supportsExtensionProtocol,
  supportsFastExtension,
} from '../../src/wire/index.js';

describe('reserved bits', () => {
  it('sit where the BEPs put them', () => {
    expect(Array.from(setExtensionProtocol(emptyReserved()))).toEqual([0, 0, 0, 0, 0, 0x10, 0, 0]);
    expect(Array.from(setFastExtension(emptyReserved()))).toEqual([0, 0, 0, 0, 0, 0, 0, 0x04]);
    expect(Array.from(setDht(emptyReserved()))).toEqual([0, 0, 0, 0, 0, 0, 0, 0x01]);
  });

  it('set and clear one bit without touching the others', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 8, maxLength: 8 }), fc.boolean(), (r, on) => {
        for (const [set, read] of [
          [setExtensionProtocol, supportsExtensionProtocol],
          [setFastExtension, supportsFastExtension],
          [setDht, supportsDht],
        ] as const) {
          const out = set(r, on);
          expect(read(out)).toBe(on);
          const diff = out.map((b, i) => b ^ (r[i] ?? 0));
          expect(diff.reduce((n, b) => n + (b === 0 ? 0 : 1), 0)).toBeLessThanOrEqual(1);
        }
      }),
    );
  });

  it('negotiates fast only when both sides announce it', () => {
    // BEP 10 stays off until an extended handshake stands behind it
    expect(supportsExtensionProtocol(ourReserved())).toBe(true);
    expect(supportsFastExtension(ourReserved())).toBe(true);
    expect(fastNegotiated(ourReserved(), setFastExtension(emptyReserved()))).toBe(true);
    expect(fastNegotiated(ourReserved(), emptyReserved())).toBe(false);
  });
});
