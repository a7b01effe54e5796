import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadMetainfo } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import { startTracker, type TrackerServer } from '../../src/tracker/server/index.js';
import { openTraceRecorder } from '../../src/trace/traceRecorder.js';
import { replayTrace } from '../../src/trace/traceReplay.js';
import { summarizeTrace } from '../../src/trace/traceSummary.js';
import { runTraceCommand } from '../../src/cli/traceCommand.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { awkwardLayout, treeDigest, writeSample } from '../support/sampleContent.js';
import { mktorrent } from '../support/thirdPartyTools.js';
import { bufferIo } from '../support/bufferIo.js';

/** Rewrites a trace's lines with `edit` (return undefined to delete a line) into a new file. */
async function tamper(from: string, to: string, edit: (line: Record<string, unknown>, index: number) => Record<string, unknown> | undefined): Promise<void> {
  const lines = (await readFile(from, 'utf8')).trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
  const out = lines.map(edit).filter((l): l is Record<string, unknown> => l !== undefined);
  await writeFile(to, `${out.map((l) => JSON.stringify(l)).join('\n')}\n`);
}

describe('trace of a real download from a libtorrent seeder', () => {
  let dir: string;
  let seeder: SeederProcess | undefined;
  let tracker: TrackerServer | undefined;
  let metainfo: Metainfo;
  let tracePath: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-trace-'));
    await writeSample(join(dir, 'seed', 'content'), awkwardLayout());
    const torrentPath = join(dir, 'content.torrent');
    // our own tracker, so the trace holds real announce exchanges (started, completed, stopped)
    tracker = await startTracker({ host: '127.0.0.1', httpPort: 0, udpPort: false });
    await mktorrent(join(dir, 'seed', 'content'), torrentPath, { announce: tracker.httpAnnounceUrl!, pieceLengthLog2: 15 });
    seeder = await startLibtorrentSeeder(torrentPath, join(dir, 'seed'));
    const m = await loadMetainfo(torrentPath)();
    if (E.isLeft(m)) throw new Error(m.left.message);
    metainfo = m.right;

    tracePath = join(dir, 'download.jsonl');
    const rec = await openTraceRecorder(tracePath, { infoHash: metainfo.infoHashHex, name: metainfo.name });
    if (E.isLeft(rec)) throw new Error(rec.left);
    const session = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(session)) throw new Error(session.left);
    const t = await session.right.add({
      metainfo,
      downloadDir: join(dir, 'out'),
      peers: [{ ip: '127.0.0.1', port: seeder.port }],
      inspect: rec.right.inspect,
      onWire: rec.right.onWire,
    });
    if (E.isLeft(t)) throw new Error(t.left);
    await t.right.completed;
    await session.right.close();
    await rec.right.close();
    expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
  });
  afterAll(async () => {
    await seeder?.stop();
    await tracker?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('replays: every actor passes through exactly the recorded states', async () => {
    const report = await replayTrace(tracePath);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.divergence).toBeUndefined();
    expect(report.right.ok).toBe(true);
  });

  it('replay through the CLI prints replay ok', async () => {
    const io = bufferIo();
    expect(await runTraceCommand(['replay', tracePath], io)).toBe(0);
    // torrent, announce, dht (disabled here: a library session without a DHT), choker, peer
    expect(io.outText()).toMatch(/^replay ok: 5 actors, \d+ events\n$/);
  });

  it('summarizes the download: the seeder gave every block, the torrent went on to seed', async () => {
    const s = await summarizeTrace(tracePath);
    if (E.isLeft(s)) throw new Error(s.left);
    const { torrent, peers } = s.right;
    expect(s.right.infoHash).toBe(metainfo.infoHashHex);
    expect(s.right.complete).toBe(true);
    expect(torrent.states.map((x) => x.state)).toEqual([
      'checking',
      'active.{transfer.downloading, dialer.waiting}',
      'active.{transfer.seeding, dialer.waiting}',
      'stopping',
      'stopped',
    ]);
    expect(torrent.verifiedAt).toHaveLength(metainfo.pieceCount);
    expect(torrent.announces.filter((a) => a.phase === 'request').map((a) => a.event)).toEqual(expect.arrayContaining(['started', 'stopped']));
    expect(torrent.announces.some((a) => a.phase === 'reply' && a.event === 'started')).toBe(true);
    expect(peers).toHaveLength(1);
    const seed = peers[0]!;
    expect(seed.client).toMatch(/^libtorrent /);
    expect(seed.outgoing).toBe(true);
    expect(seed.unchokes).toBeGreaterThanOrEqual(1);
    expect(seed.bytesIn).toBeGreaterThanOrEqual(metainfo.totalLength);
    expect(seed.blocksIn).toBeLessThanOrEqual(seed.requestsOut);
    expect(seed.closedAt).not.toBeNull();
    expect(seed.closeReason).toBe('torrent stopped');

    const io = bufferIo();
    expect(await runTraceCommand(['summary', tracePath], io)).toBe(0);
    expect(io.outText()).toContain(`gave us ${seed.blocksIn} blocks`);
    const json = bufferIo();
    expect(await runTraceCommand(['summary', tracePath, '--json'], json)).toBe(0);
    expect(JSON.parse(json.outText())).toEqual(JSON.parse(JSON.stringify(s.right)));
  });

  it('reports the first differing step when a recorded state was edited', async () => {
    const edited = join(dir, 'edited.jsonl');
    let peerActor = -1;
    await tamper(tracePath, edited, (line) => {
      if (line.kind === 'actor' && line.machine === 'peer') peerActor = line.actor as number;
      if (line.kind === 'step' && line.actor === peerActor && (line.event as { type: string }).type === 'PEER_UNCHOKE') {
        return { ...line, value: 'closed' };
      }
      return line;
    });
    const report = await replayTrace(edited);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.ok).toBe(false);
    const d = report.right.divergence!;
    expect(d.machine).toBe('peer');
    expect(d.event).toBe('PEER_UNCHOKE');
    expect(d.expected.value).toBe('closed');
    expect(d.got?.value).toMatchObject({ active: { peerChoking: 'unchoked' } });
    const io = bufferIo();
    expect(await runTraceCommand(['replay', edited], io)).toBe(1);
    expect(io.outText()).toMatch(/^replay diverged: actor \d+ 127\.0\.0\.1:\d+ \(peer\), step \d+/);
    expect(io.outText()).toContain('event:    PEER_UNCHOKE');
  });

  it('reports the first differing step when an event was removed', async () => {
    const cut = join(dir, 'cut.jsonl');
    let peerActor = -1;
    await tamper(tracePath, cut, (line) => {
      if (line.kind === 'actor' && line.machine === 'peer') peerActor = line.actor as number;
      // the seeder's have-all (or bitfield) is what makes the peer machine interested
      const type = line.kind === 'step' && line.actor === peerActor ? (line.event as { type: string }).type : '';
      return type === 'PEER_HAVE_ALL' || type === 'PEER_BITFIELD' ? undefined : line;
    });
    const report = await replayTrace(cut);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.ok).toBe(false);
    const d = report.right.divergence!;
    expect(d.machine).toBe('peer');
    // without the seeder's announcement the replayed peer stays not interested at its next step
    expect(d.expected.value).toMatchObject({ active: { amInterested: 'interested' } });
    expect(d.got?.value).toMatchObject({ active: { amInterested: 'notInterested' } });
  });

  it('notices a verified piece lost from a PIECES_VERIFIED batch: the replayed torrent never reaches seeding', async () => {
    const cut = join(dir, 'lost-piece.jsonl');
    let dropped = false;
    let torrentActor = -1;
    await tamper(tracePath, cut, (line) => {
      if (line.kind === 'actor' && line.machine === 'torrent') torrentActor = line.actor as number;
      // one piece out of the torrent's first batch (a small download may be one batch, and a
      // batch gone whole would leave nothing after it to differ: STOP ends both in stopping)
      const event = line.event as { type: string; indices?: number[] } | undefined;
      if (!dropped && line.kind === 'step' && line.actor === torrentActor && event?.type === 'PIECES_VERIFIED' && (event.indices?.length ?? 0) > 0) {
        dropped = true;
        return { ...line, event: { ...event, indices: event.indices!.slice(1) } };
      }
      return line;
    });
    expect(dropped).toBe(true);
    const report = await replayTrace(cut);
    if (E.isLeft(report)) throw new Error(report.left);
    expect(report.right.divergence?.machine).toBe('torrent');
    expect(report.right.divergence?.expected.value).toEqual({ active: { transfer: 'seeding', dialer: 'waiting' } });
    expect(report.right.divergence?.got?.value).toEqual({ active: { transfer: 'downloading', dialer: 'waiting' } });
  });
});
