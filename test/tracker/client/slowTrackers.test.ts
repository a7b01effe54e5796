import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { encode } from '../../../src/bencode/index.js';
import {
  announceTiers, createTieredAnnouncer, TrackerTiers, type AnnounceRequest, type AnnounceResponse, type TrackerError,
} from '../../../src/tracker/client/index.js';
import { startScriptedHttpTracker } from './scriptedHttpTracker.js';
import { actionOf, startScriptedUdpTracker } from './scriptedUdpTracker.js';

const req: AnnounceRequest = {
  infoHash: new Uint8Array(20), peerId: new Uint8Array(20), port: 1, uploaded: 0, downloaded: 0, left: 0, event: 'started', compact: true,
};
const ok = (port: number): AnnounceResponse => ({ interval: 900, peers: [{ ip: '127.0.0.9', port }] });
const noShuffle = (): number => 0.999999;

/** Trackers the test answers by hand: each call is held until the test settles it or it is cancelled. */
function manual() {
  const calls: { url: string; event: string; settle: (r: E.Either<TrackerError, AnnounceResponse>) => void; cancelled: () => boolean }[] = [];
  const announce = (url: string, r: AnnounceRequest, signal?: AbortSignal): TE.TaskEither<TrackerError, AnnounceResponse> => () =>
    new Promise((resolve) => {
      signal?.addEventListener('abort', () => resolve(E.left({ _tag: 'network', message: `tracker ${url}: announce cancelled` })), { once: true });
      calls.push({ url, event: r.event, settle: resolve, cancelled: () => signal?.aborted === true });
    });
  return { calls, announce };
}

afterEach(() => {
  vi.useRealTimers();
});

describe('trackers never block each other', () => {
  it('asks the next tracker after 5 s of silence; the silent one keeps running and its late reply still counts', async () => {
    vi.useFakeTimers();
    const tiers = new TrackerTiers([['silent', 'working']], noShuffle);
    const m = manual();
    const late: string[] = [];
    const p = announceTiers(tiers, req, { announce: m.announce, onLateReply: (url) => late.push(url) })();
    await vi.advanceTimersByTimeAsync(4_999);
    expect(m.calls.map((c) => c.url)).toEqual(['silent']);
    await vi.advanceTimersByTimeAsync(1);
    expect(m.calls.map((c) => c.url)).toEqual(['silent', 'working']);
    m.calls[1]!.settle(E.right(ok(2)));
    expect(await p).toEqual(E.right({ url: 'working', response: ok(2) }));
    expect(tiers.order).toEqual([['working', 'silent']]);
    expect(m.calls[0]!.cancelled()).toBe(false);
    // the slow one answers an hour later: its peers are delivered, not lost
    await vi.advanceTimersByTimeAsync(3_600_000);
    m.calls[0]!.settle(E.right(ok(1)));
    await vi.advanceTimersByTimeAsync(0);
    expect(late).toEqual(['silent']);
  });

  it('a later announce joins a request still running instead of asking twice, and skips waiting on it', async () => {
    vi.useFakeTimers();
    const tiers = new TrackerTiers([['silent'], ['working']], noShuffle);
    const m = manual();
    const first = announceTiers(tiers, req, { announce: m.announce })();
    await vi.advanceTimersByTimeAsync(5_000);
    m.calls[1]!.settle(E.right(ok(2)));
    expect(E.isRight(await first)).toBe(true);
    const second = announceTiers(tiers, { ...req, event: 'empty' }, { announce: m.announce })();
    await vi.advanceTimersByTimeAsync(0);
    // tier 1's tracker is still busy with the first request (past its patience): straight to tier 2
    expect(m.calls.map((c) => `${c.url}:${c.event}`)).toEqual(['silent:started', 'working:started', 'working:empty']);
    m.calls[2]!.settle(E.right(ok(3)));
    expect(await second).toEqual(E.right({ url: 'working', response: ok(3) }));
  });

  it('a stopped announce cancels requests still running (a late started must not list us again)', async () => {
    vi.useFakeTimers();
    const tiers = new TrackerTiers([['silent', 'working']], noShuffle);
    const m = manual();
    const first = announceTiers(tiers, req, { announce: m.announce })();
    await vi.advanceTimersByTimeAsync(5_000);
    m.calls[1]!.settle(E.right(ok(2)));
    await first;
    const stop = announceTiers(tiers, { ...req, event: 'stopped' }, { announce: m.announce })();
    expect(m.calls[0]!.cancelled()).toBe(true);
    await vi.advanceTimersByTimeAsync(0);
    m.calls[2]!.settle(E.right(ok(2)));
    expect(E.isRight(await stop)).toBe(true);
    expect(m.calls.map((c) => `${c.url}:${c.event}`)).toEqual(['silent:started', 'working:started', 'working:stopped']);
  });

  it('the caller aborting cancels every request it started', async () => {
    vi.useFakeTimers();
    const tiers = new TrackerTiers([['a', 'b']], noShuffle);
    const m = manual();
    const ctrl = new AbortController();
    const p = announceTiers(tiers, req, { announce: m.announce, signal: ctrl.signal })();
    await vi.advanceTimersByTimeAsync(5_000);
    ctrl.abort();
    expect(await p).toMatchObject(E.left({ message: 'announce cancelled' }));
    expect(m.calls.map((c) => c.cancelled())).toEqual([true, true]);
  });

  it('reports every skipped tracker error; fails with "still asking" once only silent trackers are left', async () => {
    vi.useFakeTimers();
    const tiers = new TrackerTiers([['refused', 'silent']], noShuffle);
    const m = manual();
    const seen: string[] = [];
    const p = announceTiers(tiers, req, { announce: m.announce, onTrackerError: (url, e) => seen.push(`${url}: ${e._tag}`) })();
    await vi.advanceTimersByTimeAsync(0);
    m.calls[0]!.settle(E.left({ _tag: 'refused-by-policy', reason: 'r', message: 'tracker refused not contacted: r' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(m.calls.map((c) => c.url)).toEqual(['refused', 'silent']);
    await vi.advanceTimersByTimeAsync(59_999);
    let done = false;
    void p.then(() => (done = true));
    await vi.advanceTimersByTimeAsync(0);
    expect(done).toBe(false);
    await vi.advanceTimersByTimeAsync(1);
    expect(await p).toMatchObject(E.left({ _tag: 'timeout', message: expect.stringContaining('tracker silent: no reply yet after 60000 ms (still asking)') }));
    expect(seen).toEqual(['refused: refused-by-policy']);
    // it gives up for real later: that failure is reported too
    m.calls[1]!.settle(E.left({ _tag: 'timeout', message: 'tracker silent: no reply within 7665000 ms' }));
    await vi.advanceTimersByTimeAsync(0);
    expect(seen).toEqual(['refused: refused-by-policy', 'silent: timeout']);
  });

  it('a silent UDP tracker (BEP 15 back-off, real sockets) delays peers from a working HTTP tracker by 5 s, not 2 h 8 min', async () => {
    const silent = await startScriptedUdpTracker(); // receives, never answers
    const working = await startScriptedHttpTracker();
    working.reply((_q, res) => res.end(encode({ interval: 900, peers: Uint8Array.from([127, 0, 0, 7, 0x1a, 0xe1]) })));
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    const t0 = Date.now();
    const errors: string[] = [];
    const announcer = createTieredAnnouncer(
      new TrackerTiers([[silent.url], [`${working.base}/announce`]]),
      { infoHash: new Uint8Array(20).fill(1), peerId: new Uint8Array(20).fill(2), port: 6881 },
      () => ({ uploaded: 0, downloaded: 0, left: 100 }),
      { onTrackerError: (e) => errors.push(e.message) },
    );
    try {
      const reply = announcer('started');
      await silent.packet(1); // the connect request went out (real I/O)
      await vi.advanceTimersByTimeAsync(5_000);
      const r = await reply;
      expect(r.peers).toEqual([{ ip: '127.0.0.7', port: 6881 }]);
      expect(Date.now() - t0).toBeLessThanOrEqual(15_000);
      // the silent tracker keeps its own BEP 15 schedule: the retransmission comes 15 s after the first try
      expect(silent.received).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(10_000);
      const again = await silent.packet(2);
      expect(actionOf(again.packet)).toBe(0);
      expect(again.at - silent.received[0]!.at).toBe(15_000);
      expect(errors).toEqual([]);
    } finally {
      announcer.close();
      vi.useRealTimers();
      await silent.close();
      await working.close();
    }
  });
});
