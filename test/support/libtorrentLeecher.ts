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

/** libtorrent settings pack entries (names as in libtorrent's settings_pack). */
export type LibtorrentSettings = Readonly<Record<string, number | string | boolean>>;

/** libtorrent's enc_policy and enc_level values, for `in_enc_policy`, `out_enc_policy`, `allowed_enc_level`. */
export const LT_ENCRYPTION = { forced: 0, enabled: 1, disabled: 2, plaintext: 1, rc4: 2, both: 3 } as const;

const SCRIPT = fileURLToPath(new URL('./lt_leech.py', import.meta.url));

/**
 * Starts libtorrent downloading `torrentPath` into `savePath`, finding peers through the
 * torrent's trackers. Resolves once it listens; `finished` settles when it prints FINISHED
 * (libtorrent hash-checked every piece) or rejects if it fails, exits or `timeoutMs` passes.
 * `settings`: more libtorrent settings (e.g. encryption policies, {@link LT_ENCRYPTION}); `peer`
 * (IP:PORT): also dialled with `connect_peer`, which libtorrent 2.0 tries with MSE first.
 */
export async function startLibtorrentLeecher(torrentPath: string, savePath: string, timeoutMs = 25_000, settings?: LibtorrentSettings, peer?: string): Promise<LibtorrentLeecher> {
  const extra = peer !== undefined ? [JSON.stringify(settings ?? {}), peer] : settings !== undefined ? [JSON.stringify(settings)] : [];
  const child = spawn(PYTHON, [SCRIPT, torrentPath, savePath, ...extra], { stdio: ['pipe', 'pipe', 'pipe'] });
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
