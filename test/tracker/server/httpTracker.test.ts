import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { Agent } from 'node:http';
import { isBytes, isDict, isList, type BDict } from '../../../src/bencode/index.js';
import { startTracker, type TrackerEvent, type TrackerServer } from '../../../src/tracker/server/index.js';
import { httpGet, httpGetDict, id20, query } from './support/rawTrackerRequests.js';

const whitelisted = id20('whitelisted');
let tracker: TrackerServer;
let open: TrackerServer;
const events: TrackerEvent[] = [];
const agent = new Agent({ keepAlive: true });

beforeAll(async () => {
  tracker = await startTracker({ udpPort: false, interval: 120, whitelist: new Set([Buffer.from(whitelisted).toString('hex')]) });
  open = await startTracker({ udpPort: false, interval: 60, limits: { maxNumwant: 5, maxUrlBytes: 1024 } });
  open.events$.subscribe((e) => events.push(e));
});
afterAll(async () => {
  agent.destroy();
  await tracker.close();
  await open.close();
});

type Param = readonly [string, string | Uint8Array];
const good = (o: { hash?: Uint8Array; peer?: string; port?: string; left?: string; extra?: Param[] } = {}): Param[] => [
  ['info_hash', o.hash ?? id20('t1')], ['peer_id', id20(o.peer ?? 'p1')], ['port', o.port ?? '6881'],
  ['uploaded', '0'], ['downloaded', '0'], ['left', o.left ?? '1000'], ...(o.extra ?? []),
];
const portOf = (t: TrackerServer): number => t.httpPort ?? 0;
const announce = (t: TrackerServer, params: Param[]): Promise<BDict> => httpGetDict(portOf(t), `/announce?${query(params)}`, agent);
const failure = (d: BDict): string | undefined => {
  const f = d.get('failure reason');
  return isBytes(f) ? Buffer.from(f).toString() : undefined;
};
const compactPorts = (b: Uint8Array, size: number): number[] => {
  const out: number[] = [];
  for (let o = 0; o + size <= b.length; o += size) out.push(((b[o + size - 2] ?? 0) << 8) | (b[o + size - 1] ?? 0));
  return out;
};

describe('HTTP tracker: refusals are bencoded failure reasons', () => {
  const cases: Array<[string, Param[], RegExp]> = [
    ['missing info_hash', good().filter(([k]) => k !== 'info_hash'), /missing info_hash/],
    ['short info_hash', good({ hash: new Uint8Array(19) }), /info_hash must be 20 bytes/],
    ['long info_hash', good({ hash: new Uint8Array(21) }), /info_hash must be 20 bytes/],
    ['missing peer_id', good().filter(([k]) => k !== 'peer_id'), /missing peer_id/],
    ['short peer_id', [...good().filter(([k]) => k !== 'peer_id'), ['peer_id', new Uint8Array(5)]], /peer_id must be 20 bytes/],
    ['missing port', good().filter(([k]) => k !== 'port'), /missing port/],
    ['port 0', good({ port: '0' }), /port/],
    ['port 65536', good({ port: '65536' }), /port/],
    ['port not a number', good({ port: 'abc' }), /port/],
    ['negative left', good({ left: '-1' }), /left must be/],
    ['missing left', good().filter(([k]) => k !== 'left'), /missing left/],
    ['bad uploaded', [...good().filter(([k]) => k !== 'uploaded'), ['uploaded', '1.5']], /uploaded must be/],
    ['bad event', good({ extra: [['event', 'paused']] }), /event must be/],
    ['bad numwant', good({ extra: [['numwant', '-3']] }), /numwant/],
  ];
  for (const [name, params, reason] of cases) {
    it(name, async () => {
      expect(failure(await announce(open, params))).toMatch(reason);
    });
  }

  it('refuses malformed escapes and oversized URLs', async () => {
    expect(failure(await httpGetDict(portOf(open), '/announce?info_hash=%zz'))).toMatch(/percent/);
    expect(failure(await httpGetDict(portOf(open), `/announce?${'x'.repeat(2000)}`))).toMatch(/too long/);
  });

  it('refuses torrents not on the whitelist and serves those on it', async () => {
    expect(failure(await announce(tracker, good()))).toMatch(/not registered/);
    const ok = await announce(tracker, good({ hash: whitelisted }));
    expect(failure(ok)).toBeUndefined();
    expect(ok.get('interval')).toBe(120);
    expect(ok.get('min interval')).toBe(60);
  });

  it('answers unknown paths with 404 and other methods with 405', async () => {
    expect((await httpGet(portOf(open), '/nothing')).status).toBe(404);
    expect((await fetch(`http://127.0.0.1:${portOf(open)}/announce`, { method: 'POST', body: 'x' })).status).toBe(405);
  });

  it('survives arbitrary query strings (property)', async () => {
    await fc.assert(fc.asyncProperty(fc.string({ unit: 'grapheme-ascii', maxLength: 300 }), async (s) => {
      const safe = s.replace(/[\s#]/g, '_');
      const r = await httpGet(portOf(open), `/announce?${safe}`, agent);
      expect([200, 400]).toContain(r.status);
    }), { numRuns: 150 });
    expect(failure(await announce(open, good({ hash: id20('still-alive') })))).toBeUndefined();
  });
});

describe('HTTP tracker: replies', () => {
  it('compact reply: 6-byte IPv4 peers, requester excluded, numwant capped', async () => {
    const hash = id20('compact');
    for (let i = 0; i < 8; i++) await announce(open, good({ hash, peer: `c${i}`, port: String(7000 + i), extra: [['event', 'started']] }));
    const r = await announce(open, good({ hash, peer: 'c0', port: '7000', extra: [['numwant', '100000'], ['compact', '1']] }));
    const peers = r.get('peers');
    expect(isBytes(peers)).toBe(true);
    if (!isBytes(peers)) return;
    expect(peers.length).toBe(5 * 6); // capped by maxNumwant
    const ports = compactPorts(peers, 6);
    expect(ports).not.toContain(7000);
    expect(ports.every((p) => p > 7000 && p < 7008)).toBe(true);
    expect(Array.from(peers.subarray(0, 4))).toEqual([127, 0, 0, 1]);
    expect(r.get('incomplete')).toBe(8);
    expect(r.get('complete')).toBe(0);
    expect(r.has('peers6')).toBe(false);
  });

  it('peers6 carries IPv6 peers as 18-byte entries (BEP 7)', async () => {
    const hash = id20('six');
    // A loopback client may name another loopback address, here ::1 (see peerAddressPolicy).
    await announce(open, good({ hash, peer: 'v6', port: '7100', extra: [['ip', '::1']] }));
    const r = await announce(open, good({ hash, peer: 'v4', port: '7101' }));
    const p6 = r.get('peers6');
    expect(isBytes(p6) && p6.length === 18).toBe(true);
    if (!isBytes(p6)) return;
    expect(Array.from(p6.subarray(0, 16))).toEqual([...Array<number>(15).fill(0), 1]);
    expect(compactPorts(p6, 18)).toEqual([7100]);
    expect((r.get('peers') as Uint8Array).length).toBe(0);
  });

  it('dictionary reply with and without peer ids (compact=0)', async () => {
    const hash = id20('dict');
    await announce(open, good({ hash, peer: 'd1', port: '7201' }));
    const r = await announce(open, good({ hash, peer: 'd2', port: '7202', extra: [['compact', '0']] }));
    const peers = r.get('peers');
    expect(isList(peers)).toBe(true);
    const first = isList(peers) ? peers[0] : undefined;
    expect(isDict(first)).toBe(true);
    if (!isDict(first)) return;
    expect(Buffer.from(first.get('ip') as Uint8Array).toString()).toBe('127.0.0.1');
    expect(first.get('port')).toBe(7201);
    expect(Array.from(first.get('peer id') as Uint8Array)).toEqual(Array.from(id20('d1')));
    const anon = await announce(open, good({ hash, peer: 'd2', port: '7202', extra: [['compact', '0'], ['no_peer_id', '1']] }));
    const p = (anon.get('peers') as BDict[])[0];
    expect(p?.has('peer id')).toBe(false);
    expect(p?.get('port')).toBe(7201);
  });

  it('counts started/completed/stopped and reports them in scrape (BEP 48)', async () => {
    const hash = id20('counted');
    const other = id20('never-seen');
    const before = open.stats();
    await announce(open, good({ hash, peer: 's1', port: '7301', left: '0', extra: [['event', 'started']] }));
    await announce(open, good({ hash, peer: 'l1', port: '7302', extra: [['event', 'started']] }));
    await announce(open, good({ hash, peer: 'l2', port: '7303', extra: [['event', 'started']] }));
    await announce(open, good({ hash, peer: 'l1', port: '7302', left: '0', extra: [['event', 'completed']] }));
    await announce(open, good({ hash, peer: 'l2', port: '7303', extra: [['event', 'stopped']] }));
    const s = await httpGetDict(portOf(open), `/scrape?${query([['info_hash', hash], ['info_hash', other]])}`);
    const files = s.get('files');
    expect(isDict(files)).toBe(true);
    if (!isDict(files)) return;
    const entry = files.get(Buffer.from(hash).toString('latin1'));
    expect(isDict(entry) ? Object.fromEntries(entry) : undefined).toEqual({ complete: 2, incomplete: 0, downloaded: 1 });
    const none = files.get(Buffer.from(other).toString('latin1'));
    expect(isDict(none) ? Object.fromEntries(none) : undefined).toEqual({ complete: 0, incomplete: 0, downloaded: 0 });
    const after = open.stats();
    expect(after.started - before.started).toBe(3);
    expect(after.completed - before.completed).toBe(1);
    expect(after.stopped - before.stopped).toBe(1);
    expect(after.scrapes - before.scrapes).toBe(1);
    expect(events.some((e) => e.type === 'announce' && e.event === 'completed' && e.peer.port === 7302)).toBe(true);
  });

  it('refuses scrapes without or with malformed info hashes', async () => {
    expect(failure(await httpGetDict(portOf(open), '/scrape'))).toMatch(/requires/);
    expect(failure(await httpGetDict(portOf(open), `/scrape?${query([['info_hash', new Uint8Array(3)]])}`))).toMatch(/20 bytes/);
  });
});

describe('HTTP tracker: peer expiry on fake time', () => {
  it('drops peers that missed two intervals, emitting peer-removed', async () => {
    let now = 5_000_000;
    let sweepTick: (() => void) | undefined;
    const t = await startTracker({ udpPort: false, interval: 30, now: () => now, timers: { every: (_ms, fn) => { sweepTick = fn; return () => { sweepTick = undefined; }; } } });
    const seen: TrackerEvent[] = [];
    t.events$.subscribe((e) => seen.push(e));
    try {
      const hash = id20('expiry');
      await announce(t, good({ hash, peer: 'quiet', port: '7401' }));
      await announce(t, good({ hash, peer: 'chatty', port: '7402' }));
      now += 40_000;
      await announce(t, good({ hash, peer: 'chatty', port: '7402' }));
      now += 40_000; // quiet: 80 s > 2 x 30 s + 10 s grace; chatty: 40 s
      sweepTick?.();
      expect(t.stats()).toMatchObject({ peers: 1, expired: 1 });
      expect(seen.filter((e) => e.type === 'peer-removed').map((e) => e.type === 'peer-removed' && [e.peer.port, e.reason])).toEqual([[7401, 'expired']]);
    } finally {
      await t.close();
    }
    expect(sweepTick).toBeUndefined();
  });
});
