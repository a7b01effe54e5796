import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { MetainfoJson } from '../../src/cli/metainfoReport.js';
import { runStatorrent } from '../support/cliRunner.js';
import { libtorrentCheck, mktorrent, transmissionCreate, transmissionShowInfoHash } from '../support/thirdPartyTools.js';

const ANNOUNCE = 'http://127.0.0.1:1/announce';
let dir: string;

/** Deterministic, non-repeating-looking bytes (so a wrong piece boundary changes hashes). */
const bytes = (n: number, seed: number): Buffer => {
  const b = Buffer.alloc(n);
  let x = seed * 2654435761 >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    x ^= x << 13; x >>>= 0; x ^= x >>> 17; x ^= x << 5; x >>>= 0;
    b[i] = x & 0xff;
  }
  return b;
};

const infoJson = async (torrent: string): Promise<MetainfoJson> => {
  const r = await runStatorrent(['info', '--json', torrent]);
  if (r.code !== 0) throw new Error(`statorrent info failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as MetainfoJson;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-interop-'));
  await mkdir(join(dir, 'data', 'folder', 'nested', 'deeper'), { recursive: true });
  await mkdir(join(dir, 'data', 'folder', 'other'), { recursive: true });
  await writeFile(join(dir, 'data', 'single.bin'), bytes(1_300_001, 1));
  await writeFile(join(dir, 'data', 'folder', 'top.bin'), bytes(400_000, 2));
  await writeFile(join(dir, 'data', 'folder', 'empty-top'), '');
  await writeFile(join(dir, 'data', 'folder', 'nested', 'mid.bin'), bytes(123_457, 3));
  await writeFile(join(dir, 'data', 'folder', 'nested', 'deeper', 'leaf.bin'), bytes(77_777, 4));
  await writeFile(join(dir, 'data', 'folder', 'nested', 'deeper', 'empty-leaf'), '');
  await writeFile(join(dir, 'data', 'folder', 'other', 'z.txt'), bytes(5_000, 5));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const targets = [
  { label: 'single file', path: () => join(dir, 'data', 'single.bin'), multi: false },
  { label: 'nested folder with empty files', path: () => join(dir, 'data', 'folder'), multi: true },
] as const;

describe('torrents made by other tools: statorrent info agrees with transmission-show', () => {
  for (const t of targets) {
    it(`mktorrent, ${t.label}`, async () => {
      const out = join(dir, `mk-${t.multi ? 'multi' : 'single'}.torrent`);
      await mktorrent(t.path(), out, { announce: ANNOUNCE, pieceLengthLog2: 16 });
      const j = await infoJson(out);
      expect(j.infoHash).toBe(await transmissionShowInfoHash(out));
      expect(j.multiFile).toBe(t.multi);
      expect(j.totalLength).toBe(t.multi ? 400_000 + 123_457 + 77_777 + 5_000 : 1_300_001);
      if (t.multi) expect(j.files.filter((f) => f.length === 0).map((f) => f.path.join('/'))).toEqual(['folder/empty-top', 'folder/nested/deeper/empty-leaf']);
      expect(j.announceList).toEqual([[ANNOUNCE]]);
    });

    it(`transmission-create, ${t.label}`, async () => {
      const out = join(dir, `tr-${t.multi ? 'multi' : 'single'}.torrent`);
      await transmissionCreate(t.path(), out, { tracker: ANNOUNCE, pieceKiB: 32 });
      const j = await infoJson(out);
      expect(j.infoHash).toBe(await transmissionShowInfoHash(out));
      expect(j.pieceLength).toBe(32768);
      expect(j.createdBy).toMatch(/^Transmission\//);
    });
  }
});

describe('torrents made by statorrent create are accepted by transmission and libtorrent', () => {
  for (const t of targets) {
    it(`${t.label}: same info hash, every piece verified by libtorrent`, async () => {
      const out = join(dir, `ours-${t.multi ? 'multi' : 'single'}.torrent`);
      const c = await runStatorrent(['create', t.path(), '-t', ANNOUNCE, '-o', out, ...(t.multi ? ['--piece-length', '16K'] : [])]);
      expect(c.code, c.stderr).toBe(0);
      const ours = await infoJson(out);
      expect(await transmissionShowInfoHash(out)).toBe(ours.infoHash);

      const lt = await libtorrentCheck(out, join(dir, 'data'));
      expect(lt.infoHash).toBe(ours.infoHash);
      expect(lt.checked).toBe(true);
      expect(lt.numPieces).toBe(ours.pieceCount);
      expect(lt.have).toBe(lt.numPieces);
      expect(lt.files).toEqual(ours.files.map((f) => f.path.join('/')));
    });
  }

  it('libtorrent verifies no piece when the data differs (the check is real)', async () => {
    const out = join(dir, 'ours-for-wrong-data.torrent');
    expect((await runStatorrent(['create', join(dir, 'data', 'single.bin'), '-o', out])).code).toBe(0);
    const elsewhere = join(dir, 'wrong');
    await mkdir(elsewhere, { recursive: true });
    await writeFile(join(elsewhere, 'single.bin'), bytes(1_300_001, 99));
    const lt = await libtorrentCheck(out, elsewhere);
    expect(lt.checked).toBe(true);
    expect(lt.have).toBe(0);
  });
});
