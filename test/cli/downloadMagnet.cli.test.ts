import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatMagnet } from '../../src/magnet/index.js';
import { loadMetainfo } from '../../src/metainfo/loadMetainfo.js';
import type { Metainfo } from '../../src/metainfo/index.js';
import { runStatorrent } from '../support/cliRunner.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';
import { jsonLines } from './cliProcess.js';

let dir: string;
let seeder: SeederProcess | undefined;
let metainfo: Metainfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-cli-magnet-'));
  const torrentPath = join(dir, 'content.torrent');
  metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 15 });
  seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'));
});
afterAll(async () => {
  await seeder?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("statorrent download 'magnet:?…'", () => {
  it('fetches the metadata from the --peer, saves <name>.torrent, downloads; a second run uses the saved file', async () => {
    const out = join(dir, 'out');
    const magnet = formatMagnet({ infoHashHex: metainfo.infoHashHex, name: metainfo.name });
    const args = ['download', magnet, '-o', out, '--port', '0', '--host', '127.0.0.1', '--peer', `127.0.0.1:${seeder!.port}`, '--no-trackers', '--no-dht', '--json'];
    const r = await runStatorrent(args, { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    const lines = jsonLines(r.stdout);
    expect(lines[0]).toMatchObject({ type: 'magnet', infoHash: metainfo.infoHashHex, name: 'content' });
    expect(lines.find((l) => l['type'] === 'metadataFetched')).toMatchObject({ torrentPath: join(out, 'content.torrent') });
    expect(lines.find((l) => l['type'] === 'torrent')).toMatchObject({ infoHash: metainfo.infoHashHex, pieceCount: metainfo.pieceCount });
    expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 0, reason: 'complete' });
    const saved = await loadMetainfo(join(out, 'content.torrent'))();
    expect(E.isRight(saved) && saved.right.infoHashHex).toBe(metainfo.infoHashHex);

    // again: the saved .torrent is found, nothing is fetched, the data checks complete
    const again = await runStatorrent(args, { timeoutMs: 20_000 });
    expect(again.code).toBe(0);
    const second = jsonLines(again.stdout);
    expect(second[0]).toMatchObject({ type: 'torrent', infoHash: metainfo.infoHashHex });
    expect(second.some((l) => l['type'] === 'magnet' || l['type'] === 'metadataFetched')).toBe(false);
    expect(second.find((l) => l['type'] === 'checked')).toMatchObject({ verifiedPieces: metainfo.pieceCount });
  });

  it("peers 'magnet:?…' probes the link's x.pe peers (no piece count yet: have-all reads as all)", async () => {
    const magnet = formatMagnet({ infoHashHex: metainfo.infoHashHex, name: metainfo.name, peers: [{ ip: '127.0.0.1', port: seeder!.port }] });
    const r = await runStatorrent(['peers', magnet, '--no-trackers', '--no-dht', '--json'], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout) as { infoHash: string; pieceCount: number | null; peers: { port: number; ok: boolean; availability: string; pieceCount: number | null }[] };
    expect(doc).toMatchObject({ infoHash: metainfo.infoHashHex, pieceCount: null });
    expect(doc.peers).toEqual([expect.objectContaining({ port: seeder!.port, ok: true, availability: 'all', pieceCount: null })]);
  });

  it('refuses a v2-only link with a clear message', async () => {
    const r = await runStatorrent(['download', `magnet:?xt=urn:btmh:1220${'ab'.repeat(32)}`, '-o', join(dir, 'v2'), '--port', '0', '--no-trackers', '--no-dht']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^statorrent download: .*v2/m);
  });
});
