import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { startAria2Leecher, type Aria2Peer } from '../support/aria2Peer.js';
import { treeDigest } from '../support/sampleContent.js';
import { settlesWithin } from '../support/settlesWithin.js';
import { makeTrackedTestTorrent, type TrackedTestTorrent } from '../support/testTorrent.js';

/**
 * aria2 1.36 dials with an MSE handshake first (offering plaintext and RC4 by default) and
 * falls back to a plain one about a second later only if that fails (QUIRKS.md). Our seeder
 * (default policy) must complete the MSE handshake on aria2's first connection.
 */
describe('MSE with aria2', () => {
  let dir: string | undefined;
  let torrent: TrackedTestTorrent | undefined;
  let session: Session | undefined;
  let aria2: Aria2Peer | undefined;

  afterEach(async () => {
    await aria2?.stop();
    await session?.close();
    await torrent?.tracker.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    aria2 = session = torrent = dir = undefined;
  });

  it.each([
    { label: 'default settings: MSE handshake, plaintext payload', extraArgs: [], encryption: 'mse-plaintext' },
    { label: 'encryption required (RC4)', extraArgs: ['--bt-require-crypto=true', '--bt-min-crypto-level=arc4'], encryption: 'mse-rc4' },
  ])('aria2 ($label) downloads from our seeder on its first connection', async ({ extraArgs, encryption }) => {
    dir = await mkdtemp(join(tmpdir(), 'st-mse-aria2-'));
    torrent = await makeTrackedTestTorrent(dir, { scale: 2, announceOver: 'http' });
    await mkdir(join(dir, 'out'));
    const s = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
    const t = await session.add({ metainfo: torrent.metainfo, downloadDir: join(dir, 'seed'), skipCheck: true });
    if (E.isLeft(t)) throw new Error(t.left);
    const connected: TorrentEvent[] = [];
    t.right.events$.subscribe((e) => {
      if (e.type === 'peerConnected') connected.push(e);
    });
    await firstValueFrom(t.right.events$.pipe(filter((e) => e.type === 'announced')));
    aria2 = await startAria2Leecher(torrent.torrentPath, join(dir, 'out'), { ip: '127.0.0.2', extraArgs });
    const status = await settlesWithin(aria2.exited, 30_000, 'aria2 finishing the download');
    expect(status, aria2.output().slice(-600)).toBe(0);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    // every connection aria2 made to us was MSE: it needed no plain retry (our seeder's own
    // dials to it, plain by default, are left out: they say nothing about aria2's choice)
    const incoming = connected.flatMap((e) => (e.type === 'peerConnected' && e.source === 'incoming' ? [e.encryption] : []));
    expect(new Set(incoming)).toEqual(new Set([encryption]));
  });
});
