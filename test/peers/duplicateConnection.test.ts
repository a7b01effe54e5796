import { describe, expect, it } from 'vitest';
import { duplicateToClose } from '../../src/peers/duplicateConnection.js';

const low = '11'.repeat(20);
const high = 'ee'.repeat(20);
// crossed dials: both connections join the same two hosts
const dialledByUs = { outgoing: true, ip: '127.0.0.2' };
const dialledByThem = { outgoing: false, ip: '127.0.0.2' };

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
      const atA = duplicateToClose(a, b, { outgoing: true, ip: '10.0.0.2' }, { outgoing: false, ip: '10.0.0.2' }) === 'older' ? 'X' : 'Y';
      const atB = duplicateToClose(b, a, { outgoing: true, ip: '10.0.0.1' }, { outgoing: false, ip: '10.0.0.1' }) === 'older' ? 'Y' : 'X';
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

  it('connections from two IPs: the newer is closed whatever the ids and directions (a copied peer id cannot evict the honest peer)', () => {
    const elsewhere = (outgoing: boolean) => ({ outgoing, ip: '127.0.0.9' });
    for (const [ours, theirs] of [[high, low], [low, high]] as const) {
      expect(duplicateToClose(ours, theirs, dialledByUs, elsewhere(false))).toBe('newer');
      expect(duplicateToClose(ours, theirs, dialledByThem, elsewhere(true))).toBe('newer');
      expect(duplicateToClose(ours, theirs, elsewhere(true), dialledByThem)).toBe('newer');
    }
  });

  it('an IPv4-mapped IPv6 address is the same IP as its IPv4 form', () => {
    expect(duplicateToClose(low, high, dialledByUs, { outgoing: false, ip: '::ffff:127.0.0.2' })).toBe('older');
  });

  it('without our peer id: the newer is closed', () => {
    expect(duplicateToClose(undefined, low, dialledByThem, dialledByUs)).toBe('newer');
  });
});
