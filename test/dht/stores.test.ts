import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PeerStore } from '../../src/dht/peerStore.js';
import { RateLimiter } from '../../src/dht/rateLimiter.js';
import { TokenSecrets } from '../../src/dht/tokens.js';
import { Transactions } from '../../src/dht/transactions.js';

describe('announce tokens (BEP 5)', () => {
  it('accept tokens of the current and previous secret only, for the IP they were issued to', () => {
    const s = new TokenSecrets(Uint8Array.of(1));
    const t1 = s.issue('10.0.0.1');
    expect(s.check('10.0.0.1', t1)).toBe(true);
    expect(s.check('10.0.0.2', t1)).toBe(false);
    s.rotate(Uint8Array.of(2));
    expect(s.check('10.0.0.1', t1)).toBe(true);
    const t2 = s.issue('10.0.0.1');
    s.rotate(Uint8Array.of(3));
    expect(s.check('10.0.0.1', t1)).toBe(false);
    expect(s.check('10.0.0.1', t2)).toBe(true);
    expect(s.check('10.0.0.1', new Uint8Array(3))).toBe(false);
  });
});

describe('peer store', () => {
  it('expires entries after the TTL', () => {
    const p = new PeerStore({ ttlMs: 1000 });
    p.add('h', { ip: '1.2.3.4', port: 1 }, 0);
    p.add('h', { ip: '1.2.3.5', port: 2 }, 500);
    expect(p.peers('h', 600, 10)).toEqual([{ ip: '1.2.3.4', port: 1 }, { ip: '1.2.3.5', port: 2 }]);
    expect(p.peers('h', 1200, 10)).toEqual([{ ip: '1.2.3.5', port: 2 }]);
    expect(p.expire(1200)).toBe(1);
    expect(p.expire(2000)).toBe(1);
    expect(p.size).toBe(0);
    expect(p.hashes).toBe(0);
  });

  it('never exceeds its caps, whatever is announced', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.nat(20), fc.nat(0xffffffff), fc.integer({ min: 1, max: 65535 }), fc.nat(100)), { maxLength: 500 }),
        (adds) => {
          const p = new PeerStore({ maxPerHash: 10, maxHashes: 5, maxTotal: 30, ttlMs: 1000 });
          let now = 0;
          for (const [h, ip, port, dt] of adds) {
            now += dt;
            p.add(`h${h}`, { ip: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port }, now);
            expect(p.size).toBeLessThanOrEqual(30);
            expect(p.hashes).toBeLessThanOrEqual(5);
            for (let k = 0; k <= 20; k++) expect(p.peers(`h${k}`, now, 100).length).toBeLessThanOrEqual(10);
          }
        },
      ),
    );
  });

  it('round-trips every IPv4 endpoint and refuses IPv6', () => {
    fc.assert(fc.property(fc.nat(0xffffffff), fc.integer({ min: 1, max: 65535 }), (ip, port) => {
      const p = new PeerStore();
      const e = { ip: [ip >>> 24, (ip >>> 16) & 255, (ip >>> 8) & 255, ip & 255].join('.'), port };
      p.add('h', e, 0);
      expect(p.peers('h', 0, 1)).toEqual([e]);
    }));
    expect(new PeerStore().add('h', { ip: '::1', port: 1 }, 0)).toBe('invalid');
  });
});

describe('rate limiter', () => {
  it('allows a burst, then the rate, per source IP; bounded in sources', () => {
    const r = new RateLimiter({ burst: 5, perSecond: 2, maxSources: 3 });
    let ok = 0;
    for (let i = 0; i < 20; i++) if (r.allow('a', 0)) ok++;
    expect(ok).toBe(5);
    expect(r.allow('b', 0)).toBe(true); // another IP is unaffected
    expect(r.allow('a', 499)).toBe(false);
    expect(r.allow('a', 500)).toBe(true);
    for (let i = 0; i < 100; i++) r.allow(`x${i}`, 600);
    expect(r.sources).toBeLessThanOrEqual(4); // 3 + the shared overflow bucket
  });
});

describe('transactions', () => {
  it('match only outstanding ids from the endpoint asked, and are bounded', () => {
    let n = 0;
    const ids = () => Uint8Array.of(n++ % 3); // collisions make it draw again
    const tx = new Transactions<string>(2);
    const a = tx.start({ ip: '10.0.0.1', port: 1 }, 'a', ids)!;
    const b = tx.start({ ip: '10.0.0.2', port: 2 }, 'b', ids)!;
    expect(tx.start({ ip: '10.0.0.3', port: 3 }, 'c', ids)).toBeUndefined();
    expect(tx.settle(a, { ip: '10.0.0.9', port: 1 })).toBeUndefined(); // spoofed source
    expect(tx.settle(a, { ip: '10.0.0.1', port: 1 })).toBe('a');
    expect(tx.settle(a, { ip: '10.0.0.1', port: 1 })).toBeUndefined(); // answered once only
    expect(tx.abandon(b)).toBe('b');
    expect(tx.size).toBe(0);
  });
});
