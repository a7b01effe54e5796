import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { aria2SentMessages } from './aria2Log.js';
import { stopChild, waitForOutput } from './childLines.js';
import { freeLoopbackPort } from './freePort.js';

/** aria2c 1.36 (Debian's aria2) running one torrent as a child process on its own loopback address. */
export interface Aria2Peer {
  /** The 127.0.0.x it binds every socket to (`--interface`): listening, dialling, announcing. */
  readonly ip: string;
  /** Its BitTorrent listen port on `ip`. */
  readonly port: number;
  /** Resolves with its exit status once it has exited (0: every download complete and checked). */
  readonly exited: Promise<number | null>;
  /**
   * Messages aria2 logged sending to the peer at `ip` (`port`: the one it dialled; leave it out
   * for peers that dialled aria2 from a port of their own), in order: "have none", "bitfield ...".
   */
  sentTo(ip: string, port?: number): Promise<string[]>;
  /** Last console lines, for failure messages. */
  output(): string;
  /** Stops it (SIGTERM, then SIGKILL) and removes its log folder. */
  stop(): Promise<void>;
}

/** Where aria2 runs and how long to wait for it to listen. */
export interface Aria2Options {
  /** Loopback address of its own (default 127.0.0.2): one peer per IP keeps peers apart. */
  readonly ip?: string;
  readonly readyTimeoutMs?: number;
  /** More aria2c options, e.g. `--bt-require-crypto=true` (encrypted connections only). */
  readonly extraArgs?: readonly string[];
}

/**
 * Starts aria2c leeching `torrentPath` into `outDir` (as `outDir/NAME/...`) and resolves once it
 * listens. It finds peers through the torrent's tracker; `--seed-time=0` makes it exit as soon
 * as every piece is in and SHA-1 checked, with status 0.
 */
export function startAria2Leecher(torrentPath: string, outDir: string, options: Aria2Options = {}): Promise<Aria2Peer> {
  return startAria2(torrentPath, ['--dir', outDir, '--seed-time=0'], options);
}

/**
 * Starts aria2c seeding `torrentPath` with its data under `dataDir` (`dataDir/NAME/...`):
 * `--check-integrity` with `-V` hash-checks the data first, and `--seed-ratio=0.0` (no ratio
 * goal) with a long `--seed-time` keeps it seeding until stopped. Resolves once it listens,
 * which it does only after that check; its first announce follows about a second later.
 */
export function startAria2Seeder(torrentPath: string, dataDir: string, options: Aria2Options = {}): Promise<Aria2Peer> {
  return startAria2(torrentPath, ['--dir', dataDir, '--check-integrity=true', '-V', '--seed-ratio=0.0', '--seed-time=60'], options);
}

async function startAria2(torrentPath: string, roleArgs: readonly string[], options: Aria2Options): Promise<Aria2Peer> {
  const ip = options.ip ?? '127.0.0.2';
  const runDir = await mkdtemp(join(tmpdir(), 'statorrent-aria2-'));
  const log = join(runDir, 'aria2.log');
  // a free port on 127.0.0.1 is almost surely free on `ip` too; aria2 needs a number up front
  const port = await freeLoopbackPort();
  const args = [
    '--no-conf',
    ...roleArgs,
    // loopback only: no DHT, local peer discovery or peer exchange; every socket on `ip`
    '--enable-dht=false', '--enable-dht6=false', '--bt-enable-lpd=false', '--enable-peer-exchange=false',
    `--interface=${ip}`, '--disable-ipv6=true', `--listen-port=${port}`,
    // its own log records every message it sends and receives (INFO level)
    `--log=${log}`, '--log-level=info', '--console-log-level=notice', '--summary-interval=0',
    ...(options.extraArgs ?? []),
    torrentPath,
  ];
  const child = spawn('aria2c', args, { stdio: ['ignore', 'pipe', 'pipe'] });
  let seen = '';
  const keep = (d: Buffer): void => {
    seen = (seen + d.toString('utf8')).slice(-4000);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const exited = exitStatus(child);
  const stop = async (): Promise<void> => {
    await stopChild(child);
    await rm(runDir, { recursive: true, force: true });
  };
  try {
    await waitForOutput(child, [child.stdout, child.stderr], new RegExp(`BitTorrent: listening on TCP port ${port}`), options.readyTimeoutMs ?? 20_000, `aria2c on ${ip}`);
  } catch (e) {
    await stop();
    throw e;
  }
  return {
    ip,
    port,
    exited,
    sentTo: async (peerIp, peerPort) => aria2SentMessages(await readFile(log, 'utf8'), peerIp, peerPort),
    output: () => seen,
    stop,
  };
}

function exitStatus(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    child.once('error', () => resolve(null));
    child.once('exit', (code) => resolve(code));
  });
}
