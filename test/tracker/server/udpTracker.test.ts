import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import type { RemoteInfo } from 'node:dgram';
import { startTracker, ConnectionIds, TrackerService, type TrackerServer } from '../../../src/tracker/server/index.js';
import { answerUdpPacket } from '../../../src/tracker/server/udpTracker.js';
import { UdpProbe, id20, udpAnnounce, udpConnect, udpScrape } from './support/rawTrackerRequests.js';

let tracker: TrackerServer;
const probes: UdpProbe[] = [];
const probe = async (): Promise<UdpProbe> => {
  const p = await UdpProbe.open(tracker.udpPort ?? 0);
  probes.push(p);
  return p;
};

beforeAll(async () => {
  tracker = await startTracker({ httpPort: false, interval: 300, whitelist: new Set([id20('u1'), id20('u-scrape')].map((h) => Buffer.from(h).toString('hex'))) });
});
afterAll(async () => {
  await Promise.all(probes.map((p) => p.close()));
  await tracker.close();
});

const connect = async (p: UdpProbe, tid = 7): Promise<Buffer> => {
  const r = await p.exchange(udpConnect(tid));
  if (r === undefined) throw new Error('no connect reply');
  expect(r.length).toBe(16);
  expect(r.readUInt32BE(0)).toBe(0);
  expect(r.readUInt32BE(4)).toBe(tid);
  return r.subarray(8, 16);
};
const errorText = (r: Buffer | undefined): string | undefined => (r !== undefined && r.readUInt32BE(0) === 3 ? r.subarray(8).toString() : undefined);

describe('UDP tracker (BEP 15) round trips', () => {
  it('connect, announce and scrape', async () => {
    const a = await probe();
    const b = await probe();
    const ca = await connect(a, 1);
    const cb = await connect(b, 2);
    const infoHash = id20('u1');
    const ra = await a.exchange(udpAnnounce({ connectionId: ca, tid: 11, infoHash, peerId: id20('ua'), left: 0n, event: 2, port: 9001 }));
    expect(ra?.readUInt32BE(0)).toBe(1);
    expect(ra?.readUInt32BE(4)).toBe(11);
    expect(ra?.readUInt32BE(8)).toBe(300);
    const rb = await b.exchange(udpAnnounce({ connectionId: cb, tid: 12, infoHash, peerId: id20('ub'), left: 5n, event: 2, port: 9002 }));
    if (rb === undefined) throw new Error('no announce reply');
    expect([rb.readUInt32BE(12), rb.readUInt32BE(16)]).toEqual([1, 1]); // leechers, seeders
    expect(rb.length).toBe(20 + 6);
    expect(Array.from(rb.subarray(20, 24))).toEqual([127, 0, 0, 1]);
    expect(rb.readUInt16BE(24)).toBe(9001);
    await b.exchange(udpAnnounce({ connectionId: cb, tid: 13, infoHash, peerId: id20('ub'), left: 0n, event: 1, port: 9002 }));
    const rs = await a.exchange(udpScrape(ca, 14, [infoHash, id20('unknown')]));
    if (rs === undefined) throw new Error('no scrape reply');
    expect(rs.readUInt32BE(0)).toBe(2);
    expect(rs.length).toBe(8 + 24);
    expect([rs.readUInt32BE(8), rs.readUInt32BE(12), rs.readUInt32BE(16)]).toEqual([2, 1, 0]); // seeders, completed, leechers
    expect([rs.readUInt32BE(20), rs.readUInt32BE(24), rs.readUInt32BE(28)]).toEqual([0, 0, 0]);
    const stopped = await a.exchange(udpAnnounce({ connectionId: ca, tid: 15, infoHash, peerId: id20('ua'), left: 0n, event: 3, port: 9001 }));
    expect(stopped?.length).toBe(20);
    expect(tracker.stats()).toMatchObject({ started: 2, completed: 1, stopped: 1 });
  });

  it('rejects a forged connection id and one used from another address', async () => {
    const a = await probe();
    const b = await probe();
    const forged = await a.exchange(udpAnnounce({ connectionId: Buffer.alloc(8, 0x42), tid: 21, infoHash: id20('u1'), peerId: id20('x'), left: 1n, event: 0, port: 1 }));
    expect(errorText(forged)).toMatch(/connection id/);
    expect(forged?.readUInt32BE(4)).toBe(21);
    const stolen = await connect(a);
    const reuse = await b.exchange(udpScrape(stolen, 22, [id20('u1')]));
    expect(errorText(reuse)).toMatch(/connection id/);
  });

  it('answers bad requests with an error packet naming the problem', async () => {
    const a = await probe();
    const cid = await connect(a);
    const announce = udpAnnounce({ connectionId: cid, tid: 31, infoHash: id20('u1'), peerId: id20('y'), left: 1n, event: 0, port: 1 });
    expect(errorText(await a.exchange(announce.subarray(0, 60)))).toMatch(/too short/);
    const badEvent = Buffer.from(announce); badEvent.writeUInt32BE(9, 80);
    expect(errorText(await a.exchange(badEvent))).toMatch(/event/);
    const badPort = Buffer.from(announce); badPort.writeUInt16BE(0, 96);
    expect(errorText(await a.exchange(badPort))).toMatch(/port/);
    const negative = Buffer.from(announce); negative.writeBigInt64BE(-1n, 64);
    expect(errorText(await a.exchange(negative))).toMatch(/negative/);
    const badAction = Buffer.from(announce); badAction.writeUInt32BE(7, 8);
    expect(errorText(await a.exchange(badAction))).toMatch(/unknown action/);
    expect(errorText(await a.exchange(udpScrape(cid, 32, [id20('u1')]).subarray(0, 30)))).toMatch(/20-byte/);
    const notListed = udpAnnounce({ connectionId: cid, tid: 33, infoHash: id20('not-listed'), peerId: id20('y'), left: 1n, event: 0, port: 1 });
    expect(errorText(await a.exchange(notListed))).toMatch(/not registered/);
  });

  it('keeps serving after storms of random datagrams (property)', async () => {
    const noise = await probe();
    const check = await probe();
    const before = tracker.stats().rejected;
    let sent = 0;
    await fc.assert(fc.asyncProperty(fc.array(fc.uint8Array({ maxLength: 200 }), { minLength: 1, maxLength: 30 }), async (batch) => {
      for (const bytes of batch) noise.socket.send(bytes, tracker.udpPort ?? 0, '127.0.0.1');
      sent += batch.length;
      // The tracker answers in arrival order, so this reply means the batch has been handled.
      // Batches stay small so the kernel's receive buffer never overflows on loopback.
      await connect(check, sent);
    }), { numRuns: 25 });
    expect(tracker.stats().rejected - before).toBeGreaterThan(sent / 2);
  });
});

describe('UDP packet handling without sockets', () => {
  const from = (address: string, port = 5000): RemoteInfo => ({ address, port, family: address.includes(':') ? 'IPv6' : 'IPv4', size: 0 });
  const connectVia = (svc: TrackerService, ids: ConnectionIds, f: RemoteInfo): Buffer => {
    const r = answerUdpPacket(svc, ids, udpConnect(1), f);
    if (r === undefined) throw new Error('no reply');
    return r.subarray(8, 16);
  };

  it('connection ids live between one and two minutes', () => {
    let now = 10 * 60_000;
    const ids = new ConnectionIds({ now: () => now });
    // Issued at the start of a window: accepted until the end of the next one (2 minutes).
    const early = ids.issue('127.0.0.1', 5000);
    now += 119_999;
    expect(ids.verify(early, '127.0.0.1', 5000)).toBe(true);
    // Issued at the end of a window: still accepted a full minute later, not after.
    const late = ids.issue('127.0.0.1', 5000);
    now += 60_000;
    expect(ids.verify(late, '127.0.0.1', 5000)).toBe(true);
    expect(ids.verify(early, '127.0.0.1', 5000)).toBe(false);
    now += 1;
    expect(ids.verify(late, '127.0.0.1', 5000)).toBe(false);
    expect(ids.verify(ids.issue('127.0.0.1', 5000), '127.0.0.1', 5001)).toBe(false);
  });

  it('an expired connection id gets an error packet', () => {
    let now = 0;
    const svc = new TrackerService({ intervalS: 60, now: () => now });
    const ids = new ConnectionIds({ now: () => now });
    const cid = connectVia(svc, ids, from('127.0.0.1'));
    now += 121_000;
    const r = answerUdpPacket(svc, ids, udpScrape(cid, 5, [id20('a')]), from('127.0.0.1'));
    expect(errorText(r)).toMatch(/expired/);
  });

  it('IPv6 requests get 18-byte peers', () => {
    const svc = new TrackerService({ intervalS: 60 });
    const ids = new ConnectionIds();
    const infoHash = id20('six');
    const f1 = from('::1', 6001), f2 = from('::1', 6002);
    answerUdpPacket(svc, ids, udpAnnounce({ connectionId: connectVia(svc, ids, f1), tid: 1, infoHash, peerId: id20('a'), left: 1n, event: 2, port: 7001 }), f1);
    const r = answerUdpPacket(svc, ids, udpAnnounce({ connectionId: connectVia(svc, ids, f2), tid: 2, infoHash, peerId: id20('b'), left: 1n, event: 2, port: 7002 }), f2);
    expect(r?.length).toBe(20 + 18);
    expect(r?.readUInt16BE(20 + 16)).toBe(7001);
    expect(r?.subarray(20, 36).toString('hex')).toBe('00000000000000000000000000000001');
  });

  it('never throws and only answers with well-formed actions (property)', () => {
    const svc = new TrackerService({ intervalS: 60 });
    const ids = new ConnectionIds();
    const cid = connectVia(svc, ids, from('127.0.0.1'));
    const packet = fc.oneof(
      fc.uint8Array({ maxLength: 150 }),
      // Valid headers with random bodies reach deeper than pure noise.
      fc.tuple(fc.constantFrom(1, 2, 3, 4), fc.uint8Array({ maxLength: 120 })).map(([action, body]) => {
        const b = Buffer.alloc(16 + body.length);
        b.set(cid, 0); b.writeUInt32BE(action, 8); b.set(body, 16);
        return b;
      }),
    );
    fc.assert(fc.property(packet, (p) => {
      const r = answerUdpPacket(svc, ids, p, from('127.0.0.1'));
      if (r !== undefined) expect([0, 1, 2, 3]).toContain(r.readUInt32BE(0));
    }), { numRuns: 2000 });
  });

  it('drops packets too short to carry a transaction id, and foreign connects', () => {
    const svc = new TrackerService({ intervalS: 60 });
    const ids = new ConnectionIds();
    expect(answerUdpPacket(svc, ids, new Uint8Array(10), from('127.0.0.1'))).toBeUndefined();
    const foreign = udpConnect(3); foreign.writeUInt32BE(1, 0);
    expect(answerUdpPacket(svc, ids, foreign, from('127.0.0.1'))).toBeUndefined();
  });
});
