import { cp, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Browser, Page } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { startInspectorServer, type InspectorServer } from '../../src/session/inspector/inspectorServer.js';
import { Session } from '../../src/session/session.js';
import { describeStateValue } from '../../src/trace/stateText.js';
import { openTraceRecorder } from '../../src/trace/traceRecorder.js';
import { replayTrace, type ReplayedStep } from '../../src/trace/traceReplay.js';
import { buildTraceTimeline } from '../../src/trace/traceTimeline.js';
import { launchChromium, screenshot } from '../support/browser.js';
import { startLibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { corruptPieces } from '../support/pieceCorruption.js';
import { startStatorrentPeer } from '../support/statorrentPeer.js';

/**
 * The trace viewer on a real recording: a download from a libtorrent seeder on 127.0.0.2 and a
 * statorrent peer on 127.0.0.4 that serves corrupted even pieces is traced (so the trace holds
 * failed pieces and a ban), then the page steps through it in headless Chromium; at every
 * position it must show the state `statorrent trace replay --steps` reports for the same step.
 */
describe('trace viewer', () => {
  let dir: string;
  let tracePath: string;
  let browser: Browser | undefined;
  let server: InspectorServer | undefined;
  const replayed: ReplayedStep[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-traceview-'));
    const torrentPath = join(dir, 'content.torrent');
    const metainfo: Metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 15 });
    const bad = join(dir, 'liar');
    await cp(join(dir, 'seed'), bad, { recursive: true });
    await corruptPieces(metainfo, bad, Array.from({ length: metainfo.pieceCount }, (_, i) => i).filter((i) => i % 2 === 0));
    const [seeder, liar, b] = await Promise.all([
      startLibtorrentSwarmPeer(torrentPath, join(dir, 'seed'), { ip: '127.0.0.2', uploadRate: 600_000 }),
      startStatorrentPeer({ metainfo, downloadDir: bad, skipCheck: true, useTrackers: false }, '127.0.0.4'),
      launchChromium(),
    ]);
    browser = b;
    tracePath = join(dir, 'run.jsonl');
    try {
      await liar.handle.completed;
      await recordDownload(metainfo, join(dir, 'out'), tracePath, [
        { ip: seeder.ip, port: seeder.port },
        { ip: '127.0.0.4', port: liar.session.port },
      ]);
    } finally {
      await seeder.stop();
      await liar.close();
    }
    const report = await replayTrace(tracePath, { onStep: (s) => replayed.push(s) });
    if (E.isLeft(report) || !report.right.ok) throw new Error(`the recorded trace does not replay: ${JSON.stringify(report)}`);
  });
  afterAll(async () => {
    await server?.close();
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('steps forward and back through the replayed steps, showing the states trace replay shows', async () => {
    const timeline = await buildTraceTimeline(tracePath);
    if (E.isLeft(timeline)) throw new Error(timeline.left);
    expect(timeline.right.replay.ok).toBe(true);
    expect(timeline.right.steps.length).toBe(replayed.length);
    const started = await startInspectorServer({ kind: 'trace', title: 'run.jsonl', timeline: timeline.right });
    if (E.isLeft(started)) throw new Error(started.left);
    server = started.right;

    const page = await browser!.newPage();
    await page.setViewport({ width: 1400, height: 1100 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(server.url);
    await page.waitForSelector('#tl-position[data-step="0"]');
    expect(await page.$eval('#tl-verdict', (e) => e.getAttribute('data-ok'))).toBe('true');

    const shown = async (): Promise<{ step: number; actor: string; state: string }> =>
      page.evaluate(() => ({
        step: Number(document.getElementById('tl-position')!.dataset.step),
        actor: document.getElementById('current-state')!.dataset.actor ?? '',
        state: document.getElementById('current-state')!.textContent ?? '',
      }));
    const expectStep = async (n: number): Promise<void> => {
      await page.waitForFunction((k: number) => document.getElementById('tl-position')!.dataset.step === String(k), {}, n);
      const s = replayed[n - 1]!;
      const seen = await shown();
      expect(seen.step).toBe(n);
      expect(seen.state).toBe(describeStateValue(s.value));
      // the machine shown is the one that stepped (peers are named by ip:port in both)
      if (s.machine === 'peer') expect(seen.actor).toBe(s.id);
    };

    // forward through the first steps one by one, each as replay reports it
    const first = Math.min(40, replayed.length);
    for (let n = 1; n <= first; n++) {
      await page.click('#tl-forward');
      await expectStep(n);
    }
    await screenshot(page, 'trace-viewer-forward');
    // and back again: the same states, recomputed
    for (let n = first - 1; n >= first - 10; n--) {
      await page.click('#tl-back');
      await expectStep(n);
    }
    // jump to the peer's close: the marker's step, the peer machine closed
    const close = timeline.right.markers.find((m) => m.kind === 'peerClosed');
    expect(close).toBeDefined();
    await page.select('#tl-jump', String(close!.step + 1));
    await expectStep(close!.step + 1);
    expect(replayed[close!.step]!.machine).toBe('peer');
    expect(await page.$eval('#current-state', (e) => e.textContent)).toBe('closed');
    // jump to a piece's failure: the torrent machine's PIECE_FAILED, the piece red on the map
    const failure = timeline.right.markers.find((m) => m.kind === 'pieceFailed');
    expect(failure).toBeDefined();
    await page.select('#tl-jump', String(failure!.step + 1));
    await expectStep(failure!.step + 1);
    const failedStep = replayed[failure!.step]!;
    expect(failedStep.event.type).toBe('PIECE_FAILED');
    const newest = await page.$eval('#transitions tbody tr', (tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''));
    expect(newest[2]).toMatch(/^PIECE_FAILED/);
    expect(Number(await page.$eval('#piece-summary', (e) => e.getAttribute('data-failed')))).toBeGreaterThan(0);
    await screenshot(page, 'trace-viewer-piece-failed');
    // the last step: every piece the torrent machine verified shows on the piece map
    await page.click('#tl-last');
    await expectStep(replayed.length);
    const summary = await page.$eval('#piece-summary', (e) => ({ verified: e.getAttribute('data-verified'), total: e.getAttribute('data-total') }));
    expect(summary.verified).toBe(summary.total);
    await screenshot(page, 'trace-viewer-end');
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** Downloads with the trace recorder attached, then stops the session (peers close: in the trace). */
async function recordDownload(metainfo: Metainfo, out: string, tracePath: string, peers: readonly { ip: string; port: number }[]): Promise<void> {
  const rec = await openTraceRecorder(tracePath, { infoHash: metainfo.infoHashHex, name: metainfo.name });
  if (E.isLeft(rec)) throw new Error(rec.left);
  const session = await Session.start({ port: 0, host: '127.0.0.1' });
  if (E.isLeft(session)) throw new Error(session.left);
  try {
    const t = await session.right.add({ metainfo, downloadDir: out, useTrackers: false, peers, inspect: rec.right.inspect, onWire: rec.right.onWire });
    if (E.isLeft(t)) throw new Error(t.left);
    await t.right.completed;
  } finally {
    await session.right.close();
    await rec.right.close();
  }
}
