import { describe, expect, it } from 'vitest';
import { duplicateToClose } from '../../src/peers/duplicateConnection.js';

const low = '11'.repeat(20);
const high = 'ee'.repeat(20);
const dialledByUs = { outgoing: true };
const dialledByThem = { outgoing: false };

describe('which of two connections to one peer id is closed', () => {
  it('crossed dials: the connection dialled by the side with the higher peer id survives, whichever completed first', () => {
    // we are higher: our dial survives
    expect(duplicateToClose(high, low, dialledByUs, dialledByThem)).toBe('newer');
    expect(duplicateToClose(high, low, dialledByThem, dialledByUs)).toBe('older');
    // they are higher: their dial survives
    expect(duplicateToClose(low, high, dialledByUs, dialledByThem)).toBe('older');
    expect(duplicateToClose(low, high, dialledByThem, dialledByUs)).toBe('newer');
  });

  it('both sides of a crossed dial close the same TCP connection (each sees it with the other direction)', () => {
    for (const [a, b] of [[low, high], [high, low]] as const) {
      // connection X is dialled by A; A saw X complete first, B saw Y complete first
      const atA = duplicateToClose(a, b, { outgoing: true }, { outgoing: false }) === 'older' ? 'X' : 'Y';
      const atB = duplicateToClose(b, a, { outgoing: true }, { outgoing: false }) === 'older' ? 'Y' : 'X';
      expect(atA).toBe(atB);
    }
  });

  it('compares the ids as bytes (lowercase hex of equal length), not by their first differing nibble alone', () => {
    const a = `2d5354${'00'.repeat(17)}`;
    const b = `2d4c54${'ff'.repeat(17)}`;
    expect(duplicateToClose(a, b, dialledByThem, dialledByUs)).toBe('older'); // 0x53 > 0x4c: ours survives
  });

  it('both dialled by the same side: the newer is closed', () => {
    expect(duplicateToClose(high, low, dialledByUs, dialledByUs)).toBe('newer');
    expect(duplicateToClose(low, high, dialledByThem, dialledByThem)).toBe('newer');
  });

  it('without our peer id: the newer is closed', () => {
    expect(duplicateToClose(undefined, low, dialledByThem, dialledByUs)).toBe('newer');
  });
});
