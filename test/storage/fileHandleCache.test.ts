import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHandleCache } from '../../src/storage/fileHandleCache.js';

let dir = '';
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-fds-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileHandleCache', () => {
  it('keeps at most `limit` idle handles, closing the least recently used', async () => {
    const cache = new FileHandleCache(3);
    for (let i = 0; i < 10; i++) {
      await cache.use(join(dir, `f${i}`), true, (fh) => fh.write(new Uint8Array([i]), 0, 1, 0));
      expect(cache.size).toBeLessThanOrEqual(3);
    }
    await cache.closeAll();
    expect(cache.size).toBe(0);
    for (let i = 0; i < 10; i++) expect([...(await readFile(join(dir, `f${i}`)))]).toEqual([i]);
  });

  it('never closes a handle under an operation in flight', async () => {
    const cache = new FileHandleCache(1);
    let release: () => void = () => {};
    const gate = new Promise<void>((r) => (release = r));
    const slow = cache.use(join(dir, 'slow'), true, async (fh) => {
      await gate;
      return fh.write(new Uint8Array([7]), 0, 1, 0); // fails with EBADF if closed meanwhile
    });
    await cache.use(join(dir, 'other'), true, (fh) => fh.write(new Uint8Array([1]), 0, 1, 0));
    // Over the limit, the idle handle goes, never the busy one.
    expect(cache.size).toBe(1);
    release();
    await expect(slow).resolves.toMatchObject({ bytesWritten: 1 });
    expect(cache.size).toBe(1);
    await cache.closeAll();
    expect([...(await readFile(join(dir, 'slow')))]).toEqual([7]);
  });

  it('rejects with the system error for a missing file when not creating, and retries later', async () => {
    const cache = new FileHandleCache(2);
    const path = join(dir, 'later');
    await expect(cache.use(path, false, async () => 0)).rejects.toMatchObject({ code: 'ENOENT' });
    await cache.use(path, true, (fh) => fh.write(new Uint8Array([3]), 0, 1, 0));
    expect(await cache.use(path, false, async () => 'ok')).toBe('ok');
    await cache.closeAll();
  });

  it('closeAll flushes and closes every handle even when one fails, and names the file that failed', async () => {
    const cache = new FileHandleCache(8);
    const pipe = join(dir, 'pipe');
    execFileSync('mkfifo', [pipe]); // opens read-write on Linux; its fdatasync fails with EINVAL
    await cache.use(pipe, true, async () => undefined);
    const files = ['a', 'b', 'c'].map((n) => join(dir, n));
    const handles = await Promise.all(files.map((f, i) => cache.use(f, true, async (fh) => (await fh.write(new Uint8Array([i]), 0, 1, 0), fh))));
    expect(await cache.closeAll()).toEqual({ path: pipe, verb: 'flush', cause: expect.objectContaining({ code: 'EINVAL' }) });
    expect(cache.size).toBe(0);
    // every other handle was closed too (a closed FileHandle reports fd -1), with its data
    expect(handles.map((fh) => fh.fd)).toEqual([-1, -1, -1]);
    for (const [i, f] of files.entries()) expect([...(await readFile(f))]).toEqual([i]);
  });

  it('closeAll resolves with nothing when every handle flushed and closed', async () => {
    const cache = new FileHandleCache(2);
    await cache.use(join(dir, 'ok'), true, (fh) => fh.write(new Uint8Array([1]), 0, 1, 0));
    expect(await cache.closeAll()).toBeUndefined();
  });
});
