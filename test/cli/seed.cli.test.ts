import { cp, mkdtemp, rm, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStatorrent } from '../support/cliRunner.js';
import { stopChild } from '../support/childLines.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { jsonLines, spawnStatorrent, waitForStdout, type CliProcess } from './cliProcess.js';

let dir: string;
let torrentPath: string;
const children: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-cli-seed-'));
  await writeSample(join(dir, 'seed', 'content'), awkwardLayout());
  torrentPath = join(dir, 'content.torrent');
  const made = await runStatorrent(['create', join(dir, 'seed', 'content'), '-t', 'http://127.0.0.1:1/announce', '-o', torrentPath, '--piece-length', '32K']);
  if (made.code !== 0) throw new Error(made.stderr);
});
afterAll(async () => {
  for (const c of children) await stopChild(c.child);
  await rm(dir, { recursive: true, force: true });
});

describe('statorrent seed', () => {
  it('refuses incomplete data after the check: exit 1, one line saying how much is there', async () => {
    await cp(join(dir, 'seed'), join(dir, 'partial'), { recursive: true });
    await truncate(join(dir, 'partial', 'content', 'sub', 'deeper', 'c.bin'), 100_000);
    const r = await runStatorrent(['seed', torrentPath, join(dir, 'partial'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--no-trackers']);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const m = /^statorrent seed: only (\d+) of (\d+) pieces \(([\d.]+)%\) of content are in .*; not seeding incomplete data/.exec(lines[0]!);
    expect(m, r.stderr + r.stdout).not.toBeNull();
    expect(Number(m![1])).toBeGreaterThan(0);
    expect(Number(m![1])).toBeLessThan(Number(m![2]));
  });

  it('seed --skip-check serves a download by another statorrent process; Ctrl-C then exits 0', async () => {
    const seed = spawnStatorrent(['seed', torrentPath, join(dir, 'seed'), '--skip-check', '--no-dht', '--port', '0', '--host', '127.0.0.1', '--no-trackers', '--json']);
    children.push(seed);
    const port = Number((await waitForStdout(seed, /"type":"torrent".*"port":(\d+)/, 10_000))[1]);
    const out = join(dir, 'fetched');
    const r = await runStatorrent(['download', torrentPath, '-o', out, '--no-dht', '--port', '0', '--host', '127.0.0.1', '--peer', `127.0.0.1:${port}`, '--no-trackers', '--verbose'], { timeoutMs: 20_000 });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
    // plain verbose text: the peer by client name, pieces one by one, a final line
    expect(r.stdout).toMatch(new RegExp(`peer 127\\.0\\.0\\.1:${port} connected: statorrent`));
    expect(r.stdout).toMatch(/piece \d+ verified \(\d+\/\d+\)/);
    expect(r.stdout).toMatch(/^done: content, .* verified in .*, saved in .*fetched\/content$/m);
    await waitForStdout(seed, /"type":"peerClosed"/, 10_000);
    seed.child.kill('SIGINT');
    const exit = await seed.exited;
    expect(exit.code).toBe(0);
    const lines = jsonLines(seed.stdout());
    expect(lines.map((l) => l['type'])).toContain('seeding');
    expect(lines.at(-1)).toMatchObject({ type: 'exit', code: 0 });
    const uploaded = lines.filter((l) => l['type'] === 'progress').map((l) => l['uploaded'] as number);
    expect(Math.max(...uploaded)).toBeGreaterThanOrEqual(awkwardLayout().reduce((n, f) => n + f.length, 0));
  });

  it('complete data: download exits 0 after the check alone; seed checks it and starts seeding', async () => {
    const d = await runStatorrent(['download', torrentPath, '-o', join(dir, 'seed'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--no-trackers', '--quiet'], { timeoutMs: 10_000 });
    expect(d.code).toBe(0);
    expect(d.stdout).toMatch(/^done: content, 1\.42 MiB verified/);
    const seed = spawnStatorrent(['seed', torrentPath, join(dir, 'seed'), '--no-dht', '--port', '0', '--host', '127.0.0.1', '--no-trackers', '--json']);
    children.push(seed);
    await waitForStdout(seed, /"type":"seeding"/, 10_000);
    expect(jsonLines(seed.stdout()).find((l) => l['type'] === 'checked')).toMatchObject({ verifiedPieces: 46 });
    seed.child.kill('SIGTERM');
    expect((await seed.exited).code).toBe(0);
  });
});
