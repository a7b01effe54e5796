import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PeerReport } from '../../src/cli/peersCommand.js';
import { Session } from '../../src/session/session.js';
import { runStatorrent } from '../support/cliRunner.js';
import { LT_ENCRYPTION } from '../support/libtorrentLeecher.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';

/**
 * `statorrent peers --encryption` against two seeders that take encrypted connections only
 * (RC4 payload): a statorrent session with `require` and libtorrent forcing RC4 both ways. Each
 * connection's mode is read from `--json`'s `encryption`, as `peerConnected` events say it.
 */
describe('statorrent peers --encryption', () => {
  let dir: string;
  let torrentPath: string;
  let session: Session | undefined;
  let libtorrent: SeederProcess | undefined;
  let peerArgs: string[];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-cli-peers-mse-'));
    torrentPath = join(dir, 'content.torrent');
    const metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 15 });
    const started = await Session.start({ host: '127.0.0.1', port: 0, encryption: 'require' });
    if (E.isLeft(started)) throw new Error(started.left);
    session = started.right;
    const added = await session.add({ metainfo, downloadDir: join(dir, 'seed'), skipCheck: true, useTrackers: false });
    if (E.isLeft(added)) throw new Error(added.left);
    await added.right.completed;
    libtorrent = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'), 20_000, { in_enc_policy: LT_ENCRYPTION.forced, out_enc_policy: LT_ENCRYPTION.forced, allowed_enc_level: LT_ENCRYPTION.rc4 });
    peerArgs = ['--no-dht', '--no-trackers', '--peer', `127.0.0.1:${session.port}`, '--peer', `127.0.0.1:${libtorrent.port}`, '--timeout', '5'];
  }, 30_000);
  afterAll(async () => {
    await libtorrent?.stop();
    await session?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const probe = async (extra: string[]): Promise<PeerReport[]> => {
    const r = await runStatorrent(['peers', torrentPath, ...peerArgs, '--json', ...extra]);
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { peers: PeerReport[] }).peers;
  };
  const byPort = (reports: PeerReport[], port: number | undefined): PeerReport | undefined => reports.find((p) => p.port === port);

  it('--encryption require connects to both over MSE with RC4 payload', async () => {
    const peers = await probe(['--encryption', 'require']);
    expect(byPort(peers, session?.port)).toMatchObject({ ok: true, client: expect.stringMatching(/^statorrent/i), encryption: 'mse-rc4', error: null });
    expect(byPort(peers, libtorrent?.port)).toMatchObject({ ok: true, client: expect.stringMatching(/^libtorrent/i), encryption: 'mse-rc4', error: null });
  });

  it('the default (accept) dials plain, and retries the peers that hang up on that with MSE', async () => {
    const peers = await probe([]);
    expect(peers.map((p) => [p.ok, p.encryption])).toEqual([
      [true, 'mse-rc4'],
      [true, 'mse-rc4'],
    ]);
  });

  it('--encryption off reaches neither; text rows say how a peer was reached', async () => {
    const off = await probe(['--encryption', 'off']);
    expect(off).toEqual([expect.objectContaining({ ok: false, encryption: null }), expect.objectContaining({ ok: false, encryption: null })]);
    const text = await runStatorrent(['peers', torrentPath, ...peerArgs, '--encryption', 'require']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(new RegExp(`^  127\\.0\\.0\\.1:${libtorrent!.port} +libtorrent\\S* [^\\n]*has all +extensions: \\S+  encrypted \\(MSE, RC4\\)$`, 'm'));
  });

  it('a bad mode is a usage error (exit 2) naming the choices, before anything is dialled', async () => {
    const r = await runStatorrent(['peers', torrentPath, ...peerArgs, '--encryption', 'rc4']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe('statorrent peers: --encryption "rc4": use accept, require or off (see statorrent peers --help)\n');
  });

  it('--help lists --encryption MODE with its default', async () => {
    const r = await runStatorrent(['peers', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^ {2}--encryption MODE +encrypted connections \(MSE\/PE\): accept \(default: /m);
  });
});
