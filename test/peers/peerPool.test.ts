import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { BanList } from '../../src/peers/banList.js';
import { endpointKey, ipOfEndpointKey, PeerPool } from '../../src/peers/peerPool.js';

describe('PeerPool', () => {
  it('deduplicates and skips ourselves, bad ports and banned IPs', () => {
    const pool = new PeerPool([{ ip: '127.0.0.1', port: 6881 }]);
    pool.ban('127.0.0.9');
    const added = pool.add([
      { ip: '127.0.0.2', port: 1 },
      { ip: '127.0.0.2', port: 1 },
      { ip: '127.0.0.1', port: 6881 },
      { ip: '127.0.0.3', port: 0 },
      { ip: '127.0.0.3', port: 70000 },
      { ip: '127.0.0.9', port: 5 },
    ]);
    expect(added).toBe(1);
    expect(pool.size).toBe(1);
  });

  it('hands each candidate out once until it is closed, then backs off exponentially', () => {
    const pool = new PeerPool([], { retryBaseMs: 1000, maxFailures: 3 });
    pool.add([{ ip: '::1', port: 7 }]);
    expect(pool.takeForDial(5, 0)).toEqual([{ ip: '::1', port: 7, source: 'tracker' }]);
    expect(pool.takeForDial(5, 0)).toEqual([]);
    pool.markClosed({ ip: '::1', port: 7 }, true, 0);
    expect(pool.takeForDial(5, 999)).toEqual([]);
    expect(pool.takeForDial(5, 1000)).toHaveLength(1);
    pool.markClosed({ ip: '::1', port: 7 }, true, 1000);
    expect(pool.dialable(2999)).toBe(0);
    expect(pool.dialable(3000)).toBe(1);
    pool.takeForDial(1, 3000);
    pool.markClosed({ ip: '::1', port: 7 }, true, 3000);
    expect(pool.size).toBe(0); // forgotten after 3 failures
  });

  it('remembers where each candidate came from; the first source of an address stays', () => {
    const pool = new PeerPool();
    pool.add([{ ip: '127.0.0.7', port: 1 }], 'dht');
    pool.add([{ ip: '127.0.0.7', port: 1 }, { ip: '127.0.0.8', port: 1 }], 'tracker');
    pool.add([{ ip: '127.0.0.9', port: 1 }], 'user');
    expect(pool.takeForDial(5, 0).map((c) => `${c.ip} ${c.source}`)).toEqual(['127.0.0.7 dht', '127.0.0.8 tracker', '127.0.0.9 user']);
  });

  it('forgets every address of a banned IP', () => {
    const pool = new PeerPool();
    pool.add([{ ip: '127.0.0.5', port: 1 }, { ip: '127.0.0.5', port: 2 }, { ip: '127.0.0.6', port: 1 }]);
    pool.ban('127.0.0.5');
    expect(pool.size).toBe(1);
    expect(pool.isBanned('127.0.0.5')).toBe(true);
  });

  it('never grows beyond its bound whatever it is fed', () => {
    fc.assert(
      fc.property(fc.array(fc.record({ ip: fc.ipV4(), port: fc.integer({ min: -5, max: 70000 }) }), { maxLength: 300 }), (peers) => {
        const pool = new PeerPool([], { maxCandidates: 50 });
        pool.add(peers);
        expect(pool.size).toBeLessThanOrEqual(50);
        const taken = pool.takeForDial(1000, 0);
        expect(new Set(taken.map((p) => `${p.ip}:${p.port}`)).size).toBe(taken.length);
      }),
    );
  });

  it('reads the IP back out of an endpoint key, IPv4 and IPv6', () => {
    fc.assert(
      fc.property(fc.oneof(fc.ipV4(), fc.ipV6()), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
        expect(ipOfEndpointKey(endpointKey({ ip, port }))).toBe(ip);
      }),
    );
  });

  it('reports a ban once per torrent while it holds; again if a full shared list dropped it and it came back', () => {
    const shared = new BanList(2);
    const pool = new PeerPool([], {}, shared);
    expect(pool.ban('127.0.0.2', 'sent bad blocks')).toBe(true);
    expect(pool.ban('127.0.0.2', 'sent bad blocks of another piece')).toBe(false);
    // another torrent banned it first: this torrent's own verdict is still its news
    shared.ban('127.0.0.3', 'elsewhere');
    expect(pool.ban('127.0.0.3', 'here too')).toBe(true);
    expect(pool.ban('127.0.0.3', 'again')).toBe(false);
    // the shared list (2 entries) drops its oldest, 127.0.0.2, which may then connect and lie again
    shared.ban('127.0.0.4', 'elsewhere');
    expect(shared.has('127.0.0.2')).toBe(false);
    expect(pool.ban('127.0.0.2', 'sent bad blocks after coming back')).toBe(true);
    expect(shared.has('127.0.0.2')).toBe(true);
  });
});
