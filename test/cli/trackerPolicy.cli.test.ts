import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startTracker, type TrackerServer } from '../../src/tracker/server/index.js';
import { runStatorrent } from '../support/cliRunner.js';
import { stopChild } from '../support/childLines.js';
import { awkwardLayout, writeSample } from '../support/sampleContent.js';
import { startScriptedHttpTracker, type ScriptedHttpTracker } from '../tracker/client/scriptedHttpTracker.js';
import { spawnStatorrent, waitForStdout, type CliProcess } from './cliProcess.js';

let dir: string | undefined;
let tracker: TrackerServer | undefined;
let target: ScriptedHttpTracker | undefined;
let seed: CliProcess | undefined;
afterAll(async () => {
  if (seed) await stopChild(seed.child);
  await tracker?.close();
  await target?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

describe('tracker URL policy from the command line', () => {
  it('a torrent naming http://127.0.0.51:PORT/admin/delete-all?x=1 never reaches it; the refusal is reported and the next tier is used', async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-cli-ssrf-'));
    target = await startScriptedHttpTracker('127.0.0.51');
    tracker = await startTracker({ host: '127.0.0.1', httpPort: 0, udpPort: false, interval: 60 });
    await writeSample(join(dir, 'seed', 'content'), awkwardLayout());
    const torrent = join(dir, 'content.torrent');
    const bad = `${target.base}/admin/delete-all?x=1`;
    const made = await runStatorrent(['create', join(dir, 'seed', 'content'), '-t', bad, '-t', tracker.httpAnnounceUrl!, '-o', torrent]);
    expect(made.code, made.stderr).toBe(0);
    seed = spawnStatorrent(['seed', torrent, join(dir, 'seed'), '--skip-check', '--no-dht', '--port', '0', '--host', '127.0.0.1', '--verbose']);
    await waitForStdout(seed, /tracker replied: /, 15_000);
    const m = await waitForStdout(seed, /tracker error: (.*)/, 15_000);
    expect(m[1]).toBe(`tracker ${target.base}/admin/delete-all not contacted: tracker on loopback address 127.0.0.51 must have a path ending in /announce (got /admin/delete-all)`);
    expect(target.requests).toEqual([]);
  }, 30_000);
});
