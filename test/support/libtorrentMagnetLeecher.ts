import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from './childLines.js';
import { PYTHON } from './thirdPartyTools.js';

/** A python3-libtorrent client given only a magnet link (see lt_magnet_leech.py). */
export interface LibtorrentMagnetLeecher {
  readonly port: number;
  /** The info hash libtorrent verified and the peers it was connected to when the metadata arrived. */
  readonly metadata: Promise<{ readonly infoHashHex: string; readonly peers: readonly string[] }>;
  /** Payload bytes downloaded, once every piece is checked and the files are closed. */
  readonly finished: Promise<number>;
  /** Resolves with the source flags once it is connected to `ip:port` (libtorrent's peer_info.source; 4 = PEX). */
  /**
   * Resolves with the source flags once libtorrent is connected to a peer at `ip` (any port)
   * whose sources include `sourceBit` (libtorrent's peer_info source: 1 tracker, 2 DHT, 4 PEX,
   * 8 LSD, 32 incoming). Any port: when both ends dial each other, libtorrent may keep the
   * connection it accepted, whose remote port is not the listening one.
   */
  learnedFrom(ip: string, sourceBit: number): Promise<number>;
  log(): string;
  stop(): Promise<void>;
}

const SCRIPT = fileURLToPath(new URL('./lt_magnet_leech.py', import.meta.url));

/** Starts libtorrent on `magnet`, dialling 127.0.0.1:`peerPort`, saving under `savePath`. */
export async function startLibtorrentMagnetLeecher(magnet: string, savePath: string, peerPort: number, timeoutMs = 30_000, stay = false): Promise<LibtorrentMagnetLeecher> {
  const child = spawn(PYTHON, [SCRIPT, magnet, savePath, String(peerPort), ...(stay ? ['--stay'] : [])], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined);
  let alerts = '';
  child.stderr.on('data', (d: Buffer) => (alerts = (alerts + d.toString('utf8')).slice(-6000)));
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await stopChild(child);
  };
  const withLog = (e: Error): never => {
    throw new Error(`${e.message}\nlibtorrent alerts:\n${alerts.slice(-2000)}`);
  };
  try {
    const listening = await waitForOutput(child, [child.stdout], /LISTENING (\d+)/, 10_000, 'libtorrent magnet leecher');
    const metadata = waitForOutput(child, [child.stdout], /METADATA ([0-9a-f]{40}) (\S*)/, timeoutMs, 'libtorrent metadata').then(
      (m) => ({ infoHashHex: m[1]!, peers: m[2]!.split(',').filter((p) => p !== '') }),
      withLog,
    );
    const finished = waitForOutput(child, [child.stdout], /FINISHED (\d+)|ERROR (.*)/, timeoutMs, 'libtorrent magnet leecher').then((m) => {
      if (m[1] === undefined) throw new Error(`libtorrent magnet leecher: ${m[2] ?? 'error'}`);
      return Number(m[1]);
    }, withLog);
    metadata.catch(() => undefined);
    finished.catch(() => undefined);
    const escaped = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    const learnedFrom = (ip: string, sourceBit: number): Promise<number> => {
      // the flag values (libtorrent's source bits, < 64) that include `sourceBit`
      const flags = Array.from({ length: 64 }, (_, n) => n).filter((n) => (n & sourceBit) !== 0);
      const line = new RegExp(`PEER ${escaped(ip)}:\\d+ (${flags.join('|')})\\b`);
      return waitForOutput(child, [child.stdout], line, timeoutMs, `libtorrent connected to ${ip} learnt from source ${sourceBit}`).then((m) => Number(m[1]), withLog);
    };
    return { port: Number(listening[1]), metadata, finished, learnedFrom, log: () => alerts, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}
