import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from './childLines.js';
import { PYTHON } from './thirdPartyTools.js';

/** A python3-libtorrent peer (full or partial seeder) running as a child process on loopback. */
export interface LibtorrentSwarmPeer {
  readonly ip: string;
  readonly port: number;
  /** Pieces libtorrent's own hash check found on disk. */
  readonly pieces: number;
  stop(): Promise<void>;
}

/** How to run one libtorrent peer. */
export interface LibtorrentSwarmPeerOptions {
  /** Loopback address to listen on and dial from (default 127.0.0.1). */
  readonly ip?: string;
  /** Serve only what the check finds (no error when pieces are missing; never downloads). */
  readonly partial?: boolean;
  /** Ready only after the torrent's tracker replied to libtorrent's announce. */
  readonly announce?: boolean;
  /** Upload limit in bytes/s, applied to loopback peers too (0 = none). */
  readonly uploadRate?: number;
  /** Dial this peer (`ip:port`) after the check; ready only once connected to it. */
  readonly connect?: string;
  /**
   * Seconds to wait after the check before dialling `connect` (default 0). When set, the peer
   * is returned as soon as its check is done (it dials later), not once it is connected.
   */
  readonly connectDelayS?: number;
  /** Download what is missing (from `connect` or others), at most `downloadRate` bytes/s. */
  readonly leech?: boolean;
  readonly downloadRate?: number;
  readonly timeoutMs?: number;
}

const SCRIPT = fileURLToPath(new URL('./lt_swarm_peer.py', import.meta.url));

/**
 * Starts test/support/lt_swarm_peer.py for `torrentPath` with data under `savePath` (the folder
 * that holds the torrent's file or folder) and resolves once it reports READY: after its hash
 * check, and after the tracker's first reply when `announce` is set.
 */
export async function startLibtorrentSwarmPeer(torrentPath: string, savePath: string, options: LibtorrentSwarmPeerOptions = {}): Promise<LibtorrentSwarmPeer> {
  const ip = options.ip ?? '127.0.0.1';
  const args = [SCRIPT, torrentPath, savePath, '--ip', ip];
  if (options.partial === true) args.push('--partial');
  if (options.announce === true) args.push('--announce');
  if (options.uploadRate !== undefined && options.uploadRate > 0) args.push('--upload-rate', String(options.uploadRate));
  if (options.connect !== undefined) args.push('--connect', options.connect);
  if (options.connectDelayS !== undefined) args.push('--connect-delay', String(options.connectDelayS));
  if (options.leech === true) args.push('--leech');
  if (options.downloadRate !== undefined && options.downloadRate > 0) args.push('--download-rate', String(options.downloadRate));
  const child = spawn(PYTHON, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined); // reported through 'exit' / the wait below
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await stopChild(child);
  };
  try {
    const line = options.connectDelayS !== undefined ? /CHECKED (\d+) (\d+)/ : /READY (\d+) (\d+)/;
    const ready = await waitForOutput(child, [child.stdout, child.stderr], line, options.timeoutMs ?? 20_000, `libtorrent peer on ${ip}`);
    return { ip, port: Number(ready[1]), pieces: Number(ready[2]), stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
