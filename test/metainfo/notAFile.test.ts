import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { loadMetainfo } from '../../src/metainfo/index.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-notafile-'));
  execFileSync('mkfifo', [join(dir, 'pipe.torrent')]);
  await mkdir(join(dir, 'folder.torrent'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const refusal = async (path: string): Promise<string> => {
  const r = await loadMetainfo(path)();
  if (E.isRight(r)) throw new Error('loaded');
  expect(r.left._tag).toBe('SourceError');
  expect(r.left.code).toBe('read-failed');
  expect(r.left.message).not.toContain('\n');
  return r.left.message;
};

describe('a .torrent path that is not a regular file is refused, never read', () => {
  it('a named pipe with no writer (opening it for reading would block forever)', async () => {
    const path = join(dir, 'pipe.torrent');
    expect(await refusal(path)).toBe(`${path}: a named pipe, not a regular file (a .torrent must be a file)`);
  });
  it('a folder', async () => {
    expect(await refusal(join(dir, 'folder.torrent'))).toMatch(/folder\.torrent: a folder, not a regular file/);
  });
  it.runIf(existsSync('/dev/zero'))('a device that never ends', async () => {
    expect(await refusal('/dev/zero')).toBe('/dev/zero: a device, not a regular file (a .torrent must be a file)');
  });
});
