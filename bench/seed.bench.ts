/**
 * Benchmark (not a test): a python3-libtorrent leecher downloads one single-file torrent
 * (256 KiB pieces) from `statorrent seed --skip-check` on 127.0.0.2, then from a libtorrent
 * seeder (high-performance settings) on 127.0.0.3, in turn (after one uncounted warm-up download
 * from each; the order rotates every run), and one table shows the
 * leecher's wall time and each seeder's CPU seconds per GiB uploaded and peak RSS, with the
 * ratio statorrent/libtorrent.
 *
 * Run: `npm run build && node dist/bench/seed.bench.js [--size 1024] [--runs 1] [--no-warmup]
 *       [--baseline OTHER_BUILD/dist/bundle/statorrent.cjs] [--plain]`
 * The size is in MiB. With --baseline, another build's CLI seeds too (on 127.0.0.4), for A/B
 * (statorrent.js in builds before the CommonJS bundle).
 * With --plain the leecher does not try protocol encryption first (a seeder without MSE then
 * costs it a reconnect, ~1 s, which would hide the serving speed at small sizes).
 * Seeder CPU is read from /proc before and after each download, so it counts only serving.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLI, GiB, LT_LEECHER, LT_SEEDER, MiB, PYTHON, f, machineLoad, makeTorrent, measure, median, nodeFlagsOf, peakRssOf, sameBytes,
  startChild, stop, stopAll, table, waitLine, type Sample,
} from './benchKit.js';

interface Options {
  readonly sizeMiB: number;
  readonly runs: number;
  readonly baseline: string | undefined;
  /** One uncounted download from each seeder first (default on; `--no-warmup`). */
  readonly warmup: boolean;
  readonly plain: boolean;
}

const parseArgs = (argv: readonly string[]): Options => {
  let sizeMiB = 1024;
  let runs = 1;
  let baseline: string | undefined;
  let warmup = true;
  let plain = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size') sizeMiB = Number(argv[++i]);
    else if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--baseline') baseline = argv[++i];
    else if (a === '--no-warmup') warmup = false;
    else if (a === '--plain') plain = true;
    else throw new Error(`unknown argument ${a}; usage: [--size MiB] [--runs N] [--no-warmup] [--baseline OTHER_BUILD/dist/bundle/statorrent.cjs] [--plain]`);
  }
  if (!(Number.isInteger(sizeMiB) && sizeMiB > 0 && Number.isInteger(runs) && runs > 0)) throw new Error('--size and --runs take positive whole numbers');
  return { sizeMiB, runs, baseline, warmup, plain };
};

/** Starts `statorrent seed --skip-check` (this build's or another's CLI) on `ip`; resolves with its endpoint. */
const startOurSeeder = async (cli: string, torrent: string, dir: string, ip: string): Promise<{ proc: ChildProcess; peer: string }> => {
  const proc = startChild(process.execPath, [...nodeFlagsOf(cli), cli, 'seed', torrent, dir, '--skip-check', '--no-trackers', '--port', '0', '--host', ip, '--json']);
  const port = (await waitLine(proc, /"port":(\d+)/, `statorrent seed (${cli})`, 120_000))[1]!;
  return { proc, peer: `${ip}:${port}` };
};

interface Row {
  readonly who: string;
  readonly wall: number[];
  readonly seederCpu: number[];
  readonly leecherCpu: number[];
  proc: ChildProcess;
  peer: string;
}

const main = async (): Promise<void> => {
  const o = parseArgs(process.argv.slice(2));
  const root = await mkdtemp(join(tmpdir(), 'statorrent-seedbench-'));
  const cleanup = async (): Promise<void> => {
    await stopAll();
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  console.log(`seed bench: a libtorrent leecher on 127.0.0.1 downloads ${o.sizeMiB} MiB (256 KiB pieces) from each seeder in turn, ${o.runs} run(s)${o.plain ? ', encryption off' : ''}; ${machineLoad()}`);
  const rows: Row[] = [];
  try {
    const t = await makeTorrent(root, o.sizeMiB);
    const ours = await startOurSeeder(CLI, t.torrent, t.seedDir, '127.0.0.2');
    rows.push({ who: 'statorrent', wall: [], seederCpu: [], leecherCpu: [], ...ours });
    if (o.baseline !== undefined) {
      const b = await startOurSeeder(o.baseline, t.torrent, t.seedDir, '127.0.0.4');
      rows.push({ who: 'baseline', wall: [], seederCpu: [], leecherCpu: [], ...b });
    }
    const lt = startChild(PYTHON, [LT_SEEDER, t.torrent, t.seedDir, '127.0.0.3']);
    const ltPort = (await waitLine(lt, /^READY (\d+)/m, 'libtorrent seeder', 300_000))[1]!;
    rows.push({ who: 'libtorrent', wall: [], seederCpu: [], leecherCpu: [], proc: lt, peer: `127.0.0.3:${ltPort}` });
    const once = async (row: Row, tag: string): Promise<Sample> => {
      const out = join(root, `${row.who}-${tag}`);
      const s = await measure(PYTHON, [LT_LEECHER, t.torrent, out, row.peer, ...(o.plain ? ['plain'] : [])], `libtorrent leecher from ${row.who}`, [row.proc]);
      if (!(await sameBytes(join(out, t.name), join(t.seedDir, t.name)))) throw new Error(`the download from ${row.who} differs from the seed`);
      await rm(out, { recursive: true, force: true });
      console.log(`  from ${row.who}${tag === 'warmup' ? ' (warm-up, not counted)' : ''}: wall ${f(s.wall)} s, seeder cpu ${f(s.seederCpu)} s, leecher cpu ${f(s.cpu)} s`);
      return s;
    };
    // one uncounted download from each seeder first: on this VM the first transfer after fresh
    // content is written is much slower for whoever goes first (page-cache and memory effects)
    if (o.warmup) for (const row of rows) await once(row, 'warmup');
    for (let r = 0; r < o.runs; r++) {
      // the order rotates each run, so no seeder always serves right after the same other one
      for (let k = 0; k < rows.length; k++) {
        const row = rows[(r + k) % rows.length]!;
        const s = await once(row, String(r));
        row.wall.push(s.wall);
        row.seederCpu.push(s.seederCpu);
        row.leecherCpu.push(s.cpu);
      }
    }
    const gib = (o.sizeMiB * MiB) / GiB;
    const lines: string[][] = [];
    const rss = new Map<Row, number>();
    for (const row of rows) rss.set(row, await peakRssOf(row.proc.pid));
    for (const row of rows) {
      lines.push([row.who, f(median(row.wall)), f((o.sizeMiB * MiB) / median(row.wall) / 1e6, 0), f(median(row.seederCpu) / gib), f(rss.get(row)!, 0), f(median(row.leecherCpu))]);
    }
    const st = rows[0]!;
    const ltRow = rows[rows.length - 1]!;
    lines.push([
      'ratio st/lt', f(median(st.wall) / median(ltRow.wall)), f(median(ltRow.wall) / median(st.wall)),
      f(median(st.seederCpu) / median(ltRow.seederCpu)), f(rss.get(st)! / rss.get(ltRow)!), f(median(st.leecherCpu) / median(ltRow.leecherCpu)),
    ]);
    console.log(`\nsummary (medians of ${o.runs} run(s), ${o.sizeMiB} MiB; ${machineLoad()})`);
    console.log(table(['seeder', 'leecher wall s', 'MB/s', 'seeder CPU-s/GiB up', 'seeder peak RSS MiB', 'leecher CPU s'], lines));
    console.log('wall includes the leecher\'s start-up; libtorrent mmaps its files (its RSS counts page cache). In the ratio row the MB/s column is the speed ratio.');
  } finally {
    await Promise.all(rows.map((r) => stop(r.proc)));
    await cleanup();
  }
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
