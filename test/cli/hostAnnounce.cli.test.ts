import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runStatorrent } from '../support/cliRunner.js';
import { stopChild } from '../support/childLines.js';
import { treeDigest } from '../support/sampleContent.js';
import { makeTrackedTestTorrent, type TrackedTestTorrent } from '../support/testTorrent.js';
import * as E from 'fp-ts/lib/Either.js';
import { httpAnnounce } from '../../src/tracker/client/httpAnnounce.js';
import { spawnStatorrent, waitForStdout, type CliProcess } from './cliProcess.js';

const children: CliProcess[] = [];
const dirs: string[] = [];
const torrents: TrackedTestTorrent[] = [];

afterAll(async () => {
  for (const c of children) await stopChild(c.child);
  for (const t of torrents) await t.tracker.close();
  for (const d of dirs) await rm(d, { recursive: true, force: true });
});

describe('--host: announce and connect from the address we listen on', () => {
  for (const over of ['http', 'udp'] as const) {
    it(`a seeder on --host 127.0.0.3 is listed by our tracker (${over}) at 127.0.0.3, and a leecher on 127.0.0.4 downloads from it`, async () => {
      const dir = await mkdtemp(join(tmpdir(), `st-cli-host-${over}-`));
      dirs.push(dir);
      const t = await makeTrackedTestTorrent(dir, { announceOver: over });
      torrents.push(t);
      const seed = spawnStatorrent(['seed', t.torrentPath, join(dir, 'seed'), '--skip-check', '--no-dht', '--port', '0', '--host', '127.0.0.3', '--json']);
      children.push(seed);
      const port = Number((await waitForStdout(seed, /"type":"torrent".*"port":(\d+)/, 10_000))[1]);
      // the tracker saw the announce come from 127.0.0.3, where the seeder listens
      await waitForStdout(seed, /"type":"announced"/, 10_000);
      const watcher = { infoHash: t.metainfo.infoHash, peerId: Buffer.from('-WATCH-0000000000000'), port: 1, uploaded: 0, downloaded: 0, left: 0, event: 'started', numwant: 200, compact: true } as const;
      const reply = await httpAnnounce(t.tracker.httpAnnounceUrl!, watcher, { timeoutMs: 2000 })();
      if (E.isLeft(reply)) throw new Error(reply.left.message);
      expect(reply.right.peers.filter((p) => p.port === port).map((p) => p.ip)).toEqual(['127.0.0.3']);
      const out = join(dir, 'fetched');
      const r = await runStatorrent(['download', t.torrentPath, '-o', out, '--no-dht', '--port', '0', '--host', '127.0.0.4', '--verbose'], { timeoutMs: 30_000 });
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`peer 127\\.0\\.0\\.3:${port} connected: statorrent`));
      expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
      // and the seeder saw the leecher arrive from 127.0.0.4 (outgoing connections leave from --host)
      await waitForStdout(seed, /"type":"peerConnected"[^\n]*127\.0\.0\.4/, 10_000);
      seed.child.kill('SIGINT');
      expect((await seed.exited).code).toBe(0);
    }, 60_000);
  }
});
