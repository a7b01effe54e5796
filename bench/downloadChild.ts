/**
 * The statorrent side of `download.bench.ts`, run as its own process so its CPU time and peak
 * RSS are its own: downloads TORRENT into OUT_DIR from PEERS (a port on 127.0.0.1, or a
 * comma-separated list of IP:PORT) with the
 * library's Session, and on completion prints one line
 * `DONE <cpu_seconds> <max_rss_kib> <wall_seconds_since_add> <user_seconds> <system_seconds> <cpu_seconds_at_add>`
 * then exits (the last field lets the benchmark leave out process start-up).
 *
 * Run: `node dist/bundle/downloadChild.cjs TORRENT OUT_DIR PEERS` (bundled by `npm run build`; the
 * unbundled dist/bench/downloadChild.js works too)
 */
import * as E from 'fp-ts/lib/Either.js';
import { performance } from 'node:perf_hooks';
import { loadMetainfo } from '../src/metainfo/index.js';
import { Session } from '../src/session/session.js';

const fail = (message: string): never => {
  console.log(`ERROR ${message}`);
  process.exit(1);
};

const main = async (): Promise<void> => {
  const [torrent, outDir, peerList] = process.argv.slice(2);
  if (torrent === undefined || outDir === undefined || peerList === undefined) fail('usage: downloadChild TORRENT OUT_DIR PEERS');
  const peers = peerList!.split(',').map((p) => {
    const at = p.lastIndexOf(':');
    return { ip: at < 0 ? '127.0.0.1' : p.slice(0, at), port: Number(p.slice(at + 1)) };
  });
  const m = await loadMetainfo(torrent!)();
  if (E.isLeft(m)) return fail(m.left.message);
  const session = await Session.start({ port: 0, host: '127.0.0.1' });
  if (E.isLeft(session)) return fail(session.left);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const t = await session.right.add({
    metainfo: m.right,
    downloadDir: outDir!,
    useTrackers: false,
    peers,
  });
  if (E.isLeft(t)) return fail(t.left);
  t.right.events$.subscribe((e) => {
    if (e.type === 'error') fail(e.message);
  });
  await t.right.completed;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  const rss = process.resourceUsage().maxRSS;
  console.log(`DONE ${((cpu.user + cpu.system) / 1e6).toFixed(3)} ${rss} ${wall.toFixed(3)} ${(cpu.user / 1e6).toFixed(3)} ${(cpu.system / 1e6).toFixed(3)} ${((cpu0.user + cpu0.system) / 1e6).toFixed(3)}`);
  // flushes files (fdatasync) before exit, so the benchmark compares complete files
  await session.right.close();
  process.exit(0);
};

void main();
