import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeExtensionMessage, UT_METADATA } from '../../src/extensions/index.js';
import { magnetLink } from '../../src/magnet/index.js';
import type { WireMessage } from '../../src/wire/index.js';
import { startLibtorrentMagnetLeecher, type LibtorrentMagnetLeecher } from '../support/libtorrentMagnetLeecher.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { startStatorrentPeer, type StatorrentPeer } from '../support/statorrentPeer.js';
import { makeTestTorrent, type TestTorrent } from '../support/testTorrent.js';

/**
 * Serving metadata (BEP 9) to a real client: python3-libtorrent is given only a magnet link and
 * our address; we are its only peer, so the info dictionary it verifies came from us, and then
 * it downloads the content from us, hash-checking every piece.
 */
describe('a libtorrent leecher by magnet and a statorrent seeder: metadata and PEX from us', () => {
  let dir: string;
  let torrent: TestTorrent;
  let seeder: StatorrentPeer | undefined;
  let leecher: LibtorrentMagnetLeecher | undefined;
  let other: LibtorrentSwarmPeer | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-magnet-seed-'));
    const content = join(dir, 'seed', 'content');
    // ~15 MB in 16 KiB pieces: over 900 piece hashes, an info dictionary of two metadata pieces
    await writeSample(content, awkwardLayout(10));
    torrent = await makeTestTorrent(content, [], 16 * 1024);
    await mkdir(join(dir, 'out'));
  });
  afterAll(async () => {
    await other?.stop();
    await leecher?.stop();
    await seeder?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('gets the metadata from us, then byte-identical files', async () => {
    const metadataOut: WireMessage[] = [];
    seeder = await startStatorrentPeer({
      metainfo: torrent.metainfo,
      downloadDir: join(dir, 'seed'),
      skipCheck: true,
      useTrackers: false,
      onWire: (_peer, direction, message) => {
        if (direction === 'out' && message.type === 'extended' && message.extendedId !== 0) metadataOut.push(message);
      },
    });
    await seeder.handle.completed;
    const link = magnetLink(torrent.metainfo);
    leecher = await startLibtorrentMagnetLeecher(link, join(dir, 'out'), seeder.session.port);
    const metadata = await leecher.metadata;
    expect(metadata.infoHashHex).toBe(torrent.metainfo.infoHashHex);
    expect(metadata.peers).toEqual([`127.0.0.1:${seeder.session.port}`]);
    const payload = await leecher.finished;
    expect(payload).toBeGreaterThanOrEqual(torrent.metainfo.totalLength);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    // what we sent under libtorrent's ut_metadata id: every piece of our info dictionary, as data
    const pieces = Math.ceil(torrent.metainfo.infoBytes.length / 16384);
    expect(pieces).toBeGreaterThan(1);
    const data = metadataOut.flatMap((m) => {
      if (m.type !== 'extended') return [];
      const d = decodeExtensionMessage(1, m.payload, new Set([UT_METADATA]));
      return d._tag === 'Right' && d.right.extension === UT_METADATA && d.right.message.type === 'data' ? [d.right.message.piece] : [];
    });
    expect(new Set(data)).toEqual(new Set(Array.from({ length: pieces }, (_, i) => i)));
  });

  it('libtorrent learns a third peer from our ut_pex message (BEP 11)', async () => {
    await seeder?.close();
    await leecher?.stop();
    // a slow libtorrent leecher we dial: we name it in PEX (we know where it listens)
    other = await startLibtorrentSwarmPeer(torrent.torrentPath, join(dir, 'other'), { ip: '127.0.0.7', leech: true, downloadRate: 4096 });
    seeder = await startStatorrentPeer({
      metainfo: torrent.metainfo,
      downloadDir: join(dir, 'seed'),
      skipCheck: true,
      useTrackers: false,
      peers: [{ ip: '127.0.0.7', port: other.port }],
    });
    await seeder.handle.completed;
    leecher = await startLibtorrentMagnetLeecher(magnetLink(torrent.metainfo), join(dir, 'out-pex'), seeder.session.port, 30_000, true);
    // libtorrent's peer_info.source: 4 = learnt by peer exchange. Our PEX names each peer to the
    // other, so they may dial each other at once and libtorrent keeps one of the two connections:
    // the peer entry (one per IP) carries the PEX bit either way
    const source = await leecher.learnedFrom('127.0.0.7', 4);
    expect(source & 4).toBe(4);
  });
});
