import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { TorrentProgress } from '../../src/session/types.js';
import { startDownloadChild, type ChildLine, type DownloadChild } from '../support/downloadChildProcess.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';

// Acceptance: a download killed with SIGKILL (no flush, no goodbye) resumes. The next run's hash
// check finds every piece the killed run had reported verified, fetches only the rest, and the
// files end byte-identical. The libtorrent seeder is throttled so the kill lands mid-download.
const RATE = 1_000_000; // bytes/s: ~3 s for the whole content

const verifiedCount = (lines: readonly ChildLine[]): number =>
  lines.filter((l) => 'event' in l && l.event.type === 'pieceVerified').length;
const checkedOf = (lines: readonly ChildLine[]): number | undefined => {
  for (const l of lines) if ('event' in l && l.event.type === 'checked') return l.event.verifiedPieces;
  return undefined;
};

describe('kill -9 a download and resume it', () => {
  let dir: string;
  let torrentPath: string;
  let metainfo: Metainfo;
  let seeder: LibtorrentSwarmPeer | undefined;
  const children = new Set<DownloadChild>();
  let runs = 0;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-dl-resume-'));
    torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 15, scale: 2 });
    seeder = await startLibtorrentSwarmPeer(torrentPath, join(dir, 'seed'), { uploadRate: RATE });
  });
  afterAll(async () => {
    await Promise.all([...children].map((c) => c.stop()));
    await seeder?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const start = (out: string): DownloadChild => {
    const c = startDownloadChild(torrentPath, out, [{ ip: '127.0.0.1', port: seeder!.port }]);
    children.add(c);
    runs++;
    return c;
  };

  /** Runs until `k` pieces are reported verified, then SIGKILLs; returns how many it reported. */
  const runAndKill = async (out: string, k: number): Promise<{ checked: number; verified: number }> => {
    const c = start(out);
    await c.waitFor(() => verifiedCount(c.lines) >= k);
    await c.kill();
    children.delete(c);
    expect(c.lines.some((l) => 'done' in l)).toBe(false); // really killed mid-way
    return { checked: checkedOf(c.lines) ?? -1, verified: verifiedCount(c.lines) };
  };

  /** Runs to completion; returns its check result and final progress. */
  const runToEnd = async (out: string): Promise<{ checked: number; progress: TorrentProgress; verified: number }> => {
    const c = start(out);
    const done = await c.waitFor((l) => 'done' in l || 'fatal' in l, 30_000);
    if (!('done' in done)) throw new Error(`download child failed: ${JSON.stringify(done)}`);
    await c.stop();
    children.delete(c);
    return { checked: checkedOf(c.lines) ?? -1, progress: done.done, verified: verifiedCount(c.lines) };
  };

  it('after SIGKILL the second run keeps the verified pieces and fetches only the missing ones', async () => {
    const out = join(dir, 'out-once');
    const first = await runAndKill(out, 8);
    expect(first.checked).toBe(0);
    expect(first.verified).toBeLessThan(metainfo.pieceCount);

    const second = await runToEnd(out);
    // every piece the killed run reported verified was on disk (writes are not lost by a crash)
    expect(second.checked).toBeGreaterThanOrEqual(first.verified);
    expect(second.checked).toBeLessThan(metainfo.pieceCount);
    expect(second.verified).toBe(metainfo.pieceCount - second.checked);
    // it downloaded roughly what was missing: at least that, and not the whole torrent again
    const missing = metainfo.totalLength - second.checked * metainfo.pieceLength;
    expect(second.progress.downloaded).toBeGreaterThanOrEqual(missing);
    expect(second.progress.downloaded).toBeLessThan(metainfo.totalLength);
    expect(second.progress.downloaded).toBeLessThanOrEqual(missing + 4 * metainfo.pieceLength);
    expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
  });

  it('property: killed after random numbers of verified pieces, again and again, it still ends byte-identical', async () => {
    // a few random kill points per run (fast-check picks them; the seed is printed on failure)
    await fc.assert(
      fc.asyncProperty(fc.array(fc.integer({ min: 1, max: 20 }), { minLength: 1, maxLength: 3 }), async (steps) => {
        const out = join(dir, `out-prop-${runs}`);
        let known = 0;
        for (const step of steps) {
          const r = await runAndKill(out, step);
          expect(r.checked).toBeGreaterThanOrEqual(known);
          known = r.checked + r.verified;
        }
        const last = await runToEnd(out);
        expect(last.checked).toBeGreaterThanOrEqual(known);
        expect(last.checked + last.verified).toBe(metainfo.pieceCount);
        expect(await treeDigest(join(out, 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
      }),
      { numRuns: 2, endOnFailure: true }, // each run costs seconds: report the first failure, no shrinking
    );
  });
});
