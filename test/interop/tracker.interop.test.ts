import * as E from 'fp-ts/lib/Either.js';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, fromPromise, toPromise } from 'xstate';
import { announceMachine, type AnnounceIntent } from '../../machines/announce.machine.js';
import {
  announce, createTieredAnnouncer, httpScrape, TrackerTiers, UdpConnectionCache,
  type AnnounceRequest, type AnnounceResponse, type PeerAddress, type TrackerError,
} from '../../src/tracker/client/index.js';
import { startOpenTracker, type OpenTracker } from '../support/opentracker.js';

let tracker: OpenTracker;
beforeAll(async () => {
  tracker = await startOpenTracker();
});
afterAll(async () => {
  await tracker?.stop();
});

const peerId = (tag: string): Uint8Array => Buffer.from(`-ST0001-${tag}`.padEnd(20, '0').slice(0, 20));

const request = (infoHash: Uint8Array, id: Uint8Array, port: number): AnnounceRequest => ({
  infoHash, peerId: id, port, uploaded: 0, downloaded: 0, left: 1000, event: 'started', compact: true, numwant: 50,
});

const right = (r: E.Either<TrackerError, AnnounceResponse>): AnnounceResponse => {
  if (E.isLeft(r)) throw new Error(r.left.message);
  return r.right;
};

describe('tracker clients against opentracker', () => {
  for (const transport of ['http', 'udp'] as const) {
    const url = (): string => (transport === 'http' ? tracker.httpUrl : tracker.udpUrl);
    const opts = { udp: { retransmitBaseMs: 1000, maxRetransmits: 2, connectionCache: new UdpConnectionCache() }, http: { timeoutMs: 5000 } };

    it(`${transport}: the second peer on a whitelisted hash sees the first`, async () => {
      const infoHash = randomBytes(20);
      await tracker.allow(infoHash.toString('hex'));
      const first = right(await announce(url(), request(infoHash, peerId(`${transport}A`), 41001), opts)());
      expect(first.interval).toBeGreaterThanOrEqual(60);
      const second = right(await announce(url(), request(infoHash, peerId(`${transport}B`), 41002), opts)());
      expect(second.peers).toContainEqual({ ip: '127.0.0.1', port: 41001 });
      expect(second.peers).not.toContainEqual({ ip: '127.0.0.1', port: 1 }); // the whitelist probe left
      expect((second.complete ?? 0) + (second.incomplete ?? 0)).toBeGreaterThanOrEqual(2);
    });

    it(`${transport}: a hash that is not whitelisted yields the tracker's failure reason`, async () => {
      const r = await announce(url(), request(randomBytes(20), peerId(`${transport}C`), 41003), opts)();
      // Over HTTP opentracker says why; over UDP it sends a header-only reply (see udpPackets.ts).
      const reason = transport === 'http' ? /not authorized/i : /refused/;
      expect(r).toMatchObject(E.left({ _tag: 'failure-reason', reason: expect.stringMatching(reason) }));
    });
  }

  it('http: scrape reports the swarm of a whitelisted hash', async () => {
    const infoHash = randomBytes(20);
    await tracker.allow(infoHash.toString('hex'));
    right(await announce(tracker.httpUrl, { ...request(infoHash, peerId('S'), 41004), left: 0 })());
    const r = await httpScrape(tracker.httpUrl, [infoHash])();
    expect(r).toEqual(E.right(new Map([[infoHash.toString('hex'), { complete: 1, incomplete: 0, downloaded: expect.any(Number) }]])));
  });

  it('announce machine + tiers: falls through a dead tier to opentracker over UDP, then leaves on STOP', async () => {
    const infoHash = randomBytes(20);
    await tracker.allow(infoHash.toString('hex'));
    // Nothing listens on port 1 of loopback: the first tier fails at once.
    const tiers = new TrackerTiers([['http://127.0.0.1:1/announce'], [tracker.udpUrl]]);
    const announcer = createTieredAnnouncer(
      tiers,
      { infoHash, peerId: peerId('M'), port: 42001 },
      () => ({ uploaded: 0, downloaded: 0, left: 100 }),
      { udp: { retransmitBaseMs: 1000, maxRetransmits: 1 } },
    );
    const machine = announceMachine.provide({
      actors: { announce: fromPromise<AnnounceResponse, AnnounceIntent>(({ input, signal }) => announcer(input.event, signal)) },
    });
    const actor = createActor(machine, { input: {} });
    const firstPeers = new Promise<readonly PeerAddress[]>((ok) => actor.on('peers', (e) => ok(e.peers)));
    const errors: TrackerError[] = [];
    actor.on('trackerError', (e) => errors.push(e.error));
    actor.start();
    actor.send({ type: 'START' });
    expect(await firstPeers).toContainEqual({ ip: '127.0.0.1', port: 42001 });
    expect(errors).toEqual([]);

    const other = (): Promise<AnnounceResponse> =>
      announce(tracker.httpUrl, request(infoHash, peerId('N'), 42002))().then(right);
    expect((await other()).peers).toContainEqual({ ip: '127.0.0.1', port: 42001 });

    actor.send({ type: 'STOP' });
    await toPromise(actor);
    expect((await other()).peers).not.toContainEqual({ ip: '127.0.0.1', port: 42001 });
  });
});
