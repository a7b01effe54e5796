/**
 * What the transfer benchmarks (download, seed, swarm, the CI guard) share: test content,
 * torrents, child processes with their CPU and peak RSS from /proc, medians and a plain table.
 * Everything runs on 127.0.0.0/8; temp data lives under the OS temp folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir, open, readFile } from 'node:fs/promises';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';

export const MiB = 1024 * 1024;
export const GiB = 1024 * MiB;
export const PIECE_LOG2 = 18; // 256 KiB, as the measurements
export const PYTHON = '/usr/bin/python3'; // Debian's python has the libtorrent module
const here = (file: string): string => fileURLToPath(new URL(file, import.meta.url));
export const LT_SEEDER = here('../../bench/lt_bench_seed.py');
export const LT_LEECHER = here('../../bench/lt_bench_leech.py');
// the statorrent side runs bundled, as the CLI ships (see scripts/bundle.ts)
export const DOWNLOAD_CHILD = here('../bundle/downloadChild.cjs');
export const SWARM_CHILD = here('../bundle/swarmChild.cjs');
export const CLI = here('../bundle/statorrent.cjs');

/**
 * The Node flags a built CLI runs with: those on its `#!/usr/bin/env -S node …` line. Benchmarks
 * start their statorrent children (the CLI, or a child script using the same library) with
 * them, so they measure the runtime users get; none when the file has no such line.
 */
export const nodeFlagsOf = (cliJs: string): string[] => {
  try {
    const first = readFileSync(cliJs, 'utf8').split('\n', 1)[0]!;
    const m = /^#!\S*env -S node((?: --[\w-]+(?:=\S+)?)*)\s*$/.exec(first);
    return m === null ? [] : m[1]!.trim().split(/\s+/).filter((x) => x.length > 0);
  } catch {
    return [];
  }
};
/** This build's CLI flags (see {@link nodeFlagsOf}). */
export const CLI_NODE_FLAGS = nodeFlagsOf(CLI);

/**
 * Writes `size` bytes of incompressible content fast: one random 4 MiB block, repeated, with
 * every 16 KiB stamped with its own offset so no two blocks (hence no two pieces) are equal.
 */
export const writeContent = async (path: string, size: number): Promise<void> => {
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
export const run = (cmd: string, args: readonly string[]): Promise<void> =>
  new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    child.stderr.on('data', (d: Buffer) => (err += d.toString()));
    child.on('error', (e) => reject(new Error(`${cmd}: ${e.message}`)));
    child.on('close', (code) => (code === 0 ? resolve() : reject(new Error(`${cmd} exited ${code}: ${err.trim()}`))));
  });

/** A single-file torrent of `sizeMiB` MiB of fresh content under `dir`/seed. */
export interface BenchTorrent {
  readonly torrent: string;
  readonly seedDir: string;
  readonly name: string;
  readonly size: number;
}

export const makeTorrent = async (dir: string, sizeMiB: number): Promise<BenchTorrent> => {
  const seedDir = join(dir, 'seed');
  await mkdir(seedDir, { recursive: true });
  const name = `content-${sizeMiB}m.bin`;
  await writeContent(join(seedDir, name), sizeMiB * MiB);
  const torrent = join(dir, 'content.torrent');
  await run('mktorrent', ['-a', 'http://127.0.0.1:1/announce', '-l', String(PIECE_LOG2), '-t', '2', '-o', torrent, join(seedDir, name)]);
  return { torrent, seedDir, name, size: sizeMiB * MiB };
};

/** What each child printed so far (its tail), so a line printed before anyone waits is not lost. */
const printed = new WeakMap<ChildProcess, { text: string }>();

/**
 * Resolves with the first stdout line matching `pattern` (also one printed before the call);
 * rejects when the child exits first or prints ERROR.
 */
export const waitLine = (child: ChildProcess, pattern: RegExp, what: string, timeoutMs: number): Promise<RegExpMatchArray> =>
  new Promise((resolve, reject) => {
    const out = printed.get(child) ?? { text: '' };
    const timer = setTimeout(() => finish(new Error(`${what}: no output after ${timeoutMs} ms`)), timeoutMs);
    const check = (): void => {
      const m = pattern.exec(out.text);
      if (m) finish(undefined, m);
      else if (/^ERROR .*$/m.test(out.text)) finish(new Error(`${what}: ${/^ERROR (.*)$/m.exec(out.text)![1]}`));
    };
    const onExit = (code: number | null, signal: NodeJS.Signals | null): void => {
      check();
      finish(new Error(`${what} exited (${code ?? signal}): ${out.text.slice(-400)}`));
    };
    let done = false;
    const finish = (e: Error | undefined, m?: RegExpMatchArray): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      child.stdout?.off('data', check);
      child.off('exit', onExit);
      if (e) reject(e);
      else resolve(m!);
    };
    // registered after startChild's own listener, so `out` already holds the new chunk
    child.stdout?.on('data', check);
    child.on('exit', onExit);
    check();
  });

/**
 * The environment the benches' clients run in. NODE_EXTRA_CA_CERTS is left out: Node 20 reads
 * and parses that file at every start, before any of our code runs, and some machines (this
 * project's development VM among them) point it at the whole system CA bundle: 60-65 ms more
 * CPU per process here, start-up no user of a default install pays, and nothing a bench does
 * uses TLS. {@link machineLoad} says so when it was set.
 */
const childEnv = (): NodeJS.ProcessEnv => {
  const { NODE_EXTRA_CA_CERTS: _left, ...env } = process.env;
  return { ...env, PYTHONFAULTHANDLER: '1' };
};

const children = new Set<ChildProcess>();
export const startChild = (cmd: string, args: readonly string[]): ChildProcess => {
  // a python helper killed by a signal prints its stacks to our stderr
  const child = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'inherit'], env: childEnv() });
  children.add(child);
  child.on('exit', () => children.delete(child));
  // always drained (a chatty child never blocks) and remembered for waitLine
  const out = { text: '' };
  printed.set(child, out);
  child.stdout?.on('data', (d: Buffer) => {
    out.text += d.toString();
    if (out.text.length > 65536) out.text = out.text.slice(-32768);
  });
  return child;
};
export const stop = async (child: ChildProcess): Promise<void> => {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((r) => child.once('exit', () => r()));
  child.stdin?.end();
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(t);
};
/**
 * Writes every dirty page back (`sync`) before a measured run: without it, the last run's
 * gigabyte was still being written back, or dropped as its file was removed, while the next
 * client ran, and that client paid for it in kernel time (on this VM single runs took up to
 * 0.3 CPU-s more, for whichever client came next). A user's download rarely starts in that state.
 */
export const settleDisk = (): Promise<void> =>
  new Promise((resolve, reject) => {
    spawn('sync', [], { stdio: 'ignore' }).once('error', reject).once('exit', () => resolve());
  });
/** Stops every child still running (on exit and on Ctrl-C). */
export const stopAll = (): Promise<void[]> => Promise.all([...children].map(stop));

/** CPU seconds a process has used so far, all threads (Linux /proc; 0 elsewhere). */
export const cpuOf = async (pid: number | undefined): Promise<number> => {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100; // utime + stime, in clock ticks (USER_HZ = 100)
  } catch {
    return 0;
  }
};

/** Peak RSS of a running process in MiB (VmHWM; 0 when unknown). */
export const peakRssOf = async (pid: number | undefined): Promise<number> => {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const m = /^VmHWM:\s+(\d+) kB/m.exec(status);
    return m === null ? 0 : Number(m[1]) / 1024;
  } catch {
    return 0;
  }
};

/** One download's measurements. */
export interface Sample {
  readonly wall: number;
  readonly cpu: number;
  readonly user: number;
  readonly sys: number;
  readonly rssMiB: number;
  /** CPU the seeder(s) spent while serving this download. */
  readonly seederCpu: number;
  /** Seconds from adding the torrent to completion (wall without process start-up), when reported. */
  readonly wallAfterAdd: number | undefined;
  /** CPU seconds from adding the torrent to completion (without start-up), when reported. */
  readonly cpuAfterAdd: number | undefined;
}

/**
 * Spawns a leecher that prints `DONE cpu rss_kib wall_after_add user sys [cpu_at_add]` when
 * complete (wall_after_add may be "-"); wall runs from
 * spawn to that line (process start-up included). `seeders` are charged their CPU meanwhile.
 */
export const measure = async (cmd: string, args: readonly string[], what: string, seeders: readonly ChildProcess[]): Promise<Sample> => {
  await settleDisk();
  const cpuOfSeeders = async (): Promise<number> => (await Promise.all(seeders.map((s) => cpuOf(s.pid)))).reduce((a, b) => a + b, 0);
  const seederCpu0 = await cpuOfSeeders();
  const t0 = performance.now();
  const child = startChild(cmd, args);
  try {
    const m = await waitLine(child, /^DONE (\S+) (\d+) (\S+) (\S+) (\S+)(?: (\S+))?$/m, what, 900_000);
    const wall = (performance.now() - t0) / 1000;
    const seederCpu = (await cpuOfSeeders()) - seederCpu0;
    await new Promise<void>((r) => (child.exitCode !== null ? r() : child.once('exit', () => r())));
    const cpu = Number(m[1]);
    return {
      wall, cpu, user: Number(m[4]), sys: Number(m[5]), rssMiB: Number(m[2]) / 1024, seederCpu,
      wallAfterAdd: m[3] === '-' ? undefined : Number(m[3]),
      cpuAfterAdd: m[6] === undefined ? undefined : cpu - Number(m[6]),
    };
  } finally {
    await stop(child);
  }
};

/** True when both files hold the same bytes. */
export const sameBytes = async (a: string, b: string): Promise<boolean> => {
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

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
};
export const medianSample = (xs: readonly Sample[]): Sample => ({
  wall: median(xs.map((x) => x.wall)),
  cpu: median(xs.map((x) => x.cpu)),
  user: median(xs.map((x) => x.user)),
  sys: median(xs.map((x) => x.sys)),
  rssMiB: median(xs.map((x) => x.rssMiB)),
  seederCpu: median(xs.map((x) => x.seederCpu)),
  wallAfterAdd: optionalMedian(xs.map((x) => x.wallAfterAdd)),
  cpuAfterAdd: optionalMedian(xs.map((x) => x.cpuAfterAdd)),
});
const optionalMedian = (xs: readonly (number | undefined)[]): number | undefined =>
  xs.some((x) => x === undefined) ? undefined : median(xs as number[]);

/** Right-aligned columns under a header, as plain text. */
export const table = (header: readonly string[], rows: readonly (readonly string[])[]): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (r: readonly string[]): string => r.map((c, i) => (i === 0 ? c.padEnd(widths[i]!) : c.padStart(widths[i]!))).join('  ');
  return [line(header), widths.map((w) => '-'.repeat(w)).join('  '), ...rows.map(line)].join('\n');
};

/**
 * How busy the machine is, for the report (benchmark numbers on a loaded machine are noisy),
 * and whether the clients run without the caller's NODE_EXTRA_CA_CERTS (see `childEnv`).
 */
export const machineLoad = (): string => {
  const [a, b, c] = loadavg();
  const ca = process.env.NODE_EXTRA_CA_CERTS === undefined ? '' : '; clients run without NODE_EXTRA_CA_CERTS';
  return `load average ${a!.toFixed(2)} ${b!.toFixed(2)} ${c!.toFixed(2)}${ca}`;
};

/** `x` with `digits` decimals. */
export const f = (x: number, digits = 2): string => (Number.isFinite(x) ? x.toFixed(digits) : '-');
