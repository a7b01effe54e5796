import { createWriteStream } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LineWriter } from '../../src/trace/lineWriter.js';

describe('LineWriter', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-linewriter-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every line, in order, when the disk keeps up', async () => {
    const path = join(dir, 'all.jsonl');
    const stream = createWriteStream(path);
    const w = new LineWriter(stream, (n) => `dropped ${n}`, { chunkChars: 500 });
    for (let i = 0; i < 300; i++) {
      w.write(`line ${i}`);
      if (i % 50 === 0) await new Promise<void>((resolve) => stream.write('', () => resolve()));
    }
    await w.close('last');
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines).toEqual([...Array.from({ length: 300 }, (_, i) => `line ${i}`), 'last']);
    expect(w.dropped).toBe(0);
  });

  it('bounds memory: drops lines when the disk falls behind, then says how many', async () => {
    const path = join(dir, 'bounded.jsonl');
    const stream = createWriteStream(path);
    const w = new LineWriter(stream, (n) => `dropped ${n}`, { chunkChars: 1_000, maxPendingChars: 10_000 });
    const line = 'x'.repeat(99);
    // a synchronous burst: nothing reaches the disk meanwhile
    let accepted = 0;
    for (let i = 0; i < 1_000; i++) if (w.write(line)) accepted++;
    expect(accepted).toBeLessThan(110);
    expect(w.dropped).toBe(1_000 - accepted);
    expect(stream.writableLength).toBeLessThanOrEqual(10_000);
    // once the stream has written what it had, lines are taken again, after a note of the gap
    await new Promise<void>((resolve) => stream.write('', () => resolve()));
    expect(w.write('after')).toBe(true);
    await w.close();
    const lines = (await readFile(path, 'utf8')).trim().split('\n');
    expect(lines.filter((l) => l === line)).toHaveLength(accepted);
    expect(lines.slice(-2)).toEqual([`dropped ${1_000 - accepted}`, 'after']);
  });
});
