/**
 * Runs Debian's opentracker on 127.0.0.1 for interop tests. The Debian build is in whitelist
 * mode: only info hashes listed (hex, one per line) in the `-w` file are served, and SIGHUP
 * reloads that file. It chroots to `-d`, so we pass `/` and an absolute whitelist path; as root
 * it drops to `nobody`, who must be able to read the file (hence the chmods).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFile, chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { httpAnnounce } from '../../src/tracker/client/httpAnnounce.js';
import { freeLoopbackPort } from './freePort.js';
import { waitForPortAccepting } from './portAccepting.js';

/** A running opentracker. */
export interface OpenTracker {
  readonly port: number;
  /** `http://127.0.0.1:PORT/announce` */
  readonly httpUrl: string;
  /** `udp://127.0.0.1:PORT/announce` (same port number, UDP) */
  readonly udpUrl: string;
  /** Whitelists an info hash (40 hex chars) and resolves once the tracker serves it. */
  allow(infoHashHex: string): Promise<void>;
  /** Kills the tracker and removes its temp dir. */
  stop(): Promise<void>;
}

const DEADLINE_MS = 10_000;
const POLL_MS = 25;

/** Starts opentracker on a free port; retries a few ports if one is taken meanwhile. */
export async function startOpenTracker(): Promise<OpenTracker> {
  const dir = await mkdtemp(join(tmpdir(), 'statorrent-opentracker-'));
  await chmod(dir, 0o755);
  const whitelist = join(dir, 'whitelist');
  await writeFile(whitelist, '');
  await chmod(whitelist, 0o644);
  let lastError = 'no attempt';
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freeLoopbackPort();
    const args = ['-i', '127.0.0.1', '-p', String(port), '-P', String(port), '-d', '/', '-w', whitelist, '-A', '127.0.0.1'];
    if (process.getuid?.() === 0) args.push('-u', 'nobody');
    const child = spawn('opentracker', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => {
      stderr = (stderr + d.toString()).slice(-2000);
    });
    const ready = await waitForPort(port, child);
    if (ready === 'ready') return handle(port, child, dir, whitelist);
    lastError = `${ready}: ${stderr.trim() || 'no output'}`;
    await kill(child);
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error(`opentracker did not start: ${lastError}`);
}

function handle(port: number, child: ChildProcess, dir: string, whitelist: string): OpenTracker {
  const httpUrl = `http://127.0.0.1:${port}/announce`;
  return {
    port,
    httpUrl,
    udpUrl: `udp://127.0.0.1:${port}/announce`,
    async allow(infoHashHex) {
      if (!/^[0-9a-fA-F]{40}$/.test(infoHashHex)) throw new Error(`not a hex info hash: ${infoHashHex}`);
      await appendFile(whitelist, `${infoHashHex.toLowerCase()}\n`);
      child.kill('SIGHUP');
      // Probe with a `started` announce (opentracker lets `stopped` through unlisted hashes, so
      // only `started` proves the reload), then leave with `stopped` so the swarm stays empty.
      const probe = {
        infoHash: Buffer.from(infoHashHex, 'hex'), peerId: Buffer.from('-PROBE-0000000000000'), port: 1,
        uploaded: 0, downloaded: 0, left: 0, event: 'started', compact: true,
      } as const;
      const deadline = Date.now() + DEADLINE_MS;
      for (;;) {
        const r = await httpAnnounce(httpUrl, probe, { timeoutMs: 2000 })();
        if (E.isRight(r)) {
          const left = await httpAnnounce(httpUrl, { ...probe, event: 'stopped' }, { timeoutMs: 2000 })();
          if (E.isLeft(left)) throw new Error(`opentracker probe could not leave: ${left.left.message}`);
          return;
        }
        if (Date.now() > deadline) throw new Error(`opentracker did not whitelist ${infoHashHex}: ${r.left.message}`);
        await pause(POLL_MS);
      }
    },
    async stop() {
      await kill(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** Until opentracker accepts TCP connections (an observed event), it exits, or the deadline passes. */
async function waitForPort(port: number, child: ChildProcess): Promise<'ready' | 'exited' | 'deadline'> {
  if (child.exitCode !== null) return 'exited';
  const exited = new Promise<'exited'>((resolve) => child.once('exit', () => resolve('exited')));
  const listening = waitForPortAccepting(port, DEADLINE_MS, POLL_MS).then(() => 'ready' as const, () => 'deadline' as const);
  return Promise.race([listening, exited]);
}

/** The gap between two whitelist probes: opentracker reloads on SIGHUP without a word, so a probe is the only way to see it. */
const pause = (ms: number): Promise<void> => new Promise((ok) => setTimeout(ok, ms));

/** SIGTERM, then SIGKILL if it has not exited within 3 s. */
async function kill(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
