import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { PeerEndpoint } from '../../src/peers/peerPool.js';
import type { TorrentEvent, TorrentProgress } from '../../src/session/types.js';
import { stopChild } from './childLines.js';
import { REPO_ROOT } from './cliRunner.js';

/** One line test/support/downloadChild.mjs printed. */
export type ChildLine = { readonly event: TorrentEvent } | { readonly done: TorrentProgress } | { readonly fatal: string };

/** A download running in a child process (see downloadChild.mjs). */
export interface DownloadChild {
  readonly child: ChildProcess;
  /** Every line so far, in order. */
  readonly lines: readonly ChildLine[];
  /**
   * Resolves with the first line (from the start) for which `accept` holds; rejects if the
   * child exits first or `timeoutMs` passes.
   */
  waitFor(accept: (line: ChildLine) => boolean, timeoutMs?: number): Promise<ChildLine>;
  /** SIGKILL (a crash: no flush, no goodbye) and wait for the exit. */
  kill(): Promise<void>;
  /** SIGTERM then SIGKILL; resolves once exited. */
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./downloadChild.mjs', import.meta.url));
const BUILT = `${REPO_ROOT}/dist/src/index.js`;

/** Starts a child downloading `torrent` into `downloadDir` from `peers` (no trackers). */
export function startDownloadChild(torrent: string, downloadDir: string, peers: readonly PeerEndpoint[]): DownloadChild {
  if (!existsSync(BUILT)) throw new Error(`${BUILT} is missing: run npm run build first`);
  const child = spawn(process.execPath, [SCRIPT, JSON.stringify({ torrent, downloadDir, peers })], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.on('error', () => undefined);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
  const lines: ChildLine[] = [];
  const listeners = new Set<() => void>();
  createInterface({ input: child.stdout! }).on('line', (text) => {
    try {
      lines.push(JSON.parse(text) as ChildLine);
    } catch {
      return; // not ours (a stray log line)
    }
    for (const l of listeners) l();
  });
  // 'close', not 'exit': every stdout line has been read by then
  const exited = new Promise<void>((ok) => child.once('close', () => ok()));
  return {
    child,
    lines,
    waitFor(accept, timeoutMs = 20_000) {
      return new Promise((resolve, reject) => {
        const check = (): void => {
          const hit = lines.find(accept);
          if (hit !== undefined) {
            done();
            resolve(hit);
          }
        };
        const done = (): void => {
          clearTimeout(timer);
          listeners.delete(check);
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`download child: no matching line after ${timeoutMs} ms; stderr: ${stderr}`));
        }, timeoutMs);
        listeners.add(check);
        void exited.then(() => {
          // lines already read are checked first: a line printed just before exit still counts
          check();
          if (listeners.has(check)) {
            done();
            reject(new Error(`download child exited (${child.exitCode ?? child.signalCode}) first; stderr: ${stderr}`));
          }
        });
        check();
      });
    },
    async kill() {
      if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await exited;
    },
    stop: () => stopChild(child),
  };
}
