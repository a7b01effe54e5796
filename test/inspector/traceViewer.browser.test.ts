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
import { replayTrace, type ReplayedStep, type ReplayReport } from '../../src/trace/traceReplay.js';
import { buildTraceTimeline, type TraceTimeline } from '../../src/trace/traceTimeline.js';
import { launchChromium, screenshot } from '../support/browser.js';
import { startLibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { corruptPieces } from '../support/pieceCorruption.js';
import { startStatorrentPeer } from '../support/statorrentPeer.js';

/** A recorded trace with what `statorrent trace replay --steps` reports for it. */
interface Recorded {
  readonly path: string;
  readonly steps: readonly ReplayedStep[];
  readonly report: ReplayReport;
}

/**
 * The trace viewer on real recordings, in headless Chromium: (1) a download from a libtorrent
 * seeder on 127.0.0.2, stepped forward and back, each position showing the state `statorrent
 * trace replay --steps` reports for the same step; (2) a download where a statorrent peer on
 * 127.0.0.4 serves corrupted even pieces, to jump to a piece's failure.
 */
describe('trace viewer', () => {
  let dir: string;
  let browser: Browser | undefined;
  const servers: InspectorServer[] = [];
  let honest: Recorded;
  let lied: Recorded;

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
    try {
      await liar.handle.completed;
      honest = await record(metainfo, join(dir, 'out1'), join(dir, 'honest.jsonl'), [{ ip: seeder.ip, port: seeder.port }]);
      lied = await record(metainfo, join(dir, 'out2'), join(dir, 'lied.jsonl'), [
        { ip: seeder.ip, port: seeder.port },
        { ip: '127.0.0.4', port: liar.session.port },
      ]);
    } finally {
      await seeder.stop();
      await liar.close();
    }
  });
  afterAll(async () => {
    await Promise.all(servers.map((s) => s.close()));
    await browser?.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Serves `r`'s timeline and opens it; resolves once the page shows step 0. */
  const open = async (r: Recorded): Promise<{ page: Page; timeline: TraceTimeline; errors: string[] }> => {
    const timeline = await buildTraceTimeline(r.path);
    if (E.isLeft(timeline)) throw new Error(timeline.left);
    const started = await startInspectorServer({ kind: 'trace', title: 'run.jsonl', timeline: timeline.right });
    if (E.isLeft(started)) throw new Error(started.left);
    servers.push(started.right);
    const page = await browser!.newPage();
    await page.setViewport({ width: 1400, height: 1100 });
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(String(e)));
    await page.goto(started.right.url);
    await page.waitForSelector('#tl-position[data-step="0"]');
    return { page, timeline: timeline.right, errors };
  };

  /** Waits for position `n` and checks the page shows what replay reported for step n. */
  const expectStep = async (page: Page, r: Recorded, n: number): Promise<void> => {
    await page.waitForFunction((k: number) => document.getElementById('tl-position')!.dataset.step === String(k), {}, n);
    const seen = await page.evaluate(() => ({
      actor: document.getElementById('current-state')!.dataset.actor ?? '',
      state: document.getElementById('current-state')!.textContent ?? '',
    }));
    const s = r.steps[n - 1]!;
    expect(seen.state).toBe(describeStateValue(s.value));
    // the machine shown is the one that stepped (peers are named by ip:port in both)
    if (s.machine === 'peer') expect(seen.actor).toBe(s.id);
  };

  it('steps forward and back through the replayed steps, showing the states trace replay shows', async () => {
    expect(honest.report.ok).toBe(true);
    const { page, timeline, errors } = await open(honest);
    expect(timeline.replay.ok).toBe(true);
    expect(timeline.steps.length).toBe(honest.steps.length);
    expect(await page.$eval('#tl-verdict', (e) => e.getAttribute('data-ok'))).toBe('true');
    // forward through the first steps one by one, each as replay reports it
    const first = Math.min(40, honest.steps.length);
    for (let n = 1; n <= first; n++) {
      await page.click('#tl-forward');
      await expectStep(page, honest, n);
    }
    await screenshot(page, 'trace-viewer-forward');
    // and back again: the same states, recomputed
    for (let n = first - 1; n >= first - 10; n--) {
      await page.click('#tl-back');
      await expectStep(page, honest, n);
    }
    // jump to the peer's close: the marker's step, the peer machine closed
    const close = timeline.markers.find((m) => m.kind === 'peerClosed');
    expect(close).toBeDefined();
    await page.select('#tl-jump', String(close!.step + 1));
    await expectStep(page, honest, close!.step + 1);
    expect(honest.steps[close!.step]!.machine).toBe('peer');
    expect(await page.$eval('#current-state', (e) => e.textContent)).toBe('closed');
    // the last step: every piece the torrent machine verified shows on the piece map
    await page.click('#tl-last');
    await expectStep(page, honest, honest.steps.length);
    const summary = await page.$eval('#piece-summary', (e) => ({ verified: e.getAttribute('data-verified'), total: e.getAttribute('data-total') }));
    expect(summary.verified).toBe(summary.total);
    await screenshot(page, 'trace-viewer-end');
    expect(errors).toEqual([]);
    await page.close();
  });

  it("jumps to a piece's failure; the verdict is the replay's", async () => {
    const { page, timeline, errors } = await open(lied);
    expect(timeline.replay.ok).toBe(lied.report.ok);
    expect(timeline.steps.length).toBe(lied.steps.length);
    expect(await page.$eval('#tl-verdict', (e) => e.getAttribute('data-ok'))).toBe(String(lied.report.ok));
    const failure = timeline.markers.find((m) => m.kind === 'pieceFailed');
    expect(failure).toBeDefined();
    await page.select('#tl-jump', String(failure!.step + 1));
    await expectStep(page, lied, failure!.step + 1);
    expect(lied.steps[failure!.step]!.event.type).toBe('PIECE_FAILED');
    const newest = await page.$eval('#transitions tbody tr', (tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''));
    expect(newest[2]).toMatch(/^PIECE_FAILED/);
    expect(Number(await page.$eval('#piece-summary', (e) => e.getAttribute('data-failed')))).toBeGreaterThan(0);
    await screenshot(page, 'trace-viewer-piece-failed');
    expect(errors).toEqual([]);
    await page.close();
  });
});

/** Downloads with the trace recorder attached, stops the session (peers close: in the trace), replays it. */
async function record(metainfo: Metainfo, out: string, path: string, peers: readonly { ip: string; port: number }[]): Promise<Recorded> {
  const rec = await openTraceRecorder(path, { infoHash: metainfo.infoHashHex, name: metainfo.name });
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
  const steps: ReplayedStep[] = [];
  const report = await replayTrace(path, { onStep: (s) => steps.push(s) });
  if (E.isLeft(report)) throw new Error(report.left);
  return { path, steps, report: report.right };
}
