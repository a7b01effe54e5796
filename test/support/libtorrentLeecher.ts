import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from './childLines.js';
import { PYTHON } from './thirdPartyTools.js';

/** A python3-libtorrent leecher child process (see lt_leech.py). */
export interface LibtorrentLeecher {
  /** The port it listens on (127.0.0.1). */
  readonly port: number;
  /** Resolves with the payload bytes it downloaded once it has finished and closed its files. */
  readonly finished: Promise<number>;
  /** Its recent alerts (tracker replies, peer events), for failure messages. */
  log(): string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./lt_leech.py', import.meta.url));

/**
 * Starts libtorrent downloading `torrentPath` into `savePath`, finding peers through the
 * torrent's trackers. Resolves once it listens; `finished` settles when it prints FINISHED
 * (libtorrent hash-checked every piece) or rejects if it fails, exits or `timeoutMs` passes.
 */
export async function startLibtorrentLeecher(torrentPath: string, savePath: string, timeoutMs = 25_000): Promise<LibtorrentLeecher> {
  const child = spawn(PYTHON, [SCRIPT, torrentPath, savePath], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined); // surfaces through 'exit' and the waits below
  let alerts = '';
  child.stderr.on('data', (d: Buffer) => (alerts = (alerts + d.toString('utf8')).slice(-4000)));
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await stopChild(child);
  };
  try {
    const listening = await waitForOutput(child, [child.stdout], /LISTENING (\d+)/, 10_000, 'libtorrent leecher');
    const finished = waitForOutput(child, [child.stdout], /FINISHED (\d+)|ERROR (.*)/, timeoutMs, 'libtorrent leecher').then(
      (m) => {
        if (m[1] === undefined) throw new Error(`libtorrent leecher: ${m[2] ?? 'error'}`);
        return Number(m[1]);
      },
      (e: Error) => {
        throw new Error(`${e.message}\nlibtorrent alerts:\n${alerts.slice(-1500)}`);
      },
    );
    finished.catch(() => undefined); // the test awaits it; stop() alone must not leave a rejection
    return { port: Number(listening[1]), finished, log: () => alerts, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
