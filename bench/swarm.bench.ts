/**
 * Benchmark (not a test): a loopback swarm of statorrent only — one `statorrent seed
 * --skip-check` on 127.0.0.2 and N leechers (default 30), each its own Session listening and
 * dialing on its own 127.0.0.(10 + i), spread over a few child processes. Every leecher must
 * finish with byte-identical data. Prints wall time until the last leecher is done and the CPU
 * per GiB received of the whole swarm (leechers + seeder), beside the same numbers for a
 * single leecher from the same seeder in the same run: more peers must not cost more CPU per
 * byte.
 *
 * Run: `npm run build && node dist/bench/swarm.bench.js [--size 32] [--leechers 30] [--procs 2]`
 * (size in MiB).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import {
  CLI, CLI_NODE_FLAGS, GiB, MiB, SWARM_CHILD, cpuOf, f, machineLoad, makeTorrent, peakRssOf, sameBytes, startChild, stop, stopAll, table, waitLine,
  type BenchTorrent,
} from './benchKit.js';

interface Options {
  readonly sizeMiB: number;
  readonly leechers: number;
  readonly procs: number;
}

const parseArgs = (argv: readonly string[]): Options => {
  let sizeMiB = 32;
  let leechers = 30;
  let procs = 2;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--size') sizeMiB = Number(argv[++i]);
    else if (a === '--leechers') leechers = Number(argv[++i]);
    else if (a === '--procs') procs = Number(argv[++i]);
    else throw new Error(`unknown argument ${a}; usage: [--size MiB] [--leechers N] [--procs N]`);
  }
  const ok = (n: number): boolean => Number.isInteger(n) && n > 0;
  if (!ok(sizeMiB) || !ok(leechers) || !ok(procs) || leechers > 200) throw new Error('--size, --leechers (at most 200) and --procs take positive whole numbers');
  return { sizeMiB, leechers, procs: Math.min(procs, leechers) };
};

interface SwarmResult {
  readonly leechers: number;
  readonly wall: number;
  readonly leecherCpu: number;
  readonly seederCpu: number;
  readonly leecherRssMiB: number;
}

/** Runs `leechers` leechers over `procs` processes against the seeder until all are done. */
const runSwarm = async (root: string, t: BenchTorrent, seederPeer: string, seeder: ChildProcess, leechers: number, procs: number): Promise<SwarmResult> => {
  const outRoot = join(root, `swarm-${leechers}`);
  const kids: ChildProcess[] = [];
  try {
    const per = Math.ceil(leechers / procs);
    for (let first = 0; first < leechers; first += per) {
      kids.push(startChild(process.execPath, [...CLI_NODE_FLAGS, SWARM_CHILD, t.torrent, outRoot, String(first), String(Math.min(per, leechers - first))]));
    }
    const listens = await Promise.all(kids.map((k, i) => waitLine(k, /^LISTEN (\S+)$/m, `swarm child ${i}`, 120_000)));
    const all = listens.map((m) => m[1]!).join(',');
    const seederCpu0 = await cpuOf(seeder.pid);
    const t0 = performance.now();
    for (const k of kids) k.stdin!.write(`PEERS ${seederPeer} ${all}\n`);
    const done = await Promise.all(kids.map((k, i) => waitLine(k, /^DONE (\S+) (\d+) (\S+) (\S+) (\S+) (\S+)$/m, `swarm child ${i}`, 1_800_000)));
    const wall = (performance.now() - t0) / 1000;
    const seederCpu = (await cpuOf(seeder.pid)) - seederCpu0;
    // CPU of each process from the start of the downloads to its completion (it keeps serving
    // the others after that); process start-up is left out
    const leecherCpu = done.reduce((a, m) => a + Number(m[1]) - Number(m[6]), 0);
    const leecherRssMiB = Math.max(...(await Promise.all(kids.map((k) => peakRssOf(k.pid)))));
    for (let i = 0; i < leechers; i++) {
      if (!(await sameBytes(join(outRoot, String(i), t.name), join(t.seedDir, t.name)))) throw new Error(`leecher ${i}'s download differs from the seed`);
    }
    return { leechers, wall, leecherCpu, seederCpu, leecherRssMiB };
  } finally {
    await Promise.all(kids.map(stop));
    await rm(outRoot, { recursive: true, force: true });
  }
};

const main = async (): Promise<void> => {
  const o = parseArgs(process.argv.slice(2));
  const root = await mkdtemp(join(tmpdir(), 'statorrent-swarmbench-'));
  const cleanup = async (): Promise<void> => {
    await stopAll();
    await rm(root, { recursive: true, force: true });
  };
  process.once('SIGINT', () => void cleanup().then(() => process.exit(130)));
  console.log(`swarm bench: ${o.leechers} statorrent leechers (${o.procs} processes, one 127.0.0.x each) around one statorrent seeder, ${o.sizeMiB} MiB; ${machineLoad()}`);
  try {
    const t = await makeTorrent(root, o.sizeMiB);
    const seeder = startChild(process.execPath, [...CLI_NODE_FLAGS, CLI, 'seed', t.torrent, t.seedDir, '--skip-check', '--no-trackers', '--port', '0', '--host', '127.0.0.2', '--json', '--max-peers', String(o.leechers + 10)]);
    const port = (await waitLine(seeder, /"port":(\d+)/, 'statorrent seed', 120_000))[1]!;
    const peer = `127.0.0.2:${port}`;
    const single = await runSwarm(root, t, peer, seeder, 1, 1);
    console.log(`  1 leecher: wall ${f(single.wall)} s`);
    const swarm = await runSwarm(root, t, peer, seeder, o.leechers, o.procs);
    console.log(`  ${o.leechers} leechers: wall ${f(swarm.wall)} s, every leecher done with identical bytes`);
    await stop(seeder);
    const rows = [single, swarm].map((r) => {
      const gib = (r.leechers * o.sizeMiB * MiB) / GiB;
      return [
        String(r.leechers), f(r.wall), f((r.leechers * o.sizeMiB * MiB) / r.wall / 1e6, 0), f(r.leecherCpu / gib), f(r.seederCpu / gib), f((r.leecherCpu + r.seederCpu) / gib), f(r.leecherRssMiB, 0),
      ];
    });
    const per = (r: SwarmResult): number => (r.leecherCpu + r.seederCpu) / r.leechers;
    rows.push(['ratio', '', '', '', '', f(per(swarm) / per(single)), '']);
    console.log(`\nsummary (${o.sizeMiB} MiB each; ${machineLoad()})`);
    console.log(table(['leechers', 'wall s (last done)', 'MB/s received', 'leecher CPU-s/GiB', 'seeder CPU-s/GiB', 'swarm CPU-s/GiB', 'peak RSS MiB per process'], rows));
    console.log('CPU per GiB received by all leechers together, from the start of the downloads (process start-up left out). ratio: swarm CPU per byte / single leecher\'s.');
  } finally {
    await cleanup();
  }
};

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exitCode = 1;
});
