import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { encode } from '../../src/bencode/index.js';
import { parseMetainfo } from '../../src/metainfo/index.js';
import type { MetainfoJson } from '../../src/cli/metainfoReport.js';
import { runStatorrent } from '../support/cliRunner.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-cli-'));
  await mkdir(join(dir, 'content', 'sub'), { recursive: true });
  await writeFile(join(dir, 'content', 'one.bin'), Buffer.alloc(70_000, 1));
  await writeFile(join(dir, 'content', 'sub', 'two.bin'), Buffer.alloc(30_000, 2));
  await writeFile(join(dir, 'content', 'sub', 'zero'), '');
  await writeFile(join(dir, 'garbage.torrent'), 'this is not a torrent');
  await writeFile(
    join(dir, 'negative.torrent'),
    encode({ info: { length: -1, name: 'x', 'piece length': 0, pieces: new Uint8Array(20) } }),
  );
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** stderr must be exactly one line, starting with the command. */
const oneLine = (stderr: string, prefix: string): string => {
  const lines = stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.startsWith(prefix)).toBe(true);
  expect(stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  return lines[0]!;
};

describe('statorrent (general)', () => {
  it('--help lists the commands and exits 0', async () => {
    const r = await runStatorrent(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['info', 'create', 'demo']) expect(r.stdout).toMatch(new RegExp(`^  ${c} `, 'm'));
  });

  it('no command is a usage error (exit 2)', async () => {
    const r = await runStatorrent([]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('usage: statorrent <command>');
  });

  it('an unknown command is a one-line usage error (exit 2)', async () => {
    const r = await runStatorrent(['frobnicate']);
    expect(r.code).toBe(2);
    expect(oneLine(r.stderr, 'statorrent:')).toContain("unknown command 'frobnicate'");
  });

});

describe('statorrent info', () => {
  it('a missing file: exit 1, one line', async () => {
    const r = await runStatorrent(['info', join(dir, 'missing.torrent')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr, 'statorrent info:')).toBe(`statorrent info: ${join(dir, 'missing.torrent')}: no such file`);
    expect(r.stdout).toBe('');
  });

  it('a malformed torrent: exit 1, one line naming the problem', async () => {
    const r = await runStatorrent(['info', join(dir, 'garbage.torrent')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr, 'statorrent info:')).toMatch(/invalid torrent: not bencode: unexpected byte 0x74 at byte 0/);
  });

  it('a torrent with bad fields: one line, and the full tree with --verbose', async () => {
    const r = await runStatorrent(['info', join(dir, 'negative.torrent')]);
    expect(r.code).toBe(1);
    expect(oneLine(r.stderr, 'statorrent info:')).toMatch(/info > piece length: expected a positive integer, got 0 \(and 1 more problem\)/);
    const v = await runStatorrent(['info', '--verbose', join(dir, 'negative.torrent')]);
    expect(v.code).toBe(1);
    expect(v.stderr).toMatch(/required key "info"\n(.*\n)*└─ optional key "length"\n\s+└─ expected a non-negative integer, got -1/);
  });

});

describe('statorrent create + info --json', () => {
  it('creates a torrent with tiers, then info --json reports it', async () => {
    const out = join(dir, 'made.torrent');
    const c = await runStatorrent([
      'create', join(dir, 'content'),
      '-t', 'http://127.0.0.1:1/announce,http://127.0.0.1:2/announce',
      '-t', 'udp://127.0.0.1:3',
      '-o', out, '--piece-length', '32K', '--private', '--comment', 'hello', '--web-seed', 'http://127.0.0.1:4/',
    ]);
    expect(c.code).toBe(0);
    expect(c.stdout).toContain(`created ${out}`);
    // Not a TTY: plain progress lines, ending at 100%.
    expect(c.stderr.trim().split('\n').at(-1)).toMatch(/^hashing: 100% /);
    const parsed = parseMetainfo(new Uint8Array(await readFile(out)));
    if (E.isLeft(parsed)) throw new Error(parsed.left.message);

    const r = await runStatorrent(['info', '--json', out]);
    expect(r.code).toBe(0);
    const j = JSON.parse(r.stdout) as MetainfoJson;
    expect(Object.keys(j).sort()).toEqual(
      ['announceList', 'comment', 'createdBy', 'creationDate', 'files', 'infoHash', 'magnet', 'multiFile', 'name', 'pieceCount', 'pieceLength', 'private', 'totalLength', 'urlList'].sort(),
    );
    expect(j.infoHash).toBe(parsed.right.infoHashHex);
    expect(j.infoHash).toMatch(/^[0-9a-f]{40}$/);
    expect(j.name).toBe('content');
    expect(j.announceList).toEqual([['http://127.0.0.1:1/announce', 'http://127.0.0.1:2/announce'], ['udp://127.0.0.1:3']]);
    expect(j.urlList).toEqual(['http://127.0.0.1:4/']);
    expect(j.private).toBe(true);
    expect(j.comment).toBe('hello');
    expect(j.createdBy).toMatch(/^statorrent\//);
    expect(j.pieceLength).toBe(32768);
    expect(j.pieceCount).toBe(4);
    expect(j.totalLength).toBe(100_000);
    expect(j.files).toEqual([
      { path: ['content', 'one.bin'], length: 70_000, offset: 0, padding: false },
      { path: ['content', 'sub', 'two.bin'], length: 30_000, offset: 70_000, padding: false },
      { path: ['content', 'sub', 'zero'], length: 0, offset: 100_000, padding: false },
    ]);

    const text = await runStatorrent(['info', out]);
    expect(text.code).toBe(0);
    expect(text.stdout).toContain(`info hash:     ${j.infoHash}`);
    expect(text.stdout).toContain('tier 2: udp://127.0.0.1:3');
    expect(text.stdout).toContain('total size:    97.7 KiB (100000 bytes)');
    // the magnet link names the same torrent, its trackers (tiers flattened) and web seed
    const magnet = `magnet:?xt=urn:btih:${j.infoHash}&dn=content&tr=${encodeURIComponent('http://127.0.0.1:1/announce')}&tr=${encodeURIComponent('http://127.0.0.1:2/announce')}&tr=${encodeURIComponent('udp://127.0.0.1:3')}&ws=${encodeURIComponent('http://127.0.0.1:4/')}`;
    expect(j.magnet).toBe(magnet);
    expect(text.stdout).toContain(`magnet:        ${magnet}`);
    expect(c.stdout).toContain(`  magnet:     ${magnet}`);

  });

  it('demo runs a local swarm (tracker, seeder, 2 leechers) and verifies identical files', async () => {
    const r = await runStatorrent(['demo', '--size-mib', '4', '--leechers', '2'], { timeoutMs: 60_000 });
    expect(r.stderr.replace(/^hashing.*\n/gm, '')).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/info hash [0-9a-f]{40}/);
    expect(r.stdout).toMatch(/tracker: statorrent's own, at http:\/\/127\.0\.0\.1:\d+\/announce/);
    expect(r.stdout).toMatch(/all 2 leechers complete in [\d.]+ s/);
    expect(r.stdout).toMatch(/^  leecher 1 +4(\.\d+)? MiB/m); // 4 MiB, plus any endgame duplicates
    expect(r.stdout).toMatch(/^  leecher 2 +4(\.\d+)? MiB/m);
    expect(r.stdout).toContain("verified: every leecher's 7 files are byte-identical to the source");
  });
});
