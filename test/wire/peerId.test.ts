import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { clientNameFromPeerId, generatePeerId } from '../../src/wire/index.js';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s.padEnd(20, 'x'));

describe('peer ids', () => {
  it('are -ST0010- plus 12 random bytes', () => {
    const a = generatePeerId();
    const b = generatePeerId();
    expect(a.length).toBe(20);
    expect(new TextDecoder().decode(a.subarray(0, 8))).toBe('-ST0010-');
    expect(Array.from(a.subarray(8))).not.toEqual(Array.from(b.subarray(8)));
    expect(Array.from(generatePeerId((n) => new Uint8Array(n).fill(9)).subarray(8))).toEqual(new Array(12).fill(9));
  });

  it('name common clients', () => {
    expect(clientNameFromPeerId(ascii('-LT2080-'))).toBe('libtorrent 2.0.8.0');
    expect(clientNameFromPeerId(ascii('-TR3000-'))).toBe('Transmission 3.00');
    expect(clientNameFromPeerId(ascii('-qB4520-'))).toBe('qBittorrent 4.5.2.0');
    expect(clientNameFromPeerId(ascii('-AR1360-'))).toMatch(/^aria2 /);
    expect(clientNameFromPeerId(ascii('-WW0300-'))).toMatch(/^WebTorrent /);
    expect(clientNameFromPeerId(ascii('-UT355W-'))).toMatch(/^µTorrent /);
    expect(clientNameFromPeerId(ascii('-DE2110-'))).toMatch(/^Deluge /);
    expect(clientNameFromPeerId(ascii('-lt0D80-'))).toMatch(/^libTorrent \(rakshasa\)/);
    expect(clientNameFromPeerId(ascii('M7-4-3--'))).toBe('Mainline 7.4.3');
    expect(clientNameFromPeerId(ascii('A2-1-36-0-'))).toBe('aria2 1.36.0'); // what aria2 1.36 really sends
    expect(clientNameFromPeerId(ascii('A2-1-3'))).toBe('unknown client (A2-1-3xx)');
    expect(clientNameFromPeerId(generatePeerId())).toBe('statorrent 0.0.1.0');
  });

  it('never throw on arbitrary bytes', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 20 }), (id) => {
        expect(typeof clientNameFromPeerId(id)).toBe("string");
      }));
  });
});
