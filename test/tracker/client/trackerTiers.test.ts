import * as E from 'fp-ts/lib/Either.js';
import * as TE from 'fp-ts/lib/TaskEither.js';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  announceTiers, TrackerTiers, type AnnounceRequest, type AnnounceResponse, type TrackerError,
} from '../../../src/tracker/client/index.js';

const req: AnnounceRequest = {
  infoHash: new Uint8Array(20), peerId: new Uint8Array(20), port: 1, uploaded: 0, downloaded: 0, left: 0, event: 'started', compact: true,
};
const ok = (interval: number): AnnounceResponse => ({ interval, peers: [] });
const fail = (url: string): TrackerError => ({ _tag: 'network', message: `tracker ${url}: down` });

/** An announce function answering from a table of working URLs, recording calls. */
const scripted = (working: Record<string, AnnounceResponse>) => {
  const calls: { url: string; trackerId: string | undefined }[] = [];
  const announce = (url: string, r: AnnounceRequest): TE.TaskEither<TrackerError, AnnounceResponse> => {
    calls.push({ url, trackerId: r.trackerId });
    const resp = working[url];
    return resp ? TE.right(resp) : TE.left(fail(url));
  };
  return { calls, announce };
};

const noShuffle = (): number => 0.999999; // Fisher-Yates with j = i keeps the order

describe('TrackerTiers (BEP 12)', () => {
  it('shuffles each tier once, as a permutation, never mixing tiers', () => {
    fc.assert(
      fc.property(fc.array(fc.uniqueArray(fc.nat(50).map((n) => `http://t${n}/announce`), { minLength: 1, maxLength: 6 }), { maxLength: 4 }), fc.infiniteStream(fc.double()), (list, rs) => {
        const all = new Set<string>();
        const unique = list.map((tier) => tier.filter((u) => !all.has(u) && (all.add(u), true))).filter((t) => t.length > 0);
        const it = rs[Symbol.iterator]();
        const tiers = new TrackerTiers(list, () => it.next().value as number);
        expect(tiers.order.map((t) => [...t].sort())).toEqual(unique.map((t) => [...t].sort()));
      }),
    );
  });

  it('actually shuffles with the given random source', () => {
    expect(new TrackerTiers([['a', 'b', 'c'], ['d']], () => 0).order).toEqual([['b', 'c', 'a'], ['d']]);
  });

  it('tries trackers in order, promotes the one that answers, and falls to the next tier', async () => {
    const tiers = new TrackerTiers([['a1', 'a2', 'a3'], ['b1', 'b2']], noShuffle);
    const s = scripted({ a3: ok(100), b2: ok(200) });
    expect(await announceTiers(tiers, req, { announce: s.announce })()).toEqual(E.right({ url: 'a3', response: ok(100) }));
    expect(s.calls.map((c) => c.url)).toEqual(['a1', 'a2', 'a3']);
    expect(tiers.order).toEqual([['a3', 'a1', 'a2'], ['b1', 'b2']]);

    const s2 = scripted({ b2: ok(200) });
    expect(await announceTiers(tiers, req, { announce: s2.announce })()).toEqual(E.right({ url: 'b2', response: ok(200) }));
    expect(s2.calls.map((c) => c.url)).toEqual(['a3', 'a1', 'a2', 'b1', 'b2']);
    expect(tiers.order).toEqual([['a3', 'a1', 'a2'], ['b2', 'b1']]);
  });

  it('fails with the last error when every tracker fails, and with a clear error when there are none', async () => {
    const tiers = new TrackerTiers([['a'], ['b']], noShuffle);
    expect(await announceTiers(tiers, req, { announce: scripted({}).announce })()).toEqual(E.left(fail('b')));
    const none = await announceTiers(new TrackerTiers([[], []]), req, { announce: scripted({}).announce })();
    expect(none).toMatchObject(E.left({ _tag: 'network', message: expect.stringContaining('no trackers') }));
  });

  it('echoes each tracker its own tracker id only', async () => {
    const tiers = new TrackerTiers([['a', 'b']], noShuffle);
    await announceTiers(tiers, req, { announce: scripted({ a: { ...ok(60), trackerId: 'ID-A' } }).announce })();
    const s = scripted({ b: ok(60) });
    await announceTiers(tiers, { ...req, trackerId: 'stale' }, { announce: s.announce })();
    expect(s.calls).toEqual([{ url: 'a', trackerId: 'ID-A' }, { url: 'b', trackerId: undefined }]);
  });
});
