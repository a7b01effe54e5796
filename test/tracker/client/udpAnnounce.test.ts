import * as E from 'fp-ts/lib/Either.js';
import { createSocket } from 'node:dgram';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  UdpConnectionCache, udpAnnounce, type AnnounceRequest, type TrackerError,
} from '../../../src/tracker/client/index.js';
import { actionOf, startScriptedUdpTracker, tidOf, udpReply, type ScriptedUdpTracker } from './scriptedUdpTracker.js';

const req: AnnounceRequest = {
  infoHash: new Uint8Array(20).fill(0x11), peerId: new Uint8Array(20).fill(0x22), port: 6881,
  uploaded: 5, downloaded: 2 ** 40, left: 7, event: 'completed', compact: true, numwant: 30, key: 0xcafe,
};
const CONN = Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8]);
const peers4 = Uint8Array.from([127, 0, 0, 9, 0x1a, 0xe1]);

/** Answers connects with CONN and announces with one peer. */
const wellBehaved = (t: ScriptedUdpTracker): void =>
  t.onPacket(({ packet }, send) => {
    if (actionOf(packet) === 0) send(udpReply.connect(tidOf(packet), CONN));
    else send(udpReply.announce(tidOf(packet), 1800, 4, 3, peers4));
  });

const left = (r: E.Either<TrackerError, unknown>): TrackerError => {
  if (E.isRight(r)) throw new Error('expected an error');
  return r.left;
};

let t: ScriptedUdpTracker;
beforeAll(async () => {
  t = await startScriptedUdpTracker();
});
afterAll(() => t.close());
afterEach(() => {
  vi.useRealTimers();
  t.received.length = 0;
});

describe('udpAnnounce (BEP 15)', () => {
  it('connects, then announces with every field in place, and reads the peers', async () => {
    wellBehaved(t);
    const r = await udpAnnounce(t.url, req, { retransmitBaseMs: 5000 })();
    expect(r).toEqual(E.right({ interval: 1800, complete: 3, incomplete: 4, peers: [{ ip: '127.0.0.9', port: 6881 }] }));
    const [connect, ann] = t.received.map((x) => x.packet);
    expect(connect!.length).toBe(16);
    expect(connect!.readBigUInt64BE(0)).toBe(0x41727101980n);
    expect(actionOf(connect!)).toBe(0);
    expect(ann!.length).toBe(98);
    expect(ann!.subarray(0, 8)).toEqual(Buffer.from(CONN));
    expect(actionOf(ann!)).toBe(1);
    expect(ann!.subarray(16, 36)).toEqual(Buffer.from(req.infoHash));
    expect(ann!.subarray(36, 56)).toEqual(Buffer.from(req.peerId));
    expect(ann!.readBigUInt64BE(56)).toBe(2n ** 40n); // downloaded
    expect(ann!.readBigUInt64BE(64)).toBe(7n); // left
    expect(ann!.readBigUInt64BE(72)).toBe(5n); // uploaded
    expect(ann!.readUInt32BE(80)).toBe(1); // completed
    expect(ann!.readUInt32BE(88)).toBe(0xcafe); // key
    expect(ann!.readInt32BE(92)).toBe(30); // num_want
    expect(ann!.readUInt16BE(96)).toBe(6881);
    expect(tidOf(connect!)).not.toBe(tidOf(ann!));
  });

  it('reuses a connection id for up to one minute', async () => {
    wellBehaved(t);
    let now = 1_000_000;
    const opts = { connectionCache: new UdpConnectionCache(), now: () => now, retransmitBaseMs: 5000 };
    await udpAnnounce(t.url, req, opts)();
    now += 59_000;
    await udpAnnounce(t.url, req, opts)();
    expect(t.received.map((x) => actionOf(x.packet))).toEqual([0, 1, 1]);
    now += 1_000;
    await udpAnnounce(t.url, req, opts)();
    expect(t.received.map((x) => actionOf(x.packet))).toEqual([0, 1, 1, 0, 1]);
  });

  it('surfaces an error reply as failure-reason and forgets the connection id', async () => {
    t.onPacket(({ packet }, send) => {
      if (actionOf(packet) === 0) send(udpReply.connect(tidOf(packet), CONN));
      else send(udpReply.error(tidOf(packet), 'Requested download is not authorized'));
    });
    const cache = new UdpConnectionCache();
    const e = left(await udpAnnounce(t.url, req, { connectionCache: cache })());
    expect(e).toMatchObject({ _tag: 'failure-reason', reason: 'Requested download is not authorized' });
    expect(cache.get(`127.0.0.1:${t.port}`, Date.now())).toBeUndefined();
  });

  it('ignores replies with another transaction id or from another address', async () => {
    const stranger = createSocket('udp4');
    await new Promise<void>((ok) => stranger.bind(0, '127.0.0.1', ok));
    t.onPacket(({ packet, from }, send) => {
      const tid = tidOf(packet);
      if (actionOf(packet) === 0) {
        send(udpReply.connect((tid ^ 1) >>> 0, Uint8Array.from([9, 9, 9, 9, 9, 9, 9, 9]))); // wrong tid
        // On loopback a completed send is already queued at the receiver, so the real reply
        // sent from the callback arrives after the stranger's.
        stranger.send(udpReply.connect(tid, Uint8Array.from([6, 6, 6, 6, 6, 6, 6, 6])), from.port, from.address, () =>
          send(udpReply.connect(tid, CONN)),
        );
      } else {
        send(udpReply.announce(tid, 1800, 0, 0, new Uint8Array(0)));
      }
    });
    const r = await udpAnnounce(t.url, req, { retransmitBaseMs: 5000 })();
    stranger.close();
    expect(E.isRight(r)).toBe(true);
    expect(t.received[1]!.packet.subarray(0, 8)).toEqual(Buffer.from(CONN));
  });

  it('checks the size of every reply', async () => {
    const cases: [string, (tid: number, action: number) => Uint8Array][] = [
      ['short connect', (tid, a) => (a === 0 ? udpReply.connect(tid, CONN).subarray(0, 12) : new Uint8Array(0))],
      ['short announce', (tid, a) => (a === 0 ? udpReply.connect(tid, CONN) : udpReply.announce(tid, 60, 0, 0, new Uint8Array(0)).subarray(0, 19))],
      ['ragged peers', (tid, a) => (a === 0 ? udpReply.connect(tid, CONN) : udpReply.announce(tid, 60, 0, 0, new Uint8Array(7)))],
      ['unknown action', (tid) => Buffer.concat([Buffer.from([0, 0, 0, 9]), Buffer.from([tid >>> 24, (tid >>> 16) & 255, (tid >>> 8) & 255, tid & 255])])],
    ];
    for (const [, reply] of cases) {
      t.onPacket(({ packet }, send) => send(reply(tidOf(packet), actionOf(packet))));
      expect(left(await udpAnnounce(t.url, req, { retransmitBaseMs: 5000 })())._tag).toBe('invalid-reply');
    }
  });

  it('reads a header-only announce reply (opentracker refusing a torrent) as a refusal', async () => {
    t.onPacket(({ packet }, send) => {
      if (actionOf(packet) === 0) send(udpReply.connect(tidOf(packet), CONN));
      else send(udpReply.announce(tidOf(packet), 0, 0, 0, new Uint8Array(0)).subarray(0, 8));
    });
    expect(left(await udpAnnounce(t.url, req)())).toMatchObject({ _tag: 'failure-reason', reason: expect.stringContaining('refused') });
  });

  it('retransmits after base * 2^n and resets n for the next request', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    t.onPacket(({ packet }, send) => {
      // drop the first two connects and the first announce
      const n = t.received.length;
      if (n === 3) send(udpReply.connect(tidOf(packet), CONN));
      if (n === 5) send(udpReply.announce(tidOf(packet), 900, 1, 1, peers4));
    });
    const p = udpAnnounce(t.url, req, { retransmitBaseMs: 1000 })();
    await t.packet(1);
    await vi.advanceTimersByTimeAsync(999);
    expect(t.received.length).toBe(1);
    await vi.advanceTimersByTimeAsync(1);
    await t.packet(2);
    await vi.advanceTimersByTimeAsync(2000);
    await t.packet(3); // answered: connect done
    await t.packet(4); // announce, n back to 0
    await vi.advanceTimersByTimeAsync(1000);
    await t.packet(5);
    expect(await p).toMatchObject(E.right({ interval: 900 }));
    const at = t.received.map((x) => x.at - t.received[0]!.at);
    expect(at).toEqual([0, 1000, 3000, 3000, 4000]);
    expect(t.received.map((x) => actionOf(x.packet))).toEqual([0, 0, 0, 1, 1]);
    expect(new Set(t.received.map((x) => tidOf(x.packet))).size).toBe(5);
  });

  it('gives up with a timeout after maxRetransmits', async () => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    t.onPacket(() => undefined);
    const p = udpAnnounce(t.url, req, { retransmitBaseMs: 1000, maxRetransmits: 2 })();
    await t.packet(1);
    await vi.advanceTimersByTimeAsync(1000);
    await t.packet(2);
    await vi.advanceTimersByTimeAsync(2000);
    await t.packet(3);
    await vi.advanceTimersByTimeAsync(4000);
    expect(left(await p)).toMatchObject({ _tag: 'timeout', message: expect.stringContaining('7000 ms') });
    expect(t.received.length).toBe(3);
  });

  it('stops when aborted and refuses malformed URLs', async () => {
    t.onPacket(() => undefined);
    const ctrl = new AbortController();
    const p = udpAnnounce(t.url, req, { signal: ctrl.signal })();
    await t.packet(1);
    ctrl.abort();
    expect(left(await p)).toMatchObject({ _tag: 'network' });
    expect(left(await udpAnnounce('udp://127.0.0.1/announce', req)())._tag).toBe('unsupported-scheme');
    expect(left(await udpAnnounce('http://127.0.0.1:80/announce', req)())._tag).toBe('unsupported-scheme');
  });

  it('reads 18-byte peers from a tracker reached over IPv6', async () => {
    const t6 = await startScriptedUdpTracker('::1');
    try {
      const peer6 = Uint8Array.from([0xfe, 0x80, ...new Array(13).fill(0), 5, 0x1a, 0xe1]);
      t6.onPacket(({ packet }, send) => {
        if (actionOf(packet) === 0) send(udpReply.connect(tidOf(packet), CONN));
        else send(udpReply.announce(tidOf(packet), 1800, 0, 1, peer6));
      });
      const r = await udpAnnounce(t6.url, req, { retransmitBaseMs: 5000 })();
      expect(r).toMatchObject(E.right({ peers: [{ ip: 'fe80::5', port: 6881 }] }));
    } finally {
      await t6.close();
    }
  });
});
