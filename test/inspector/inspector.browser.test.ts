import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import type { Browser } from 'puppeteer-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import { launchChromium, screenshot } from '../support/browser.js';
import { startLibtorrentSwarmPeer, type LibtorrentSwarmPeer } from '../support/libtorrentSwarmPeer.js';
import { mktorrentSample } from '../support/mktorrentSample.js';
import { treeDigest } from '../support/sampleContent.js';

/**
 * The live inspector in a real browser: headless Chromium opens the page before the torrent is
 * added, then watches a download from two libtorrent seeders on 127.0.0.2 and 127.0.0.3 (upload
 * limited so the download takes a few seconds).
 */
describe('live inspector page during a real download', () => {
  let dir: string;
  let metainfo: Metainfo;
  const seeders: LibtorrentSwarmPeer[] = [];
  let browser: Browser | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-inspect-'));
    const torrentPath = join(dir, 'content.torrent');
    metainfo = await mktorrentSample(join(dir, 'seed', 'content'), torrentPath, { pieceLengthLog2: 15, scale: 2 });
    const started = await Promise.all([
      startLibtorrentSwarmPeer(torrentPath, join(dir, 'seed'), { ip: '127.0.0.2', uploadRate: 400_000 }),
      startLibtorrentSwarmPeer(torrentPath, join(dir, 'seed'), { ip: '127.0.0.3', uploadRate: 400_000 }),
      launchChromium().then((b) => {
        browser = b;
        return undefined;
      }),
    ]);
    for (const s of started) if (s !== undefined) seeders.push(s);
  });
  afterAll(async () => {
    await browser?.close();
    await Promise.all(seeders.map((s) => s.stop()));
    await rm(dir, { recursive: true, force: true });
  });

  it('shows peers with their flags, a peer machine changing state, and the piece map reaching 100%', async () => {
    const session = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(session)) throw new Error(session.left);
    try {
      const inspector = await session.right.inspect();
      if (E.isLeft(inspector)) throw new Error(inspector.left);
      const watched = `${seeders[0]!.ip}:${seeders[0]!.port}`;
      const page = await browser!.newPage();
      await page.setViewport({ width: 1400, height: 1100 });
      const pageErrors: string[] = [];
      page.on('pageerror', (e) => pageErrors.push(String(e)));
      await page.goto(`${inspector.right.url}#${watched}`);
      await page.waitForSelector('#connection[data-state="open"]');
      // every distinct set of highlighted states of the watched peer's diagram, in order
      await page.evaluate((peer) => {
        const seen: string[][] = [];
        (window as unknown as { highlights: string[][] }).highlights = seen;
        const record = (): void => {
          if (document.getElementById('current-state')?.dataset.actor !== peer) return;
          const ids = Array.from(document.querySelectorAll('#diagram [data-current]')).map((g) => g.id.replace(/^my-svg-state-/, '').replace(/-\d+$/, '')).sort();
          if (ids.length > 0 && ids.join() !== seen.at(-1)?.join()) seen.push(ids);
        };
        new MutationObserver(record).observe(document.getElementById('diagram-panel')!, { subtree: true, attributes: true, childList: true });
        // each peer's first row that shows it unchoking us while we are interested
        const peerRows: Record<string, { cells: string[]; flags: Record<string, string> }> = {};
        (window as unknown as { peerRows: typeof peerRows }).peerRows = peerRows;
        new MutationObserver(() => {
          for (const tr of Array.from(document.querySelectorAll('#peers tbody tr'))) {
            const id = tr.getAttribute('data-peer') ?? '';
            const flags = Object.fromEntries(Array.from(tr.querySelectorAll('td.flag')).map((td) => [td.getAttribute('data-flag') ?? '', td.getAttribute('data-on') ?? '']));
            if (peerRows[id] === undefined && flags.peerChoking === 'false' && flags.amInterested === 'true') {
              peerRows[id] = { cells: Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? ''), flags };
            }
          }
        }).observe(document.getElementById('peers')!, { subtree: true, childList: true });
      }, watched);

      const failureShot = async <T>(p: Promise<T>): Promise<T> =>
        p.catch(async (e: unknown) => {
          await screenshot(page, 'inspector-live-failure');
          const text = await page.evaluate(() => document.body.innerText.slice(0, 3000));
          throw new Error(`${e instanceof Error ? e.message : String(e)}\npage errors: ${pageErrors.join('; ')}\npage text:\n${text}`);
        });
      const added = await session.right.add({
        metainfo,
        downloadDir: join(dir, 'out'),
        useTrackers: false,
        peers: seeders.map((s) => ({ ip: s.ip, port: s.port })),
      });
      if (E.isLeft(added)) throw new Error(added.left);

      // peer rows with their flags: both seeders, libtorrent, each seen unchoking us while we were interested
      const ids = seeders.map((s) => `${s.ip}:${s.port}`);
      await failureShot(
        page.waitForFunction(
          (want: string[]) => {
            const seen = (window as unknown as { peerRows: Record<string, { cells: string[]; flags: Record<string, string> }> }).peerRows;
            return want.every((id) => seen[id] !== undefined);
          },
          { polling: 'mutation', timeout: 15_000 },
          ids,
        ),
      );
      const rows = await page.evaluate(() => (window as unknown as { peerRows: Record<string, { cells: string[]; flags: Record<string, string> }> }).peerRows);
      expect(Object.keys(rows).sort()).toEqual([...ids].sort());
      for (const r of Object.values(rows)) {
        expect(r.cells[1]).toMatch(/libtorrent/i);
        expect(r.cells[2]).toBe('manual');
        expect(r.flags).toMatchObject({ peerChoking: 'false', amInterested: 'true', snubbed: 'false', amChoking: 'true' });
        expect(Number(r.cells[11])).toBeGreaterThan(0); // pieces they have
      }
      await screenshot(page, 'inspector-live-downloading');

      // the piece map reaches 100%
      await page.waitForFunction(
        () => {
          const s = document.getElementById('piece-summary');
          return s !== null && s.dataset.total !== undefined && s.dataset.total !== '0' && s.dataset.verified === s.dataset.total;
        },
        { polling: 'mutation', timeout: 25_000 },
      );
      await added.right.completed;
      // the watched peer leaves `interested` once we have everything (not interested, or closed)
      await page.waitForFunction(
        () => {
          const last = (window as unknown as { highlights: string[][] }).highlights.at(-1) ?? [];
          return last.length > 0 && !last.includes('s_active__amInterested__interested');
        },
        { polling: 'mutation', timeout: 10_000 },
      );
      await screenshot(page, 'inspector-live-complete');
      const highlights = await page.evaluate(() => (window as unknown as { highlights: string[][] }).highlights);
      // the watched peer's diagram went choked -> unchoked (while we were interested) -> not interested
      const choked = highlights.findIndex((h) => h.includes('s_active__peerChoking__choking'));
      const unchoked = highlights.findIndex((h, i) => i > choked && h.includes('s_active__peerChoking__unchoked') && h.includes('s_active__amInterested__interested'));
      const done = highlights.findIndex((h, i) => i > unchoked && !h.includes('s_active__amInterested__interested'));
      expect({ choked, unchoked, done }).toEqual({ choked: expect.any(Number), unchoked: expect.any(Number), done: expect.any(Number) });
      expect(choked).toBeGreaterThanOrEqual(0);
      expect(unchoked).toBeGreaterThan(choked);
      expect(done).toBeGreaterThan(unchoked);
      // the transition from choked to unchoked is listed, with the wire message behind it
      await page.click('#only-selected');
      const transitions = await page.$$eval('#transitions tbody tr', (trs) => trs.map((tr) => Array.from(tr.querySelectorAll('td')).map((td) => td.textContent ?? '')));
      expect(transitions.every((t) => t[1] === watched)).toBe(true);
      const unchoke = transitions.find((t) => t[2] === 'PEER_UNCHOKE');
      expect(unchoke?.[3]).toBe('wire: unchoke');
      expect(unchoke?.[4]).toMatch(/peerChoking\.unchoked/);
      expect(pageErrors).toEqual([]);
      expect(await treeDigest(join(dir, 'out', 'content'))).toEqual(await treeDigest(join(dir, 'seed', 'content')));
      await page.close();
    } finally {
      await session.right.close();
    }
  });
});
