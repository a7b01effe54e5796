import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { lastValueFrom, tap } from 'rxjs';
import { createTorrent, isCreateError, loadMetainfo, type Metainfo } from '../metainfo/index.js';
import { startTracker, type TrackerServer } from '../tracker/server/index.js';
import { EXIT_FAILURE, EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { differingFiles } from './contentCompare.js';
import { demoFiles, writeDemoContent } from './demoContent.js';
import { startDemoSwarm, type DemoSwarm, type SwarmMember } from './demoSwarm.js';
import { SwarmView } from './demoView.js';
import { formatBytes } from '../text/formatBytes.js';
import { watchInterrupts } from './interruption.js';
import { parseIntOption } from './peerAddressArg.js';
import { ProgressReporter } from './progressBar.js';

const USAGE = `usage: statorrent demo [--size-mib N] [--leechers N] [--keep]
  A whole BitTorrent swarm on this machine (127.0.0.1 only, free ports, no internet), built
  from statorrent's own parts: makes sample content (nested folders, an empty file), creates a
  torrent announcing to a statorrent tracker, starts a seeder, then leechers that download at
  once and trade pieces with each other. Shows live progress, a summary of who sent what to
  whom, and checks every leecher's files are byte-identical to the source.
  --size-mib N     size of the sample content in MiB (default 32, 1..2048)
  --leechers N     how many leechers (default 3, 1..16)
  --keep           keep the temporary folder (content, torrent, downloads) and print where
`;

/** How long the demo waits for the swarm before giving up (it takes seconds on loopback). */
const SWARM_DEADLINE_MS = 10 * 60_000;

/**
 * `statorrent demo`: content -> torrent -> tracker -> seeder -> leechers trading pieces ->
 * summary -> verification. Exit 0 only when every leecher has an identical copy.
 */
export async function runDemo(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    'size-mib': { type: 'string' },
    leechers: { type: 'string' },
    keep: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  });
  const usage = (msg: string): number => usageError(io, 'demo', msg);
  if (E.isLeft(parsed)) return usage(parsed.left);
  const { values, positionals } = parsed.right;
  if (values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  if (positionals.length > 0) return usage(`unexpected argument "${positionals[0]}"`);
  const size = parseIntOption('--size-mib', values['size-mib'] ?? '32', 1, 2048);
  if (E.isLeft(size)) return usage(size.left);
  const count = parseIntOption('--leechers', values.leechers ?? '3', 1, 16);
  if (E.isLeft(count)) return usage(count.left);
  const keep = values.keep === true;

  const interrupts = watchInterrupts();
  const dir = await mkdtemp(join(tmpdir(), 'statorrent-demo-'));
  let tracker: TrackerServer | undefined;
  let swarm: DemoSwarm | undefined;
  try {
    const say = (s: string): unknown => io.out.write(`${s}\n`);
    const seedDir = join(dir, 'seeder');
    const total = await writeDemoContent(join(seedDir, 'sample'), size.right * 1024 * 1024);
    say(`1. sample content: ${formatBytes(total)} in ${demoFiles(size.right * 1024 * 1024).length} files (nested folders, one empty file) in ${join(seedDir, 'sample')}`);

    tracker = await startTracker({ host: '127.0.0.1', httpPort: 0, udpPort: false, interval: 60 });
    const announceUrl = tracker.httpAnnounceUrl!;
    say(`2. tracker: statorrent's own, at ${announceUrl}`);

    const metainfo = await makeTorrent(join(seedDir, 'sample'), announceUrl, join(dir, 'sample.torrent'), io);
    if (E.isLeft(metainfo)) {
      io.err.write(`statorrent demo: ${metainfo.left}\n`);
      return EXIT_FAILURE;
    }
    const m = metainfo.right;
    say(`3. torrent: ${join(dir, 'sample.torrent')}: info hash ${m.infoHashHex}, ${m.pieceCount} pieces of ${formatBytes(m.pieceLength)}`);

    const leecherDirs = Array.from({ length: count.right }, (_, i) => join(dir, `leecher-${i + 1}`));
    const started = await startDemoSwarm(m, seedDir, leecherDirs);
    if (E.isLeft(started)) {
      io.err.write(`statorrent demo: ${started.left}\n`);
      return EXIT_FAILURE;
    }
    swarm = started.right;
    const s = swarm;
    say(`4. seeder on port ${s.seeder.session.port} (data trusted, no hash check); ${s.leechers.length} leecher${s.leechers.length === 1 ? '' : 's'} on ports ${s.leechers.map((l) => l.session.port).join(', ')}, each its own session, downloading at once`);

    const t0 = performance.now();
    const view = new SwarmView(io.out);
    const members = [s.seeder, ...s.leechers];
    const draw = (): void => view.update(members.map((x) => ({ name: x.name, progress: x.latest() })));
    draw();
    const ticker = setInterval(draw, io.out.isTTY === true ? 250 : 500);
    let deadline: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      Promise.all(s.leechers.map((l) => l.handle.completed)).then(() => 'complete' as const, (e: Error) => `a leecher failed: ${e.message}`),
      interrupts.interrupted,
      new Promise<string>((resolve) => (deadline = setTimeout(() => resolve(`the swarm did not finish within ${SWARM_DEADLINE_MS / 60_000} minutes`), SWARM_DEADLINE_MS))),
    ]);
    clearTimeout(deadline);
    const seconds = (performance.now() - t0) / 1000;
    clearInterval(ticker);
    draw();
    if (typeof outcome === 'object') {
      await s.close();
      say(`interrupted (${outcome.signal}): stopped every participant`);
      return outcome.exitCode;
    }
    if (outcome !== 'complete') {
      await s.close();
      io.err.write(`statorrent demo: ${outcome}\n`);
      return EXIT_FAILURE;
    }
    // stop everyone (announces `stopped` to the tracker), then read the exact final figures
    await s.close(); // each torrent emits a last, exact snapshot as it stops
    const finals = new Map(members.map((x) => [x.name, x.latest()]));
    say('');
    say(summary(s, m, seconds, finals));
    const bad: string[] = [];
    for (const l of s.leechers) {
      const diff = await differingFiles(m, seedDir, l.dir);
      if (diff.length > 0) bad.push(`${l.name}: ${diff.slice(0, 3).join(', ')}${diff.length > 3 ? ', ...' : ''}`);
    }
    if (bad.length > 0) {
      io.err.write(`statorrent demo: files differ from the source: ${bad.join('; ')}\n`);
      return EXIT_FAILURE;
    }
    const files = m.files.filter((f) => !f.padding).length;
    say(`verified: every leecher's ${files} files are byte-identical to the source`);
    if (keep) say(`kept ${dir}`);
    return EXIT_OK;
  } catch (e) {
    io.err.write(`statorrent demo: ${isCreateError(e) ? e.message : (e as Error).message}\n`);
    return EXIT_FAILURE;
  } finally {
    interrupts.dispose();
    await swarm?.close();
    await tracker?.close();
    if (!keep) await rm(dir, { recursive: true, force: true });
  }
}

/** Creates the torrent (with a hashing progress bar), writes it, and reads it back as `info` would. */
async function makeTorrent(content: string, announceUrl: string, torrentPath: string, io: CliIo): Promise<E.Either<string, Metainfo>> {
  const progress = new ProgressReporter(io.err, 'hashing');
  const last = await lastValueFrom(
    createTorrent({ path: content, trackers: [[announceUrl]], comment: 'statorrent demo' }).pipe(tap((e) => e.type === 'progress' && progress.update(e.bytesHashed, e.totalBytes))),
  );
  progress.finish();
  if (last.type !== 'done') return E.left('creation ended without a torrent');
  await writeFile(torrentPath, last.torrent);
  const loaded = await loadMetainfo(torrentPath)();
  return E.isLeft(loaded) ? E.left(loaded.left.message) : E.right(loaded.right);
}

/** The table after the run: time, throughput, and who sent how much to whom. */
export function summary(s: DemoSwarm, m: Metainfo, seconds: number, finals: ReadonlyMap<string, { downloaded: number; uploaded: number }>): string {
  const n = s.leechers.length;
  const perLeecher = m.totalLength / Math.max(seconds, 1e-3);
  const lines = [
    `all ${n} leecher${n === 1 ? '' : 's'} complete in ${seconds.toFixed(2)} s: ${(perLeecher / 1e6).toFixed(1)} MB/s each, ${((perLeecher * n) / 1e6).toFixed(1)} MB/s for the swarm`,
    `${''.padEnd(11)}${'downloaded'.padStart(12)}${'uploaded'.padStart(12)}${'from seeder'.padStart(14)}${'from leechers'.padStart(15)}  connections`,
  ];
  const row = (x: SwarmMember): string => {
    const f = finals.get(x.name) ?? { downloaded: 0, uploaded: 0 };
    const fromSeeder = x.role === 'leecher' ? formatBytes(s.ledger.bytes('seeder', x.name)) : '';
    const fromLeechers = x.role === 'leecher' ? formatBytes(s.leechers.reduce((sum, o) => sum + (o === x ? 0 : s.ledger.bytes(o.name, x.name)), 0)) : '';
    return `  ${x.name.padEnd(9)}${formatBytes(f.downloaded).padStart(12)}${formatBytes(f.uploaded).padStart(12)}${fromSeeder.padStart(14)}${fromLeechers.padStart(15)}  ${x.peersMet.size}`;
  };
  lines.push(row(s.seeder), ...s.leechers.map(row));
  const traded = s.leechers.reduce((sum, x) => sum + s.leechers.reduce((t, o) => t + (o === x ? 0 : s.ledger.bytes(o.name, x.name)), 0), 0);
  lines.push(
    n < 2
      ? 'one leecher: everything came from the seeder'
      : traded > 0
        ? `leechers traded ${formatBytes(traded)} among themselves (pieces one got from the seeder, passed on to the others)`
        : 'leechers traded nothing among themselves this time (the seeder kept up with all of them)',
  );
  return lines.join('\n');
}
