/**
 * The leecher side of `swarm.bench.ts`: COUNT statorrent sessions in this process, leecher
 * number FIRST + i listening and dialing from 127.0.0.(10 + FIRST + i), each downloading TORRENT
 * into OUT_ROOT/<global index>.
 *
 * Protocol on stdio: prints `LISTEN ip:port,...` once its sessions listen; then reads one line
 * `PEERS SEEDER ALL` from stdin (ALL: every leecher's ip:port in global order) and starts the
 * downloads, each leecher dialing the seeder and the leechers before it (so every pair connects
 * once). When all of this process's leechers are complete it prints
 * `DONE <cpu_s> <max_rss_kib> <slowest_wall_s> <user_s> <system_s> <cpu_s_at_start>` and waits
 * for stdin to close (it keeps serving the others meanwhile).
 *
 * Run: `node dist/bundle/swarmChild.cjs TORRENT OUT_ROOT FIRST COUNT` (bundled by `npm run build`)
 */
import * as E from 'fp-ts/lib/Either.js';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { createInterface } from 'node:readline';
import { loadMetainfo } from '../src/metainfo/index.js';
import { Session } from '../src/session/session.js';

const fail = (message: string): never => {
  console.log(`ERROR ${message}`);
  process.exit(1);
};

const endpoint = (s: string): { ip: string; port: number } => {
  const at = s.lastIndexOf(':');
  return { ip: s.slice(0, at), port: Number(s.slice(at + 1)) };
};

const main = async (): Promise<void> => {
  const [torrent, outRoot, firstArg, countArg] = process.argv.slice(2);
  const first = Number(firstArg);
  const count = Number(countArg);
  if (torrent === undefined || outRoot === undefined || !(first >= 0) || !(count > 0) || first + count > 240) {
    return fail('usage: swarmChild TORRENT OUT_ROOT FIRST COUNT (at most 240 leechers)');
  }
  const m = await loadMetainfo(torrent)();
  if (E.isLeft(m)) return fail(m.left.message);
  const sessions: Session[] = [];
  for (let i = 0; i < count; i++) {
    const host = `127.0.0.${10 + first + i}`;
    const s = await Session.start({ port: 0, host, localAddress: host });
    if (E.isLeft(s)) return fail(s.left);
    sessions.push(s.right);
  }
  console.log(`LISTEN ${sessions.map((s, i) => `127.0.0.${10 + first + i}:${s.port}`).join(',')}`);
  const lines = createInterface({ input: process.stdin });
  const peersLine = await new Promise<string>((resolve) => lines.once('line', resolve));
  const [, seeder, all] = peersLine.split(' ');
  if (seeder === undefined || all === undefined) return fail(`expected "PEERS SEEDER ALL", got ${peersLine}`);
  const everyone = all.split(',').map(endpoint);
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  const walls: number[] = [];
  await Promise.all(
    sessions.map(async (s, i) => {
      const g = first + i;
      const t = await s.add({ metainfo: m.right, downloadDir: join(outRoot, String(g)), useTrackers: false, peers: [endpoint(seeder), ...everyone.slice(0, g)] });
      if (E.isLeft(t)) return fail(t.left);
      t.right.events$.subscribe((e) => {
        if (e.type === 'error') fail(`leecher ${g}: ${e.message}`);
      });
      await t.right.completed;
      walls.push((performance.now() - t0) / 1000);
    }),
  );
  const cpu = process.cpuUsage();
  const rss = process.resourceUsage().maxRSS;
  console.log(`DONE ${((cpu.user + cpu.system) / 1e6).toFixed(3)} ${rss} ${Math.max(...walls).toFixed(3)} ${(cpu.user / 1e6).toFixed(3)} ${(cpu.system / 1e6).toFixed(3)} ${((cpu0.user + cpu0.system) / 1e6).toFixed(3)}`);
  // leechers keep seeding each other until every process is done; the parent stops us
  await new Promise<void>((resolve) => lines.once('close', resolve));
  await Promise.all(sessions.map((s) => s.close()));
  process.exit(0);
};

void main();
