import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runCli } from '../../src/cli/runCli.js';
import type { CliIo } from '../../src/cli/cliIo.js';

/** The CLI in-process (the dispatch and commands, without the node start-up of cli.test.ts). */
const cli = async (args: string[]): Promise<{ code: number; out: string; err: string }> => {
  let out = '';
  let err = '';
  const io: CliIo = { out: { write: (s: string) => (out += s) }, err: { write: (s: string) => (err += s) } };
  const code = await runCli(args, io);
  return { code, out, err };
};

const oneLine = (err: string, prefix: string): string => {
  const lines = err.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]!.startsWith(prefix)).toBe(true);
  return lines[0]!;
};

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-runcli-'));
  await mkdir(join(dir, 'content'));
  await writeFile(join(dir, 'content', 'f.bin'), Buffer.alloc(50_000, 7));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('runCli', () => {
  it('per-command help, both spellings, and --version', async () => {
    for (const args of [['info', '--help'], ['help', 'create'], ['create', '-h'], ['demo', '--help']]) {
      const r = await cli(args);
      expect(r.code).toBe(0);
      expect(r.out).toMatch(/^usage: statorrent (info|create|demo)/);
    }
    const v = await cli(['--version']);
    expect(v.out).toMatch(/^\d+\.\d+\.\d+\n$/);
  });

  it('info: bad arguments are one-line usage errors (exit 2)', async () => {
    const unknown = await cli(['info', '--bogus', 'x.torrent']);
    expect(unknown.code).toBe(2);
    expect(oneLine(unknown.err, 'statorrent info:')).toMatch(/Unknown option '--bogus'/);
    for (const args of [['info'], ['info', 'a', 'b'], ['info', '--json=3', 'x']]) {
      const r = await cli(args);
      expect(r.code).toBe(2);
      oneLine(r.err, 'statorrent info:');
    }
  });

  it('create: usage errors exit 2, runtime errors exit 1, one line each', async () => {
    const badSize = await cli(['create', join(dir, 'content'), '--piece-length', 'huge']);
    expect(badSize.code).toBe(2);
    expect(oneLine(badSize.err, 'statorrent create:')).toContain('--piece-length "huge" is not a size');
    const noPath = await cli(['create']);
    expect(noPath.code).toBe(2);
    const notMultiple = await cli(['create', join(dir, 'content'), '--piece-length', '1000', '-o', join(dir, 'x.torrent')]);
    expect(notMultiple.code).toBe(1);
    expect(oneLine(notMultiple.err, 'statorrent create:')).toContain('multiple of 16384');
    const missing = await cli(['create', join(dir, 'nope'), '-o', join(dir, 'y.torrent')]);
    expect(missing.code).toBe(1);
    expect(oneLine(missing.err, 'statorrent create:')).toContain('no such file or folder');
  });

  it('create refuses to overwrite without --force', async () => {
    const out = join(dir, 'once.torrent');
    expect((await cli(['create', join(dir, 'content'), '-o', out])).code).toBe(0);
    const again = await cli(['create', join(dir, 'content'), '-o', out]);
    expect(again.code).toBe(1);
    expect(oneLine(again.err.replace(/^hashing.*\n/gm, ''), 'statorrent create:')).toContain('already exists (use --force to overwrite)');
    expect((await cli(['create', join(dir, 'content'), '-o', out, '--force'])).code).toBe(0);
  });

  it('an exception inside a command is one line, exit 1, no stack', async () => {
    const boom = { name: 'boom', summary: 'x', run: async (): Promise<number> => { throw new Error('kaput'); } };
    let err = '';
    const code = await runCli(['boom'], { out: { write: () => true }, err: { write: (s: string) => (err += s) } }, [boom]);
    expect(code).toBe(1);
    expect(err).toBe('statorrent boom: internal error: kaput\n');
  });
});
