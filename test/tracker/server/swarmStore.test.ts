import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SwarmStore, type PeerRemoval } from '../../../src/tracker/server/swarmStore.js';
import type { ServerAnnounce, ServerAnnounceEvent } from '../../../src/tracker/server/peerTypes.js';
import { parseIp } from '../../../src/peers/ipAddress.js';
import { id20 } from './support/rawTrackerRequests.js';

const announce = (o: { hash?: string | number; peer: string | number; ip?: string; port?: number; left?: number; event?: ServerAnnounceEvent; numwant?: number }): ServerAnnounce => {
  const ip = parseIp(o.ip ?? '127.0.0.1');
  if (ip === undefined) throw new Error('bad ip');
  return {
    infoHash: id20(o.hash ?? 'torrent'), peerId: id20(o.peer),
    endpoint: { ip: ip.ip, ipBytes: ip.bytes, port: o.port ?? 6881 },
    uploaded: 0, downloaded: 0, left: o.left ?? 100, event: o.event ?? 'empty', numwant: o.numwant ?? 50,
  };
};

const fakeClock = (): { now: () => number; advance: (ms: number) => void } => {
  let t = 1_000_000;
  return { now: () => t, advance: (ms) => { t += ms; } };
};

describe('SwarmStore', () => {
  it('counts seeders, leechers and completed events, and forgets stopped peers', () => {
    const s = new SwarmStore({ peerTtlMs: 60_000 });
    s.announce(announce({ peer: 'a', event: 'started', left: 10 }));
    s.announce(announce({ peer: 'b', event: 'started', left: 0, port: 2 }));
    expect(s.scrape(id20('torrent'))).toEqual({ complete: 1, incomplete: 1, downloaded: 0 });
    s.announce(announce({ peer: 'a', event: 'completed', left: 0 }));
    // A repeated `completed` from a peer already seeding is not another download.
    s.announce(announce({ peer: 'a', event: 'completed', left: 0 }));
    expect(s.scrape(id20('torrent'))).toEqual({ complete: 2, incomplete: 0, downloaded: 1 });
    const out = s.announce(announce({ peer: 'b', event: 'stopped', left: 0, port: 2 }));
    expect(out.peers).toEqual([]);
    expect(s.scrape(id20('torrent'))).toEqual({ complete: 1, incomplete: 0, downloaded: 1 });
    expect(s.totals()).toEqual({ torrents: 1, peers: 1, seeders: 1, leechers: 0 });
  });

  it('a stopped announce for an unknown torrent creates nothing', () => {
    const s = new SwarmStore({ peerTtlMs: 60_000 });
    s.announce(announce({ hash: 'x', peer: 'a', event: 'stopped' }));
    expect(s.totals().torrents).toBe(0);
  });

  it('hands out other peers, never the requester, at most numwant, own family first', () => {
    const s = new SwarmStore({ peerTtlMs: 60_000 });
    for (let i = 0; i < 10; i++) s.announce(announce({ peer: i, port: 1000 + i }));
    s.announce(announce({ peer: 'v6', ip: '::1', port: 999 }));
    const out = s.announce(announce({ peer: 3, port: 1003, numwant: 4 }));
    expect(out.peers).toHaveLength(4);
    expect(out.peers.every((p) => p.endpoint.port !== 1003 && p.endpoint.ipBytes.length === 4)).toBe(true);
    const all = s.announce(announce({ peer: 'v6', ip: '::1', port: 999, numwant: 200 }));
    expect(all.peers).toHaveLength(10);
    const fromV4 = s.announce(announce({ peer: 0, port: 1000, numwant: 200 }));
    expect(fromV4.peers.map((p) => p.endpoint.ip)).toContain('::1');
  });

  it('random selection: distinct, excludes self, size min(numwant, others) (property)', () => {
    fc.assert(fc.property(fc.integer({ min: 1, max: 80 }), fc.integer({ min: 0, max: 100 }), fc.nat(), (n, numwant, who) => {
      const s = new SwarmStore({ peerTtlMs: 60_000 });
      for (let i = 0; i < n; i++) s.announce(announce({ peer: i, port: 1 + i }));
      const me = who % n;
      const out = s.announce(announce({ peer: me, port: 1 + me, numwant }));
      const ports = out.peers.map((p) => p.endpoint.port);
      expect(new Set(ports).size).toBe(ports.length);
      expect(ports).not.toContain(1 + me);
      expect(ports.length).toBe(Math.min(numwant, n - 1));
    }));
  });

  it('expires peers after the TTL on fake time, keeping those that re-announced', () => {
    const clock = fakeClock();
    const removed: PeerRemoval[] = [];
    const s = new SwarmStore({ peerTtlMs: 10_000, swarmTtlMs: 10_000, now: clock.now, onRemoved: (r) => removed.push(r) });
    s.announce(announce({ peer: 'a', port: 1 }));
    s.announce(announce({ peer: 'b', port: 2, left: 0 }));
    clock.advance(6_000);
    s.announce(announce({ peer: 'b', port: 2, left: 0 }));
    clock.advance(5_000);
    expect(s.sweep()).toBe(1);
    expect(removed.map((r) => [r.endpoint.port, r.reason])).toEqual([[1, 'expired']]);
    expect(s.totals()).toEqual({ torrents: 1, peers: 1, seeders: 1, leechers: 0 });
    clock.advance(10_001);
    expect(s.sweep()).toBe(1);
    clock.advance(10_001);
    s.sweep();
    expect(s.totals().torrents).toBe(0);
  });

  it('stays within its caps when flooded with 100k fake info hashes, keeping the live swarm', () => {
    const clock = fakeClock();
    const limits = { maxTorrents: 1000, maxPeersPerTorrent: 50, maxPeers: 5000 };
    const s = new SwarmStore({ peerTtlMs: 60_000, limits, now: clock.now });
    let maxTorrents = 0, maxPeers = 0;
    const real = announce({ hash: 'real', peer: 'real-peer' });
    const template = announce({ peer: 'flood' });
    for (let i = 0; i < 100_000; i++) {
      // The real swarm keeps announcing now and then; the flood never repeats a hash.
      if (i % 500 === 0) s.announce(real);
      const fake = new Uint8Array(20);
      new DataView(fake.buffer).setUint32(0, i);
      s.announce({ ...template, infoHash: fake, peerId: fake });
      clock.advance(1);
      const t = s.totals();
      maxTorrents = Math.max(maxTorrents, t.torrents);
      maxPeers = Math.max(maxPeers, t.peers);
    }
    expect(maxTorrents).toBeLessThanOrEqual(1000);
    expect(maxPeers).toBeLessThanOrEqual(5000);
    expect(s.scrape(id20('real')).incomplete).toBe(1);
  });

  it('caps peers per swarm and overall, evicting the stalest', () => {
    const removed: PeerRemoval[] = [];
    const s = new SwarmStore({ peerTtlMs: 60_000, limits: { maxPeersPerTorrent: 3, maxPeers: 5 }, onRemoved: (r) => removed.push(r) });
    for (let i = 0; i < 5; i++) s.announce(announce({ peer: i, port: 1 + i }));
    expect(s.scrape(id20('torrent')).incomplete).toBe(3);
    expect(removed.map((r) => r.endpoint.port)).toEqual([1, 2]);
    for (let i = 0; i < 4; i++) s.announce(announce({ hash: 'other', peer: i, port: 100 + i }));
    expect(s.totals().peers).toBe(5);
    expect(removed.some((r) => r.reason === 'total-cap')).toBe(true);
  });
});
