import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encode } from '../../../src/bencode/index.js';
import { createTieredAnnouncer, TrackerTiers } from '../../../src/tracker/client/index.js';
import { startScriptedHttpTracker, type ScriptedHttpTracker } from './scriptedHttpTracker.js';

let t: ScriptedHttpTracker;
beforeAll(async () => {
  t = await startScriptedHttpTracker();
});
afterAll(() => t.close());

const identity = { infoHash: new Uint8Array(20).fill(1), peerId: new Uint8Array(20).fill(2), port: 6881 };

describe('createTieredAnnouncer', () => {
  it('reads the stats at each announce and sends the event', async () => {
    t.reply((_q, res) => res.end(encode({ interval: 900, peers: new Uint8Array(0) })));
    t.requests.length = 0;
    let left = 1000;
    const announcer = createTieredAnnouncer(new TrackerTiers([[`${t.base}/announce`]]), identity, () => ({ uploaded: 1, downloaded: 2, left }));
    await expect(announcer('started')).resolves.toEqual({ interval: 900, peers: [] });
    left = 0;
    await announcer('completed');
    expect(t.requests[0]).toMatch(/left=1000&compact=1&event=started/);
    expect(t.requests[1]).toMatch(/left=0&compact=1&event=completed/);
  });

  it('rejects with the TrackerError of the last tracker tried', async () => {
    t.reply((_q, res) => res.end(encode({ 'failure reason': 'banned' })));
    const announcer = createTieredAnnouncer(new TrackerTiers([['udp://127.0.0.1/no-port'], [`${t.base}/announce`]]), identity, () => ({ uploaded: 0, downloaded: 0, left: 0 }));
    await expect(announcer('empty')).rejects.toMatchObject({ _tag: 'failure-reason', reason: 'banned' });
  });
});
