import { mkdtemp, open, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DiskWriter } from '../../src/storage/diskWriter.js';

const filled = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 31 + seed) & 0xff);

describe('DiskWriter', () => {
  const writer = new DiskWriter();
  afterAll(() => writer.close());

  it('writes every part where it belongs, a block split over two files included, and gives the blocks back intact', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const a = await open(join(dir, 'a'), 'w+');
      const b = await open(join(dir, 'b'), 'w+');
      const one = filled(16384, 1);
      const two = filled(16384, 2);
      const out = await writer.write([
        { fd: a.fd, position: 100, view: one },
        { fd: a.fd, position: 100 + 16384, view: two.subarray(0, 5000) },
        { fd: b.fd, position: 0, view: two.subarray(5000) },
      ]);
      expect(out.error).toBeUndefined();
      expect(one.byteLength).toBe(0); // moved to the worker while it wrote
      expect(out.views.map((v) => v.length)).toEqual([16384, 5000, 16384 - 5000]);
      expect(out.views[1]!.buffer).toBe(out.views[2]!.buffer); // one block, one buffer
      expect(out.views[0]).toEqual(filled(16384, 1));
      await a.close();
      await b.close();
      const fileA = await readFile(join(dir, 'a'));
      expect(fileA.subarray(100, 100 + 16384)).toEqual(Buffer.from(filled(16384, 1)));
      expect(fileA.subarray(100 + 16384)).toEqual(Buffer.from(filled(16384, 2).subarray(0, 5000)));
      expect(await readFile(join(dir, 'b'))).toEqual(Buffer.from(filled(16384, 2).subarray(5000)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('reports the system error and which part failed; the parts before it are written', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'st-writer-'));
    try {
      const ok = await open(join(dir, 'ok'), 'w+');
      const readOnly = await open(join(dir, 'ok'), 'r');
      const out = await writer.write([
        { fd: ok.fd, position: 0, view: filled(1000, 3) },
        { fd: readOnly.fd, position: 0, view: filled(1000, 4) },
        { fd: ok.fd, position: 1000, view: filled(1000, 5) },
      ]);
      expect(out).toMatchObject({ error: 'EBADF', failed: 1 });
      expect(out.views).toHaveLength(3);
      await ok.close();
      await readOnly.close();
      expect(await readFile(join(dir, 'ok'))).toEqual(Buffer.from(filled(1000, 3)));
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('after close, a write is refused with its blocks untouched', async () => {
    const closed = new DiskWriter();
    await closed.close();
    const view = filled(10, 6);
    expect(await closed.write([{ fd: 1, position: 0, view }])).toMatchObject({ error: 'disk writer closed', views: [view] });
    expect(view.length).toBe(10);
  });
});
