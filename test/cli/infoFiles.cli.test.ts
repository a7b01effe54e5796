import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { encode } from '../../src/bencode/index.js';
import { runStatorrent } from '../support/cliRunner.js';

let dir: string;
let big: string;
let bigSize = 0;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-info-files-'));
  execFileSync('mkfifo', [join(dir, 'pipe.torrent')]);
  // a valid torrent just over 10 MB: 525,000 piece hashes
  const pieces = 525_000;
  const bytes = encode({ info: { length: pieces * 16384, name: 'big.bin', 'piece length': 16384, pieces: new Uint8Array(pieces * 20) } });
  bigSize = bytes.length;
  big = join(dir, 'big.torrent');
  await writeFile(big, bytes);
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('statorrent info on files that are not ordinary torrents', () => {
  it('a named pipe fails at once with one line, instead of waiting for a writer', async () => {
    const path = join(dir, 'pipe.torrent');
    const r = await runStatorrent(['info', path], { timeoutMs: 15_000 });
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`statorrent info: ${path}: a named pipe, not a regular file (a .torrent must be a file)\n`);
    expect(r.stdout).toBe('');
  });

  it('a folder fails with one line', async () => {
    const r = await runStatorrent(['info', dir]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe(`statorrent info: ${dir}: a folder, not a regular file (a .torrent must be a file)\n`);
  });

  it('a torrent over 10 MB is refused with a hint, and read with --max-torrent-size', async () => {
    const refused = await runStatorrent(['info', big]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toBe(
      `statorrent info: ${big}: ${bigSize} bytes is more than the 10000000-byte limit for a .torrent (raise it with --max-torrent-size)\n`,
    );
    const read = await runStatorrent(['info', '--json', '--max-torrent-size', '20MB', big]);
    expect(read.code).toBe(0);
    expect((JSON.parse(read.stdout) as { pieceCount: number }).pieceCount).toBe(525_000);
  });

  it('an unreadable --max-torrent-size is a usage error', async () => {
    const r = await runStatorrent(['info', '--max-torrent-size', 'lots', big]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--max-torrent-size: "lots" is not a size/);
  });
});
