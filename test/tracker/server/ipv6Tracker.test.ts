import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as E from 'fp-ts/lib/Either.js';
import { decode, isBytes, isDict, type BDict } from '../../../src/bencode/index.js';
import { startTracker, type TrackerServer } from '../../../src/tracker/server/index.js';
import { UdpProbe, id20, query, udpAnnounce, udpConnect } from './support/rawTrackerRequests.js';

/** The tracker listening on ::1: IPv6 peers travel as 18-byte entries (BEP 7 over HTTP, BEP 15 over UDP). */
let tracker: TrackerServer;
const probes: UdpProbe[] = [];
beforeAll(async () => {
  tracker = await startTracker({ host: '::1', interval: 60 });
});
afterAll(async () => {
  await Promise.all(probes.map((p) => p.close()));
  await tracker.close();
});

describe('tracker on ::1', () => {
  it('publishes bracketed announce URLs', () => {
    expect(tracker.httpAnnounceUrl).toMatch(/^http:\/\/\[::1\]:\d+\/announce$/);
    expect(tracker.udpAnnounceUrl).toMatch(/^udp:\/\/\[::1\]:\d+\/announce$/);
  });

  it('HTTP: an IPv6 peer appears in peers6 for the next client', async () => {
    const infoHash = id20('v6-http');
    const get = async (peer: string, port: number): Promise<BDict> => {
      const r = await fetch(`${tracker.httpAnnounceUrl ?? ''}?${query([['info_hash', infoHash], ['peer_id', id20(peer)], ['port', String(port)], ['left', '1']])}`);
      const d = decode(new Uint8Array(await r.arrayBuffer()));
      if (E.isLeft(d) || !isDict(d.right)) throw new Error('not a dictionary');
      return d.right;
    };
    await get('a', 8001);
    const reply = await get('b', 8002);
    const p6 = reply.get('peers6');
    if (!isBytes(p6)) throw new Error('no peers6 in reply');
    const b = p6;
    expect(b.length).toBe(18);
    expect(Buffer.from(b.subarray(0, 16)).toString('hex')).toBe('0'.repeat(31) + '1');
    expect((b[16] ?? 0) * 256 + (b[17] ?? 0)).toBe(8001);
  });

  it('UDP: announces over IPv6 get 18-byte peers', async () => {
    const infoHash = id20('v6-udp');
    const reply = async (peer: string, port: number): Promise<Buffer | undefined> => {
      const p = await UdpProbe.open(tracker.udpPort ?? 0, '::1');
      probes.push(p);
      const c = await p.exchange(udpConnect(1));
      if (c === undefined) throw new Error('no connect reply');
      return p.exchange(udpAnnounce({ connectionId: c.subarray(8, 16), tid: 2, infoHash, peerId: id20(peer), left: 1n, event: 2, port }));
    };
    await reply('a', 8101);
    const r = await reply('b', 8102);
    expect(r?.length).toBe(20 + 18);
    expect(r?.subarray(20, 36).toString('hex')).toBe('0'.repeat(31) + '1');
    expect(r?.readUInt16BE(36)).toBe(8101);
  });
});
