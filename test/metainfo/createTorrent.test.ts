import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { lastValueFrom, toArray } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import {
  choosePieceLength,
  createTorrent,
  createTorrentTask,
  parseMetainfo,
  type CreateError,
  type CreateTorrentEvent,
} from '../../src/metainfo/index.js';
import { decode, encode } from '../../src/bencode/index.js';

let dir: string;

/** Deterministic bytes so piece boundaries fall at known places. */
const pattern = (n: number, seed: number): Buffer => {
  const b = Buffer.alloc(n);
  for (let i = 0; i < n; i++) b[i] = (i * 31 + seed * 7) & 0xff;
  return b;
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-create-'));
  await mkdir(join(dir, 'content', 'sub', 'deeper'), { recursive: true });
  await writeFile(join(dir, 'content', 'b.bin'), pattern(50_000, 1));
  await writeFile(join(dir, 'content', 'a.bin'), pattern(20_000, 2));
  await writeFile(join(dir, 'content', 'sub', 'empty'), '');
  await writeFile(join(dir, 'content', 'sub', 'deeper', 'c.txt'), pattern(30_001, 3));
  await writeFile(join(dir, 'single.bin'), pattern(100_000, 4));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const run = (o: Parameters<typeof createTorrent>[0]): Promise<CreateTorrentEvent[]> => lastValueFrom(createTorrent(o).pipe(toArray()));

describe('createTorrent', () => {
  it('hashes pieces across file boundaries in sorted order and emits canonical bencode', async () => {
    const events = await run({
      path: join(dir, 'content'),
      trackers: [['http://127.0.0.1:1/a', 'http://127.0.0.1:2/a'], ['udp://127.0.0.1:3']],
      pieceLength: 16384,
      private: true,
      comment: 'test',
      webSeeds: ['http://127.0.0.1:4/ws/'],
      creationDate: 1_700_000_000,
    });
    const done = events.at(-1)!;
    if (done.type !== 'done') throw new Error('no done event');
    const m = done.metainfo;
    expect(m.files.map((f) => f.path.join('/'))).toEqual(['content/a.bin', 'content/b.bin', 'content/sub/deeper/c.txt', 'content/sub/empty']);
    // Expected hashes from the concatenation in that order.
    const all = Buffer.concat([pattern(20_000, 2), pattern(50_000, 1), pattern(30_001, 3)]);
    const expected: Buffer[] = [];
    for (let o = 0; o < all.length; o += 16384) expected.push(createHash('sha1').update(all.subarray(o, o + 16384)).digest());
    expect(Buffer.from(m.pieces).equals(Buffer.concat(expected))).toBe(true);
    expect(m.pieceCount).toBe(Math.ceil(100_001 / 16384));
    expect(m.announceList).toEqual([['http://127.0.0.1:1/a', 'http://127.0.0.1:2/a'], ['udp://127.0.0.1:3']]);
    expect(m.private).toBe(true);
    expect(m.comment).toBe('test');
    expect(m.urlList).toEqual(['http://127.0.0.1:4/ws/']);
    expect(m.createdBy).toMatch(/^statorrent\/\d+\.\d+\.\d+/);
    expect(m.creationDate).toBe(1_700_000_000);
    // Canonical: re-encoding the decoded value gives the same bytes.
    const value = decode(done.torrent);
    if (E.isLeft(value)) throw new Error(value.left.message);
    expect(Buffer.from(encode(value.right)).equals(Buffer.from(done.torrent))).toBe(true);
  });

  it('progress is monotonic and completes at the total size', async () => {
    const events = await run({ path: join(dir, 'single.bin'), trackers: [], creationDate: null });
    const progress = events.filter((e) => e.type === 'progress');
    expect(progress.length).toBeGreaterThan(0);
    for (let i = 1; i < progress.length; i++) expect(progress[i]!.bytesHashed).toBeGreaterThanOrEqual(progress[i - 1]!.bytesHashed);
    expect(progress.at(-1)!.bytesHashed).toBe(100_000);
    expect(progress.every((p) => p.totalBytes === 100_000)).toBe(true);
    expect(events.at(-1)!.type).toBe('done');
  });

  it('reports progress chunk by chunk on larger content', async () => {
    await writeFile(join(dir, 'big.bin'), pattern(3 * 1024 * 1024 + 5, 9));
    const events = await run({ path: join(dir, 'big.bin') });
    const progress = events.filter((e) => e.type === 'progress').map((e) => e.bytesHashed);
    expect(progress).toEqual([1048576, 2097152, 3145728, 3145733]);
    const done = events.at(-1)!;
    if (done.type !== 'done') throw new Error('no done');
    expect(done.metainfo.multiFile).toBe(false);
    expect(done.metainfo.creationDate).toBeGreaterThan(1_700_000_000);
    await rm(join(dir, 'big.bin'));
  });

  it('chooses 16 KiB..16 MiB power-of-two piece lengths giving at most 2000 pieces', () => {
    expect(choosePieceLength(1)).toBe(16384);
    expect(choosePieceLength(2000 * 16384)).toBe(16384);
    expect(choosePieceLength(2000 * 16384 + 1)).toBe(32768);
    expect(choosePieceLength(1024 ** 3)).toBe(1024 * 1024);
    expect(Math.ceil(1024 ** 3 / choosePieceLength(1024 ** 3))).toBe(1024);
    expect(choosePieceLength(10 * 1024 ** 4)).toBe(16 * 1024 * 1024);
  });

  it('follows symlinks to files and folders', async () => {
    const root = join(dir, 'linked');
    await mkdir(root);
    await symlink(join(dir, 'single.bin'), join(root, 'link.bin'));
    await symlink(join(dir, 'content', 'sub'), join(root, 'sublink'));
    const r = await createTorrentTask({ path: root })();
    if (E.isLeft(r)) throw new Error(r.left.message);
    expect(r.right.metainfo.files.map((f) => f.path.join('/'))).toEqual(['linked/link.bin', 'linked/sublink/deeper/c.txt', 'linked/sublink/empty']);
    await rm(root, { recursive: true });
  });

  const failsWith = async (o: Parameters<typeof createTorrent>[0], code: CreateError['code'], message: RegExp): Promise<void> => {
    const r = await createTorrentTask(o)();
    if (E.isRight(r)) throw new Error('created');
    expect(r.left.code).toBe(code);
    expect(r.left.message).toMatch(message);
  };

  it('fails with specific errors instead of skipping anything', async () => {
    await failsWith({ path: join(dir, 'nope') }, 'not-found', /nope: no such file or folder/);
    await failsWith({ path: join(dir, 'single.bin'), pieceLength: 1000 }, 'bad-option', /multiple of 16384/);
    await failsWith({ path: join(dir, 'single.bin'), trackers: [['ftp://x']] }, 'bad-option', /tracker "ftp:\/\/x"/);
    await failsWith({ path: join(dir, 'single.bin'), webSeeds: ['file:///etc'] }, 'bad-option', /web seed "file:\/\/\/etc"/);
    await mkdir(join(dir, 'emptydir', 'inner'), { recursive: true });
    await failsWith({ path: join(dir, 'emptydir') }, 'empty', /holds no files/);
    await writeFile(join(dir, 'emptydir', 'inner', 'zero'), '');
    await failsWith({ path: join(dir, 'emptydir') }, 'empty', /all files are empty/);
    const loop = join(dir, 'loop');
    await mkdir(join(loop, 'x'), { recursive: true });
    await symlink(loop, join(loop, 'x', 'back'));
    await writeFile(join(loop, 'f'), 'data');
    await failsWith({ path: loop }, 'symlink-loop', /loops back/);
    const dangling = join(dir, 'dangling');
    await mkdir(dangling);
    await symlink(join(dir, 'missing-target'), join(dangling, 'd'));
    await failsWith({ path: dangling }, 'unsupported-file', /dangling symlink/);
  });

  it('output parses back to the same info hash', async () => {
    const r = await createTorrentTask({ path: join(dir, 'content'), trackers: [['http://127.0.0.1:1/a']] })();
    if (E.isLeft(r)) throw new Error(r.left.message);
    const again = parseMetainfo(new Uint8Array(await readFile(join(dir, 'content', 'a.bin'))));
    expect(E.isLeft(again)).toBe(true);
    const p = parseMetainfo(r.right.torrent);
    if (E.isLeft(p)) throw new Error(p.left.message);
    expect(p.right.infoHashHex).toBe(r.right.metainfo.infoHashHex);
    expect(p.right.announceList).toEqual([['http://127.0.0.1:1/a']]);
  });
});
