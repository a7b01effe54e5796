/**
 * The statorrent side of `inspect.bench.ts`: like downloadChild.ts, but first serves the live
 * inspector when given `--inspect` (printing `INSPECT <url>`) and waits for a `go` line on stdin
 * (the benchmark opens the page in between), then downloads TORRENT into OUT_DIR from the peer
 * at 127.0.0.1:PEER_PORT and prints `DONE <cpu_s> <max_rss_kib> <wall_s_since_add> <user_s> <sys_s>`.
 *
 * Run: `node dist/bench/inspectChild.js TORRENT OUT_DIR PEER_PORT [--inspect]`
 */
import { createInterface } from 'node:readline';
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/lib/Either.js';
import { loadMetainfo } from '../src/metainfo/index.js';
import { Session } from '../src/session/session.js';

const fail = (message: string): never => {
  console.log(`ERROR ${message}`);
  process.exit(1);
};

const main = async (): Promise<void> => {
  const [torrent, outDir, port, flag] = process.argv.slice(2);
  if (torrent === undefined || outDir === undefined || port === undefined) fail('usage: inspectChild TORRENT OUT_DIR PEER_PORT [--inspect]');
  const m = await loadMetainfo(torrent!)();
  if (E.isLeft(m)) return fail(m.left.message);
  const session = await Session.start({ port: 0, host: '127.0.0.1' });
  if (E.isLeft(session)) return fail(session.left);
  if (flag === '--inspect') {
    const inspector = await session.right.inspect();
    if (E.isLeft(inspector)) return fail(inspector.left);
    console.log(`INSPECT ${inspector.right.url}`);
    const lines = createInterface({ input: process.stdin });
    await new Promise<void>((resolve) => lines.on('line', (l) => l.trim() === 'go' && resolve()));
    lines.close();
    if (inspector.right.viewers === 0) fail('no page connected to the inspector');
  }
  const t0 = performance.now();
  const t = await session.right.add({ metainfo: m.right, downloadDir: outDir!, useTrackers: false, peers: [{ ip: '127.0.0.1', port: Number(port) }] });
  if (E.isLeft(t)) return fail(t.left);
  t.right.events$.subscribe((e) => {
    if (e.type === 'error') fail(e.message);
  });
  await t.right.completed;
  const wall = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage();
  const rss = process.resourceUsage().maxRSS;
  console.log(`DONE ${((cpu.user + cpu.system) / 1e6).toFixed(3)} ${rss} ${wall.toFixed(3)} ${(cpu.user / 1e6).toFixed(3)} ${(cpu.system / 1e6).toFixed(3)}`);
  await session.right.close();
  process.exit(0);
};

void main();
