import { access, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMagnet } from '../../src/magnet/index.js';
import { loadMetainfo } from '../../src/metainfo/loadMetainfo.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent, TorrentProgress } from '../../src/session/types.js';
import { startLibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { startOpenTracker, type OpenTracker } from '../support/opentracker.js';
import { treeDigest } from '../support/sampleContent.js';
import { startTransmissionSeeder } from '../support/transmissionPeer.js';

/**
 * Acceptance (issue 11): `session.add({ magnet })` with only a magnet link whose `tr=` names a
 * real opentracker: the metadata is fetched from the seeder the tracker lists (BEP 9), saved as
 * `<name>.torrent` next to the download, and the files come out byte-identical. A second `add`
 * of the same link in a new session finds that .torrent and fetches no metadata.
 */
describe('download by magnet link through opentracker', () => {
  let dir: string;
  let tracker: OpenTracker;
  const stops: (() => Promise<void>)[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-magnet-dl-'));
    tracker = await startOpenTracker();
  });
  afterAll(async () => {
    for (const stop of stops.reverse()) await stop();
    await tracker?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const byMagnet = async (metainfo: Metainfo, out: string, host: string) => {
    const started = await Session.start({ host, port: 0, localAddress: host });
    if (E.isLeft(started)) throw new Error(started.left);
    const session = started.right;
    stops.push(() => session.close());
    const magnet = formatMagnet({ infoHashHex: metainfo.infoHashHex, name: metainfo.name, trackers: [tracker.httpUrl] });
    const added = await session.add({ magnet, downloadDir: out });
    if (E.isLeft(added)) throw new Error(added.left);
    const states: TorrentProgress[] = [];
    const events: TorrentEvent[] = [];
    added.right.progress$.subscribe((p) => states.push(p));
    added.right.events$.subscribe((e) => events.push(e));
    await added.right.completed;
    await session.close();
    return { states, events };
  };

  const expectSavedTorrent = async (metainfo: Metainfo, out: string) => {
    const saved = await loadMetainfo(join(out, `${metainfo.name}.torrent`))();
    expect(E.isRight(saved) && saved.right.infoHashHex).toBe(metainfo.infoHashHex);
    expect(E.isRight(saved) && saved.right.announceList).toEqual([[tracker.httpUrl]]);
  };

  it('from a libtorrent seeder; a restart uses the saved .torrent', async () => {
    const name = 'lt-content';
    const seedRoot = join(dir, 'seed-lt');
    const torrentPath = join(dir, `${name}.torrent`);
    const metainfo = await mktorrentSample(join(seedRoot, name), torrentPath, { announce: tracker.httpUrl, pieceLengthLog2: 15 });
    await tracker.allow(metainfo.infoHashHex);
    const seeder = await startLibtorrentSwarmPeer(torrentPath, seedRoot, { ip: '127.0.0.2', announce: true });
    stops.push(() => seeder.stop());
    const out = join(dir, 'out-lt');

    const run = await byMagnet(metainfo, out, '127.0.0.3');
    expect(await treeDigest(join(out, name))).toEqual(await treeDigest(join(seedRoot, name)));
    await expectSavedTorrent(metainfo, out);
    expect(run.states[0]).toMatchObject({ state: 'fetchingMetadata', infoHashHex: metainfo.infoHashHex, name });
    const fetched = run.states.filter((p) => p.state === 'fetchingMetadata').at(-1);
    expect(fetched?.metadata?.total).toBeGreaterThan(0);
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'metadataFetched', name }));
    expect(run.events.filter((e) => e.type === 'pieceVerified')).toHaveLength(metainfo.pieceCount);

    // restart: the same link again finds `<name>.torrent`, checks the data and is complete at once
    const again = await byMagnet(metainfo, out, '127.0.0.3');
    expect(again.states.some((p) => p.state === 'fetchingMetadata')).toBe(false);
    expect(again.events.some((e) => e.type === 'metadataFetched')).toBe(false);
    expect(again.events).toContainEqual({ type: 'checked', verifiedPieces: metainfo.pieceCount });
  });

  it('from a Transmission seeder', async () => {
    const name = 'tr-content';
    const seedRoot = join(dir, 'seed-tr');
    const torrentPath = join(dir, `${name}.torrent`);
    const metainfo = await mktorrentSample(join(seedRoot, name), torrentPath, { announce: tracker.httpUrl, pieceLengthLog2: 15 });
    await tracker.allow(metainfo.infoHashHex);
    const seeder = await startTransmissionSeeder(torrentPath, seedRoot, 20_000, { untilAnnounced: true });
    stops.push(() => seeder.stop());
    const out = join(dir, 'out-tr');
    // Transmission keeps one peer per IP: our own loopback address
    const run = await byMagnet(metainfo, out, '127.0.0.4');
    expect(await treeDigest(join(out, name))).toEqual(await treeDigest(join(seedRoot, name)));
    await expectSavedTorrent(metainfo, out);
    await access(join(out, `${name}.torrent`));
    expect(run.events).toContainEqual(expect.objectContaining({ type: 'metadataFetched', name }));
  });
});
