import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { filter, firstValueFrom } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { LT_ENCRYPTION, startLibtorrentLeecher, type LibtorrentLeecher, type LibtorrentSettings } from '../support/libtorrentLeecher.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';
import { makeTrackedTestTorrent, type TrackedTestTorrent } from '../support/testTorrent.js';

/**
 * Message Stream Encryption (MSE/PE) against python3-libtorrent on loopback: its default
 * leecher dials us with an encrypted handshake first, a forced-RC4 leecher insists on RC4, and
 * a forced-RC4 seeder takes only encrypted connections. A few MiB each; every file compared.
 */
describe('MSE with libtorrent', () => {
  let dir: string | undefined;
  let torrent: TrackedTestTorrent | undefined;
  let session: Session | undefined;
  let leecher: LibtorrentLeecher | undefined;
  let seeder: SeederProcess | undefined;

  afterEach(async () => {
    await leecher?.stop();
    await seeder?.stop();
    await session?.close();
    await torrent?.tracker.close();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
    leecher = seeder = session = torrent = dir = undefined;
  });

  /**
   * Our seeder (default policy, `accept`) and a libtorrent leecher with `settings`, which finds
   * us through our tracker or, with `dial`, is told our address by `connect_peer`.
   */
  async function leechFromUs(settings?: LibtorrentSettings, dial = false): Promise<{ connected: TorrentEvent[] }> {
    dir = await mkdtemp(join(tmpdir(), 'st-mse-lt-'));
    torrent = await makeTrackedTestTorrent(dir, { scale: 3, announceOver: 'http' });
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
    leecher = await startLibtorrentLeecher(torrent.torrentPath, join(dir, 'out'), 30_000, settings, dial ? `127.0.0.1:${session.port}` : undefined);
    const payload = await leecher.finished;
    expect(payload).toBeGreaterThanOrEqual(torrent.metainfo.totalLength);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    return { connected };
  }

  /**
   * The encryption of each connection the leecher made to us. Only those: under load our seeder
   * may also dial the leecher it heard of from the tracker (plain, as our default dials), and a
   * slow run may see libtorrent reconnect; neither says anything about what libtorrent chose.
   */
  const incomingModes = (connected: readonly TorrentEvent[]): (string | undefined)[] =>
    connected.flatMap((e) => (e.type === 'peerConnected' && e.source === 'incoming' ? [e.encryption] : []));

  it('a default libtorrent leecher told our address completes the MSE handshake on its first connection (plaintext payload selected)', async () => {
    const { connected } = await leechFromUs(undefined, true);
    // connect_peer marks us as supporting encryption, so libtorrent dials MSE first and would
    // retry plain only after that failed: every connection it made being MSE means no fallback
    expect(new Set(incomingModes(connected))).toEqual(new Set(['mse-plaintext']));
  });

  it('a default libtorrent leecher that found us through the tracker dials plain first (libtorrent 2.0 assumes no MSE)', async () => {
    const { connected } = await leechFromUs();
    expect(new Set(incomingModes(connected))).toEqual(new Set(['none']));
  });

  it('a libtorrent leecher forcing RC4 downloads from us over RC4', async () => {
    const { connected } = await leechFromUs({ out_enc_policy: LT_ENCRYPTION.forced, in_enc_policy: LT_ENCRYPTION.forced, allowed_enc_level: LT_ENCRYPTION.rc4 });
    expect(new Set(incomingModes(connected))).toEqual(new Set(['mse-rc4']));
  });

  it('with encryption "require" we download from a libtorrent seeder that takes only RC4-encrypted peers', async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-mse-lt-'));
    const torrentPath = join(dir, 'content.torrent');
    const metainfo: Metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 16, scale: 3 });
    seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'), 20_000, { in_enc_policy: LT_ENCRYPTION.forced, out_enc_policy: LT_ENCRYPTION.forced, allowed_enc_level: LT_ENCRYPTION.rc4 });
    const s = await Session.start({ port: 0, host: '127.0.0.1', encryption: 'require' });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
    const t = await session.add({ metainfo, downloadDir: join(dir, 'out'), useTrackers: false, peers: [{ ip: '127.0.0.1', port: seeder.port }] });
    if (E.isLeft(t)) throw new Error(t.left);
    const connected = firstValueFrom(t.right.events$.pipe(filter((e) => e.type === 'peerConnected')));
    await t.right.completed;
    expect(await connected).toMatchObject({ encryption: 'mse-rc4' });
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
  });

  it('with the default policy, a seeder that hangs up on our plain handshake (encryption forced) is redialled with MSE after the back-off', async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-mse-lt-'));
    const torrentPath = join(dir, 'content.torrent');
    const metainfo: Metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 16 });
    seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'), 20_000, { in_enc_policy: LT_ENCRYPTION.forced });
    const s = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
    const t = await session.add({ metainfo, downloadDir: join(dir, 'out'), useTrackers: false, peers: [{ ip: '127.0.0.1', port: seeder.port }] });
    if (E.isLeft(t)) throw new Error(t.left);
    const events: TorrentEvent[] = [];
    t.right.events$.subscribe((e) => events.push(e));
    await t.right.completed; // the pool redials a failed peer after 15 s
    expect(events.find((e) => e.type === 'peerClosed')).toBeDefined(); // the plain attempt
    expect(events.filter((e) => e.type === 'peerConnected')).toEqual([expect.objectContaining({ encryption: 'mse-plaintext' })]);
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
  });
});
