/**
 * Benchmark (not a test): what watching a download in the live inspector costs. Downloads one
 * single-file torrent (256 KiB pieces) from a local python3-libtorrent seeder with statorrent,
 * alternately without the inspector, with only its event stream read, and with a page that
 * headless Chromium has open (a real page: Server-Sent Events parsed and drawn), and prints both side by side: time from
 * adding the torrent to completion, MB/s, CPU seconds of our process, and the slowdown.
 * The target is under ~5%: updates are batched (at most 10 messages a second per page) and
 * steps are only copied when sent.
 *
 * Run: `npm run bench:inspect [-- --size 256] [--runs 3]` (size in MiB). On a shared 2-core
 * machine Chromium competes with the seeder and the downloader for CPU, so compare medians of
 * several runs. Everything runs on 127.0.0.1; temp data is removed at the end.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { get as httpGet } from 'node:http';
import puppeteer, { type Browser } from 'puppeteer-core';
import { CLI_NODE_FLAGS, LT_SEEDER, MiB, PYTHON, run, startChild, stop, stopAll, waitLine, writeContent } from './benchKit.js';

const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const CHILD = here('./inspectChild.js');

interface Sample {
  readonly afterAdd: number;
  readonly cpu: number;
  readonly messages: number;
}

/** Reads the inspector's event stream like a page would, without drawing: counts messages. */
const readFeed = (url: string, onMessage: () => void): Promise<() => void> =>
  new Promise((resolve, reject) => {
    const req = httpGet(`${url}events`, (res) => {
      res.setEncoding('utf8');
      let pending = '';
      res.on('data', (d: string) => {
        pending += d;
        let end: number;
        while ((end = pending.indexOf('\n\n')) >= 0) {
          JSON.parse(pending.slice(6, end)); // as EventSource + the page would
          pending = pending.slice(end + 2);
          onMessage();
        }
      });
      resolve(() => req.destroy());
    });
    req.on('error', reject);
  });

type Watcher = { readonly kind: 'page'; readonly browser: Browser } | { readonly kind: 'feed' } | undefined;

/**
 * One download; `page`: headless Chromium has the inspector open from before the torrent is
 * added until it completes; `feed`: only the event stream is read (our process's own cost,
 * without Chromium competing for the CPU).
 */
const measure = async (torrent: string, out: string, port: string, watcher: Watcher): Promise<Sample> => {
  const child = startChild(process.execPath, [...CLI_NODE_FLAGS, CHILD, torrent, out, port, ...(watcher ? ['--inspect'] : [])]);
  let messages = 0;
  try {
    let closePage = async (): Promise<void> => undefined;
    if (watcher?.kind === 'feed') {
      const url = (await waitLine(child, /^INSPECT (\S+)/m, 'inspector url', 30_000))[1]!;
      const close = await readFeed(url, () => void messages++);
      closePage = async () => close();
      child.stdin?.write('go\n');
    }
    if (watcher?.kind === 'page') {
      const browser = watcher.browser;
      const url = (await waitLine(child, /^INSPECT (\S+)/m, 'inspector url', 30_000))[1]!;
      const page = await browser.newPage();
      await page.setViewport({ width: 1400, height: 1000 });
      await page.exposeFunction('benchMessage', () => void messages++);
      // count the messages the page receives (its own handler still runs); a string: bench/ has no DOM types
      await page.evaluateOnNewDocument(`{
        const Native = window.EventSource;
        window.EventSource = class extends Native {
          constructor(u, init) { super(u, init); this.addEventListener('message', () => window.benchMessage()); }
        };
      }`);
      await page.goto(url);
      await page.waitForSelector('#connection[data-state="open"]');
      closePage = () => page.close();
      child.stdin?.write('go\n');
    }
    const m = await waitLine(child, /^DONE (\S+) (\d+) (\S+) (\S+) (\S+)/m, 'download', 600_000);
    await closePage();
    return { afterAdd: Number(m[3]), cpu: Number(m[1]), messages };
  } finally {
    await stop(child);
    await rm(out, { recursive: true, force: true });
  }
};

const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

const main = async (): Promise<void> => {
  const argv = process.argv.slice(2);
  let sizeMiB = 256;
  let runs = 3;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--size') sizeMiB = Number(argv[++i]);
    else if (argv[i] === '--runs') runs = Number(argv[++i]);
    else throw new Error(`unknown argument ${argv[i]}; usage: [--size MiB] [--runs N]`);
  }
  const root = await mkdtemp(join(tmpdir(), 'statorrent-inspectbench-'));
  let browser: Browser | undefined;
  const cleanup = async (): Promise<void> => {
    await browser?.close();
    await stopAll();
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  try {
    const size = sizeMiB * MiB;
    const seedDir = join(root, 'seed');
    await run('mkdir', ['-p', seedDir]);
    const name = `content-${sizeMiB}m.bin`;
    await writeContent(join(seedDir, name), size);
    const torrent = join(root, 'content.torrent');
    await run('mktorrent', ['-a', 'http://127.0.0.1:1/announce', '-l', '18', '-t', '2', '-o', torrent, join(seedDir, name)]);
    const seeder = startChild(PYTHON, [LT_SEEDER, torrent, seedDir]);
    const port = (await waitLine(seeder, /^READY (\d+)/m, 'libtorrent seeder', 120_000))[1]!;
    browser = await puppeteer.launch({ executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium', headless: true, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
    console.log(`inspect bench: ${sizeMiB} MiB single file, 256 KiB pieces, one libtorrent seeder on 127.0.0.1, ${runs} run(s) each, alternating`);
    const plain: Sample[] = [];
    const fed: Sample[] = [];
    const watched: Sample[] = [];
    const line = (who: string, s: Sample): string =>
      `${who.padEnd(22)} ${s.afterAdd.toFixed(2).padStart(7)} s  ${(size / s.afterAdd / 1e6).toFixed(1).padStart(7)} MB/s  cpu ${s.cpu.toFixed(2).padStart(6)} s${s.messages > 0 ? `  (${s.messages} messages to the page, ${(s.messages / s.afterAdd).toFixed(1)}/s)` : ''}`;
    for (let r = 0; r < runs; r++) {
      const a = await measure(torrent, join(root, `plain${r}`), port, undefined);
      console.log(line('without inspector', a));
      plain.push(a);
      const f = await measure(torrent, join(root, `fed${r}`), port, { kind: 'feed' });
      console.log(line('feed read, no browser', f));
      fed.push(f);
      const b = await measure(torrent, join(root, `watched${r}`), port, { kind: 'page', browser });
      console.log(line('with a page open', b));
      watched.push(b);
    }
    const med = (xs: Sample[]): Sample => ({ afterAdd: median(xs.map((x) => x.afterAdd)), cpu: median(xs.map((x) => x.cpu)), messages: median(xs.map((x) => x.messages)) });
    const p = med(plain);
    const f = med(fed);
    const w = med(watched);
    const pct = (x: number, base: number): string => `${x >= base ? '+' : ''}${((x / base - 1) * 100).toFixed(1)}%`;
    console.log('\nmedians');
    console.log(line('without inspector', p));
    console.log(line('feed read, no browser', f));
    console.log(line('with a page open', w));
    console.log(`feed only:  download time ${pct(f.afterAdd, p.afterAdd)}, our cpu ${pct(f.cpu, p.cpu)}`);
    console.log(`page open:  download time ${pct(w.afterAdd, p.afterAdd)}, our cpu ${pct(w.cpu, p.cpu)} (Chromium drawing shares the CPU with seeder and downloader)`);
    console.log('target: under ~5% slower');
  } finally {
    await cleanup();
  }
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
