/**
 * Benchmark (not a test): downloads one single-file torrent (256 KiB pieces) from local
 * python3-libtorrent seeders — one on 127.0.0.1, then four on 127.0.0.2–.5 — with statorrent
 * and with libtorrent itself, each in its own child process (after one uncounted warm-up
 * download each, in an order that rotates every run), and prints one table:
 * wall time, CPU seconds per GiB and peak RSS of each, and the ratio statorrent/libtorrent.
 * It also says whether our peak RSS grew with the download size (it must not: blocks go to
 * disk, nothing buffers a whole file).
 *
 * Run: `npm run build && node dist/bench/download.bench.js [--sizes 64,1024] [--seeders 1,4]
 *       [--runs 1] [--no-libtorrent] [--no-warmup] [--cpu-prof DIR] [--baseline OTHER/dist/bundle/downloadChild.cjs]
 *       [--guard [FACTOR]]`
 * Sizes are MiB (default 1024). `--guard` is the CI regression check: 64 MiB, one seeder, best
 * of 3 runs each, exit 1 when statorrent's wall time or CPU per GiB exceeds FACTOR (default 3)
 * times libtorrent's in the same run — ratios only, never absolute times, and without process
 * start-up (Node's would dominate at 64 MiB).
 *
 * Wall time runs from spawning the downloader to its DONE line (process start-up included).
 * CPU is the downloader's own (all threads); "seeder CPU" is what the seeders spent serving
 * that download. On a shared 2-core machine the seeders and the downloader compete for CPU, so
 * wall time tracks CPU demand and varies between runs: compare within one run, use --runs, and
 * --baseline (another build's dist/bundle/downloadChild.cjs; .js in builds before the CommonJS
 * bundle, dist/bench/downloadChild.js before any bundle; run alternately with ours) for A/B.
 * Our child runs bundled, as the CLI ships (scripts/bundle.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import {
  CLI_NODE_FLAGS, DOWNLOAD_CHILD, GiB, LT_LEECHER, LT_SEEDER, MiB, PYTHON, f, machineLoad, makeTorrent, measure, medianSample, nodeFlagsOf,
  sameBytes, startChild, stop, stopAll, table, waitLine, type Sample,
} from './benchKit.js';

interface Options {
  readonly sizesMiB: readonly number[];
  readonly seeders: readonly number[];
  readonly runs: number;
  readonly libtorrent: boolean;
  readonly cpuProfDir: string | undefined;
  /** Another build's downloadChild.js, run alternately with ours (A/B of an optimization). */
  readonly baseline: string | undefined;
  /** CI guard: the ratio above which statorrent counts as grossly regressed. */
  readonly guard: number | undefined;
  /** One uncounted download by each client first (default on; `--no-warmup`). */
  readonly warmup: boolean;
}

const USAGE = 'usage: [--sizes 64,1024] [--seeders 1,4] [--runs N] [--no-libtorrent] [--no-warmup] [--cpu-prof DIR] [--baseline OTHER_BUILD/dist/bundle/downloadChild.cjs] [--guard [FACTOR]]';

const parseArgs = (argv: readonly string[]): Options => {
  let sizesMiB: number[] | undefined;
  let seeders: number[] | undefined;
  let runs: number | undefined;
  let libtorrent = true;
  let cpuProfDir: string | undefined;
  let baseline: string | undefined;
  let guard: number | undefined;
  let warmup = true;
  const list = (s: string | undefined): number[] => (s ?? '').split(',').map(Number);
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sizes') sizesMiB = list(argv[++i]);
    else if (a === '--seeders') seeders = list(argv[++i]);
    else if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--no-libtorrent') libtorrent = false;
    else if (a === '--no-warmup') warmup = false;
    else if (a === '--cpu-prof') cpuProfDir = argv[++i];
    else if (a === '--baseline') baseline = argv[++i];
    else if (a === '--guard') guard = /^\d+(\.\d+)?$/.test(argv[i + 1] ?? '') ? Number(argv[++i]) : 3;
    else throw new Error(`unknown argument ${a}; ${USAGE}`);
  }
  const o: Options = {
    sizesMiB: sizesMiB ?? (guard === undefined ? [1024] : [64]),
    seeders: seeders ?? (guard === undefined ? [1, 4] : [1]),
    runs: runs ?? (guard === undefined ? 1 : 3),
    libtorrent: libtorrent || guard !== undefined,
    cpuProfDir,
    baseline,
    guard,
    warmup,
  };
  const positive = (xs: readonly number[]): boolean => xs.length > 0 && xs.every((s) => Number.isInteger(s) && s > 0);
  if (!positive(o.sizesMiB) || !positive(o.seeders) || o.seeders.some((n) => n > 200) || !positive([o.runs])) {
    throw new Error(`--sizes takes positive whole MiB numbers, --seeders counts up to 200, --runs a positive count; ${USAGE}`);
  }
  return o;
};

/** Seeder addresses: one seeder on 127.0.0.1, several on 127.0.0.2, .3, ... (one address each). */
const seederIp = (count: number, i: number): string => (count === 1 ? '127.0.0.1' : `127.0.0.${2 + i}`);

/** One client under test: how it downloads into a folder, and its samples. */
interface Contender {
  readonly who: string;
  readonly samples: Sample[];
  readonly download: (out: string) => Promise<Sample>;
  /** Compare the result with the seed (our own downloads; the others are trusted). */
  readonly check: boolean;
}

interface Result {
  readonly sizeMiB: number;
  readonly seeders: number;
  readonly ours: Sample;
  readonly base: Sample | undefined;
  readonly lt: Sample | undefined;
}

const runCase = async (root: string, sizeMiB: number, seeders: number, o: Options): Promise<Result> => {
  const dir = join(root, `${sizeMiB}m-${seeders}s`);
  await rm(dir, { recursive: true, force: true });
  const t = await makeTorrent(dir, sizeMiB);
  const procs: ChildProcess[] = [];
  try {
    const peers: string[] = [];
    for (let i = 0; i < seeders; i++) procs.push(startChild(PYTHON, [LT_SEEDER, t.torrent, t.seedDir, seederIp(seeders, i)]));
    for (let i = 0; i < seeders; i++) {
      const port = (await waitLine(procs[i]!, /^READY (\d+)/m, `libtorrent seeder ${i + 1}`, 300_000))[1]!;
      peers.push(`${seederIp(seeders, i)}:${port}`);
    }
    const peerArg = peers.join(',');
    const say = (who: string, s: Sample): void =>
      console.log(`  ${sizeMiB} MiB, ${seeders} seeder(s), ${who}: wall ${f(s.wall)} s, cpu ${f(s.cpu)} s (user ${f(s.user)}, sys ${f(s.sys)}), peak RSS ${f(s.rssMiB, 1)} MiB, seeder cpu ${f(s.seederCpu)} s`);
    const nodeArgs = o.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`];
    const contenders: Contender[] = [
      { who: 'statorrent', samples: [], download: (out) => measure(process.execPath, [...CLI_NODE_FLAGS, ...nodeArgs, DOWNLOAD_CHILD, t.torrent, out, peerArg], 'statorrent download', procs), check: true },
    ];
    if (o.baseline !== undefined) {
      const b = o.baseline;
      contenders.push({ who: 'baseline', samples: [], download: (out) => measure(process.execPath, [...nodeFlagsOf(join(dirname(b), '../src/cli/main.js')), b, t.torrent, out, peerArg], 'baseline download', procs), check: false });
    }
    if (o.libtorrent) contenders.push({ who: 'libtorrent', samples: [], download: (out) => measure(PYTHON, [LT_LEECHER, t.torrent, out, peerArg], 'libtorrent download', procs), check: false });
    const once = async (c: Contender, tag: string): Promise<Sample> => {
      const out = join(dir, `${c.who}-${tag}`);
      const s = await c.download(out);
      if (c.check && !(await sameBytes(join(out, t.name), join(t.seedDir, t.name)))) throw new Error(`${c.who}'s ${sizeMiB} MiB download differs from the seed`);
      await rm(out, { recursive: true, force: true });
      return s;
    };
    // Warm-up, not counted: on this VM the first transfer after fresh content is written runs
    // 1.5-2x slower in whichever client goes first (kernel page-cache and memory effects:
    // buffered writes crawl), so each client downloads once before anything is measured.
    if (o.warmup) for (const c of contenders) say(`${c.who} (warm-up, not counted)`, await once(c, 'warmup'));
    for (let r = 0; r < o.runs; r++) {
      // the order rotates each run, so no client always runs right after the same other one
      for (let k = 0; k < contenders.length; k++) {
        const c = contenders[(r + k) % contenders.length]!;
        const s = await once(c, String(r));
        say(c.who, s);
        c.samples.push(s);
      }
    }
    const ours = contenders[0]!.samples;
    const base = contenders.find((c) => c.who === 'baseline')?.samples ?? [];
    const lt = contenders.find((c) => c.who === 'libtorrent')?.samples ?? [];
    // the guard takes each side's best run: a gross regression shows in every run, noise does not
    const pick = (xs: Sample[]): Sample | undefined => (xs.length === 0 ? undefined : o.guard === undefined ? medianSample(xs) : best(xs));
    return { sizeMiB, seeders, ours: pick(ours)!, base: pick(base), lt: pick(lt) };
  } finally {
    await Promise.all(procs.map(stop));
    await rm(dir, { recursive: true, force: true });
  }
};

const best = (xs: readonly Sample[]): Sample => {
  const least = (pick: (s: Sample) => number | undefined): number | undefined => {
    const v = xs.map(pick);
    return v.some((x) => x === undefined) ? undefined : Math.min(...(v as number[]));
  };
  return {
    ...xs.reduce((a, b) => (b.wall < a.wall ? b : a)),
    cpu: least((s) => s.cpu)!,
    rssMiB: least((s) => s.rssMiB)!,
    wallAfterAdd: least((s) => s.wallAfterAdd),
    cpuAfterAdd: least((s) => s.cpuAfterAdd),
  };
};

const perGiB = (cpu: number, sizeMiB: number): number => cpu / ((sizeMiB * MiB) / GiB);

const report = (results: readonly Result[], o: Options): void => {
  const rows: string[][] = [];
  for (const r of results) {
    const line = (who: string, s: Sample): string[] => [
      `${r.sizeMiB} MiB`, String(r.seeders), who, f(s.wall), f((r.sizeMiB * MiB) / s.wall / 1e6, 0), f(s.cpu), f(perGiB(s.cpu, r.sizeMiB)),
      f(s.wallAfterAdd ?? NaN), f(perGiB(s.cpuAfterAdd ?? NaN, r.sizeMiB)), f(s.rssMiB, 0), f(s.seederCpu),
    ];
    rows.push(line('statorrent', r.ours));
    if (r.base !== undefined) rows.push(line('baseline', r.base));
    if (r.lt !== undefined) {
      rows.push(line('libtorrent', r.lt));
      const q = (a: number | undefined, b: number | undefined): string => f((a ?? NaN) / (b ?? NaN));
      rows.push([
        '', '', 'ratio st/lt', q(r.ours.wall, r.lt.wall), q(r.lt.wall, r.ours.wall), q(r.ours.cpu, r.lt.cpu), q(r.ours.cpu, r.lt.cpu),
        q(r.ours.wallAfterAdd, r.lt.wallAfterAdd), q(r.ours.cpuAfterAdd, r.lt.cpuAfterAdd), q(r.ours.rssMiB, r.lt.rssMiB), q(r.ours.seederCpu, r.lt.seederCpu),
      ]);
    }
  }
  console.log(`\nsummary (${o.guard === undefined ? 'medians' : 'best'} of ${o.runs} run(s); ${machineLoad()})`);
  console.log(table(['size', 'seeders', 'client', 'wall s', 'MB/s', 'CPU s', 'CPU-s/GiB', 'wall after start s', 'CPU-s/GiB after start', 'peak RSS MiB', 'seeder CPU s'], rows));
  console.log(
    'wall and CPU include process start-up; "after start" leaves it out (from adding the torrent to completion).\n' +
      'libtorrent mmaps its files: its RSS counts page cache. In ratio rows the MB/s column is the speed ratio lt wall/st wall.',
  );
  const bySeeders = new Map<number, Result[]>();
  for (const r of results) bySeeders.set(r.seeders, [...(bySeeders.get(r.seeders) ?? []), r]);
  for (const [seeders, rs] of bySeeders) {
    if (rs.length < 2) continue;
    const first = rs[0]!;
    const last = rs[rs.length - 1]!;
    const grew = last.ours.rssMiB - first.ours.rssMiB;
    const flat = grew < Math.max(32, 0.25 * first.ours.rssMiB);
    console.log(
      `peak RSS ${first.sizeMiB} MiB -> ${last.sizeMiB} MiB (${seeders} seeder(s)): ${f(first.ours.rssMiB, 1)} -> ${f(last.ours.rssMiB, 1)} MiB ` +
        (flat ? '(flat: OK)' : `(GROWS by ${f(grew, 1)} MiB with size: FLAG)`),
    );
  }
};

/** The CI guard's verdict: failures, one line each (empty when fine). */
const guardFailures = (results: readonly Result[], factor: number): string[] => {
  const out: string[] = [];
  for (const r of results) {
    if (r.lt === undefined) continue;
    const what = `${r.sizeMiB} MiB from ${r.seeders} seeder(s)`;
    // without process start-up when both report it: at 64 MiB Node's start-up would dominate
    const wall = (s: Sample): number => s.wallAfterAdd ?? s.wall;
    const cpu = (s: Sample): number => s.cpuAfterAdd ?? s.cpu;
    if (wall(r.ours) > factor * wall(r.lt)) out.push(`${what}: statorrent took ${f(wall(r.ours))} s, more than ${factor}x libtorrent's ${f(wall(r.lt))} s`);
    if (cpu(r.ours) > factor * cpu(r.lt)) out.push(`${what}: statorrent used ${f(cpu(r.ours))} CPU-s, more than ${factor}x libtorrent's ${f(cpu(r.lt))} s`);
  }
  return out;
};

const main = async (): Promise<void> => {
  const o = parseArgs(process.argv.slice(2));
  const root = await mkdtemp(join(tmpdir(), 'statorrent-dlbench-'));
  const cleanup = async (): Promise<void> => {
    await stopAll();
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  console.log(`download bench: single file, 256 KiB pieces, libtorrent seeders (1 on 127.0.0.1; N on 127.0.0.2..), ${o.runs} run(s) per case; ${machineLoad()}`);
  const results: Result[] = [];
  try {
    for (const sizeMiB of o.sizesMiB) for (const seeders of o.seeders) results.push(await runCase(root, sizeMiB, seeders, o));
  } finally {
    await cleanup();
  }
  report(results, o);
  if (o.guard !== undefined) {
    const failures = guardFailures(results, o.guard);
    for (const line of failures) console.log(`GUARD FAILED: ${line}`);
    if (failures.length === 0) console.log(`guard: statorrent within ${o.guard}x of libtorrent (wall and CPU): OK`);
    process.exitCode = failures.length === 0 ? 0 : 1;
  }
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
