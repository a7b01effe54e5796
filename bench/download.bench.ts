/**
 * Benchmark (not a test): downloads one single-file torrent (256 KiB pieces) from a local
 * python3-libtorrent seeder, first with statorrent, then with libtorrent itself, each in its own
 * child process, and prints wall time, MB/s (decimal), CPU seconds and peak RSS of each, the
 * ratio ours/libtorrent, and whether our peak RSS grew with the download size (it must not:
 * blocks go to disk, nothing buffers a whole file).
 *
 * Run: `npm run build && node dist/bench/download.bench.js [--sizes 64,1024] [--runs 1]
 *       [--no-libtorrent] [--cpu-prof DIR] [--baseline OTHER/dist/bench/downloadChild.js]`
 * Sizes are MiB. Everything runs on 127.0.0.1; temp data lives under the OS temp folder and is
 * removed at the end (also on Ctrl-C).
 *
 * Wall time runs from spawning the downloader to its DONE line (process start-up included; for
 * statorrent the rate after start-up is shown too). CPU is the downloader's own (all threads),
 * split user/system; "seeder cpu" is what the seeder spent serving that download. On a shared
 * 2-core machine the seeder and the downloader compete for CPU, so wall time tracks CPU demand
 * and varies a lot between runs: compare CPU seconds, and use --runs and --baseline (another
 * build's dist/bench/downloadChild.js, run alternately with ours) for A/B comparisons.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { open, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

const MiB = 1024 * 1024;
const PIECE_LOG2 = 18; // 256 KiB
const PYTHON = '/usr/bin/python3'; // Debian's python has the libtorrent module
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
const SEEDER = here('../../bench/lt_bench_seed.py');
const LEECHER = here('../../bench/lt_bench_leech.py');
const CHILD = here('./downloadChild.js');

interface Options {
  readonly sizesMiB: readonly number[];
  readonly runs: number;
  readonly libtorrent: boolean;
  readonly cpuProfDir: string | undefined;
  /** Another build's downloadChild.js, run alternately with ours (A/B of an optimization). */
  readonly baseline: string | undefined;
}

const parseArgs = (argv: readonly string[]): Options => {
  let sizesMiB = [64, 1024];
  let runs = 1;
  let libtorrent = true;
  let cpuProfDir: string | undefined;
  let baseline: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--sizes') sizesMiB = (argv[++i] ?? '').split(',').map(Number);
    else if (a === '--runs') runs = Number(argv[++i]);
    else if (a === '--no-libtorrent') libtorrent = false;
    else if (a === '--cpu-prof') cpuProfDir = argv[++i];
    else if (a === '--baseline') baseline = argv[++i];
    else throw new Error(`unknown argument ${a}; usage: [--sizes 64,1024] [--runs N] [--no-libtorrent] [--cpu-prof DIR] [--baseline OTHER_BUILD/dist/bench/downloadChild.js]`);
  }
  if (sizesMiB.some((s) => !(Number.isInteger(s) && s > 0)) || !(Number.isInteger(runs) && runs > 0)) {
    throw new Error('--sizes takes positive whole MiB numbers, --runs a positive count');
  }
  return { sizesMiB, runs, libtorrent, cpuProfDir, baseline };
};

/**
 * Writes `size` bytes of incompressible content fast: one random 4 MiB block, repeated, with
 * every 16 KiB stamped with its own offset so no two blocks (hence no two pieces) are equal.
 */
const writeContent = async (path: string, size: number): Promise<void> => {
  const base = randomBytes(4 * MiB);
  const buf = Buffer.alloc(base.length);
  const fh = await open(path, 'w');
  try {
    for (let off = 0; off < size; off += buf.length) {
      base.copy(buf);
      for (let b = 0; b < buf.length; b += 16384) buf.writeDoubleBE(off + b, b);
      const n = Math.min(buf.length, size - off);
      await fh.write(buf, 0, n, off);
    }
  } finally {
    await fh.close();
  }
};

/** Runs a program to completion (for mktorrent); rejects on a non-zero exit. */
const run = (cmd: string, args: readonly string[]): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))));
  });

/** Resolves with the first stdout line matching `pattern`; rejects when the child exits first or prints ERROR. */
const waitLine = (child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpMatchArray> =>
  new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => finish(new Error(`${what}: no output after ${timeoutMs} ms`)), timeoutMs);
    const onData = (d: Buffer): void => {
      seen += d.toString();
      const m = pattern.exec(seen);
      if (m) finish(undefined, m);
      else if (/^ERROR .*$/m.test(seen)) finish(new Error(`${what}: ${/^ERROR (.*)$/m.exec(seen)![1]}`));
    };
    const onExit = (code: number | null): void => finish(new Error(`${what} exited (${code}): ${seen.slice(-400)}`));
    const finish = (e: Error | undefined, m?: RegExpMatchArray): void => {
      clearTimeout(timer);
      child.stdout?.off('data', onData);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(m!);
    };
    child.stdout?.on('data', onData);
    child.on('exit', onExit);
  });

const children = new Set<ChildProcess>();
const startChild = (cmd: string, args: readonly string[]): ChildProcess => {
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  return child;
};
const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin?.end();
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
};

/** CPU seconds a process has used so far (Linux /proc; 0 elsewhere). */
const cpuOf = async (pid: number | undefined): Promise<number> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
};

/** One download's measurements. */
interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly user: number;
  readonly sys: number;
  readonly rssMiB: number;
  /** CPU the seeder spent while serving this download. */
  readonly seederCpu: number;
  /** statorrent only: seconds from adding the torrent to completion (wall minus process start-up). */
  readonly afterAdd: number | undefined;
}

/** Spawns a leecher, waits for its `DONE cpu rss` line; wall runs from spawn to that line (startup included). */
const measure = async (cmd: string, args: readonly string[], what: string, seeder: ChildProcess): Promise<Sample> => {
  const seederCpu0 = await cpuOf(seeder.pid);
  const t0 = performance.now();
  const child = startChild(cmd, args);
  try {
    const m = await waitLine(child, /^DONE (\S+) (\d+) (\S+) (\S+) (\S+)/m, what, 600_000);
    const wall = (performance.now() - t0) / 1000;
    const seederCpu = (await cpuOf(seeder.pid)) - seederCpu0;
    await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
    return { wall, cpu: Number(m[1]), user: Number(m[4]), sys: Number(m[5]), rssMiB: Number(m[2]) / 1024, seederCpu, afterAdd: m[3] === '-' ? undefined : Number(m[3]) };
  } finally {
    await stop(child);
  }
};

/** True when both files hold the same bytes. */
const sameBytes = async (a: string, b: string): Promise<boolean> => {
  const [fa, fb] = await Promise.all([open(a, 'r'), open(b, 'r')]);
  try {
    const ba = Buffer.alloc(4 * MiB);
    const bb = Buffer.alloc(4 * MiB);
    for (let pos = 0; ; pos += ba.length) {
      const [ra, rb] = await Promise.all([fa.read(ba, 0, ba.length, pos), fb.read(bb, 0, bb.length, pos)]);
      if (ra.bytesRead !== rb.bytesRead) return false;
      if (ra.bytesRead === 0) return true;
      if (!ba.subarray(0, ra.bytesRead).equals(bb.subarray(0, rb.bytesRead))) return false;
    }
  } finally {
    await Promise.all([fa.close(), fb.close()]);
  }
};

const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
const medianSample = (xs: readonly Sample[]): Sample => ({
  wall: median(xs.map((x) => x.wall)),
  cpu: median(xs.map((x) => x.cpu)),
  user: median(xs.map((x) => x.user)),
  sys: median(xs.map((x) => x.sys)),
  rssMiB: median(xs.map((x) => x.rssMiB)),
  seederCpu: median(xs.map((x) => x.seederCpu)),
  afterAdd: xs[0]?.afterAdd === undefined ? undefined : median(xs.map((x) => x.afterAdd ?? 0)),
});

const row = (who: string, size: number, s: Sample): string =>
  `${who.padEnd(11)} ${(size / MiB).toFixed(0).padStart(6)} MiB  wall ${s.wall.toFixed(2).padStart(6)} s  ` +
  `${(size / s.wall / 1e6).toFixed(1).padStart(6)} MB/s${s.afterAdd === undefined ? '' : ` (${(size / s.afterAdd / 1e6).toFixed(0)} after start-up)`}  cpu ${s.cpu.toFixed(2).padStart(6)} s (user ${s.user.toFixed(2)}, sys ${s.sys.toFixed(2)})  peak RSS ${s.rssMiB.toFixed(1).padStart(7)} MiB  (seeder cpu ${s.seederCpu.toFixed(2)} s)`;

const benchSize = async (root: string, sizeMiB: number, o: Options): Promise<{ ours: Sample; lt: Sample | undefined }> => {
  const size = sizeMiB * MiB;
  const dir = join(root, `${sizeMiB}m`);
  const seedDir = join(dir, 'seed');
  await rm(dir, { recursive: true, force: true });
  await run('mkdir', ['-p', seedDir]);
  const name = `content-${sizeMiB}m.bin`;
  await writeContent(join(seedDir, name), size);
  const torrent = join(dir, 'content.torrent');
  await run('mktorrent', ['-a', 'http://127.0.0.1:1/announce', '-l', String(PIECE_LOG2), '-t', '2', '-o', torrent, join(seedDir, name)]);
  const seeder = startChild(PYTHON, [SEEDER, torrent, seedDir]);
  try {
    const port = (await waitLine(seeder, /^READY (\d+)/m, 'libtorrent seeder', 120_000))[1]!;
    const ours: Sample[] = [];
    const lt: Sample[] = [];
    for (let r = 0; r < o.runs; r++) {
      const out = join(dir, `ours${r}`);
      const nodeArgs = o.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${o.cpuProfDir}`];
      const s = await measure(process.execPath, [...nodeArgs, CHILD, torrent, out, port], 'statorrent download', seeder);
      if (!(await sameBytes(join(out, name), join(seedDir, name)))) throw new Error(`statorrent's ${sizeMiB} MiB download differs from the seed`);
      await rm(out, { recursive: true, force: true });
      console.log(row('statorrent', size, s));
      ours.push(s);
      if (o.baseline !== undefined) {
        const bOut = join(dir, `base${r}`);
        const b = await measure(process.execPath, [o.baseline, torrent, bOut, port], 'baseline download', seeder);
        await rm(bOut, { recursive: true, force: true });
        console.log(row('baseline', size, b));
      }
      if (o.libtorrent) {
        const ltOut = join(dir, `lt${r}`);
        const l = await measure(PYTHON, [LEECHER, torrent, ltOut, port], 'libtorrent download', seeder);
        await rm(ltOut, { recursive: true, force: true });
        console.log(row('libtorrent', size, l));
        lt.push(l);
      }
    }
    return { ours: medianSample(ours), lt: lt.length > 0 ? medianSample(lt) : undefined };
  } finally {
    await stop(seeder);
    await rm(dir, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const o = parseArgs(process.argv.slice(2));
  const root = await mkdtemp(join(tmpdir(), 'statorrent-dlbench-'));
  const cleanup = async (): Promise<void> => {
    await Promise.all([...children].map(stop));
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  console.log(`download bench: single file, 256 KiB pieces, one libtorrent seeder on 127.0.0.1, ${o.runs} run(s) per size (medians)`);
  const results: { sizeMiB: number; ours: Sample; lt: Sample | undefined }[] = [];
  try {
    for (const sizeMiB of o.sizesMiB) results.push({ sizeMiB, ...(await benchSize(root, sizeMiB, o)) });
  } finally {
    await cleanup();
  }
  console.log('\nsummary (medians)');
  for (const r of results) {
    const size = r.sizeMiB * MiB;
    console.log(row('statorrent', size, r.ours));
    if (r.lt !== undefined) {
      console.log(row('libtorrent', size, r.lt));
      console.log(
        `${''.padEnd(11)} ${''.padStart(10)}  ours/libtorrent: speed ${(r.lt.wall / r.ours.wall).toFixed(2)}x, ` +
          `cpu ${(r.ours.cpu / r.lt.cpu).toFixed(2)}x, RSS ${(r.ours.rssMiB / r.lt.rssMiB).toFixed(2)}x (libtorrent mmaps its files: its RSS counts page cache)`,
      );
    }
  }
  if (results.length > 1) {
    const first = results[0]!;
    const last = results[results.length - 1]!;
    const grew = last.ours.rssMiB - first.ours.rssMiB;
    const flat = grew < Math.max(32, 0.25 * first.ours.rssMiB);
    console.log(
      `\npeak RSS ${first.sizeMiB} MiB -> ${last.sizeMiB} MiB: ${first.ours.rssMiB.toFixed(1)} -> ${last.ours.rssMiB.toFixed(1)} MiB ` +
        (flat ? '(flat: OK)' : `(GROWS by ${grew.toFixed(1)} MiB with size: FLAG)`),
    );
  }
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
