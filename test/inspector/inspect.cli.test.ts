import { mkdtemp, rm } from 'node:fs/promises';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { spawnStatorrent, waitForStdout, type CliProcess } from '../cli/cliProcess.js';
import { stopChild } from '../support/childLines.js';
import { runStatorrent } from '../support/cliRunner.js';
import { awkwardLayout, writeSample } from '../support/sampleContent.js';
import { startTracker, type TrackerServer } from '../../src/tracker/server/index.js';

/** GET on 127.0.0.1; the event stream's first message is enough. */
const get = (url: string): Promise<{ status: number; body: string }> =>
  new Promise((resolve, reject) => {
    const req = request(url, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => {
        body += d;
        if (res.headers['content-type'] === 'text/event-stream' && body.includes('\n\n')) {
          req.destroy();
          resolve({ status: res.statusCode ?? 0, body });
        }
      });
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });

let dir: string;
let torrentPath: string;
let tracker: TrackerServer;
const children: CliProcess[] = [];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-cli-inspect-'));
  await writeSample(join(dir, 'seed', 'content'), awkwardLayout());
  tracker = await startTracker({ host: '127.0.0.1', httpPort: 0, udpPort: 0, interval: 60 });
  torrentPath = join(dir, 'content.torrent');
  const made = await runStatorrent(['create', join(dir, 'seed', 'content'), '-t', tracker.httpAnnounceUrl!, '-o', torrentPath, '--piece-length', '32K']);
  if (made.code !== 0) throw new Error(made.stderr);
});
afterAll(async () => {
  for (const c of children) await stopChild(c.child);
  await tracker.close();
  await rm(dir, { recursive: true, force: true });
});

describe('--inspect and trace view on the command line', () => {
  it('seed --inspect prints a tokened loopback URL whose feed shows the torrent; without the token, nothing', async () => {
    const tracePath = join(dir, 'seed.jsonl');
    const seed = spawnStatorrent(['seed', torrentPath, join(dir, 'seed'), '--skip-check', '--no-dht', '--port', '0', '--host', '127.0.0.1', '--json', '--inspect', '--trace', tracePath]);
    children.push(seed);
    const url = (await waitForStdout(seed, /"type":"inspector","url":"(http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/)"/, 20_000))[1]!;
    await waitForStdout(seed, /"type":"seeding"/, 20_000);
    await waitForStdout(seed, /"type":"announced"/, 20_000);
    const page = await get(url);
    expect(page.status).toBe(200);
    const feed = await get(`${url}events`);
    expect(feed.body).toMatch(/^data: /);
    const message = JSON.parse(feed.body.slice(6).split('\n\n')[0]!) as {
      snapshots: { name: string; pieceCount: number; verifiedPieces: number; machines: { machine: string }[]; trackers: { phase: string }[] }[];
    };
    // tracker activity: our tracker's reply to the seeder's announce
    expect(message.snapshots[0]!.trackers).toContainEqual(expect.objectContaining({ phase: 'reply', peers: expect.any(Number) }));
    expect(message.snapshots[0]).toMatchObject({ name: 'content' });
    expect(message.snapshots[0]!.verifiedPieces).toBe(message.snapshots[0]!.pieceCount);
    expect(message.snapshots[0]!.machines.map((m) => m.machine)).toEqual(expect.arrayContaining(['torrent', 'announce', 'choker']));
    const origin = new URL(url).origin;
    expect(await get(`${origin}/events`)).toEqual({ status: 404, body: '' });
    expect(await get(`${origin}/`)).toEqual({ status: 404, body: '' });
    seed.child.kill('SIGINT');
    expect((await seed.exited).code).toBe(0);

    // the trace it wrote opens in the trace viewer
    const view = spawnStatorrent(['trace', 'view', tracePath]);
    children.push(view);
    const viewUrl = (await waitForStdout(view, /trace viewer: (http:\/\/127\.0\.0\.1:\d+\/[A-Za-z0-9_-]{43}\/)/, 20_000))[1]!;
    expect(view.stdout()).toMatch(/^replay ok: \d+ steps/);
    const timeline = JSON.parse((await get(`${viewUrl}timeline.json`)).body) as { steps: { machine: string }[]; replay: { ok: boolean }; trackers: { phase: string; event: string }[] };
    expect(timeline.replay.ok).toBe(true);
    expect(timeline.trackers).toContainEqual(expect.objectContaining({ phase: 'reply', event: 'started' }));
    expect(timeline.steps.some((s) => s.machine === 'torrent')).toBe(true);
    expect(await get(`${new URL(viewUrl).origin}/timeline.json`)).toEqual({ status: 404, body: '' });
    view.child.kill('SIGINT');
    expect((await view.exited).code).toBe(0);
  });

  it('rejects a bad --inspect port in one line', async () => {
    const r = await runStatorrent(['seed', torrentPath, join(dir, 'seed'), '--no-dht', '--inspect=70000']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--inspect/);
  });
});
