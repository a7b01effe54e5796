import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { stopChild, waitForOutput } from './childLines.js';

const SCRIPT = fileURLToPath(new URL('./lt_dht_node.py', import.meta.url));

/** A python3-libtorrent DHT node on one loopback address (see lt_dht_node.py). */
export interface LibtorrentDhtNode {
  readonly ip: string;
  readonly port: number;
  /** Adds a metadata-less torrent by info hash: libtorrent then announces itself in the DHT. */
  addTorrent(infoHashHex: string): Promise<void>;
  /** libtorrent's dht_announce. */
  announce(infoHashHex: string, port: number): void;
  /** Starts dht_get_peers and resolves with the first reply whose peers match `want`. */
  getPeersUntil(infoHashHex: string, want: (peers: string[]) => boolean, timeoutMs?: number): Promise<string[]>;
  /** Nodes in libtorrent's routing table. */
  nodes(): Promise<number>;
  addNode(ip: string, port: number): void;
  /** Seeds `torrentPath` (data in `dir`) on this node's TCP port; resolves once every piece checked. */
  seed(torrentPath: string, dir: string, infoHashHex: string): Promise<void>;
  /** Downloads `torrentPath` into `dir`; resolves with the payload bytes once libtorrent finished (every piece hash-checked). */
  /** Downloads a .torrent file or a magnet link (`magnet:?…`) into `dir`; resolves with the payload bytes. */
  leech(torrentOrMagnet: string, dir: string, infoHashHex: string, timeoutMs?: number): Promise<number>;
  stop(): Promise<void>;
}

/** Starts a libtorrent DHT node on `ip` (port 0: the OS picks), bootstrapped from `bootstrap`. */
export async function startLibtorrentDhtNode(ip: string, bootstrap: readonly { ip: string; port: number }[], timeoutMs = 20_000): Promise<LibtorrentDhtNode> {
  const child: ChildProcess = spawn('/usr/bin/python3', [SCRIPT, ip, '0', ...bootstrap.map((b) => `${b.ip}:${b.port}`)], { stdio: ['pipe', 'pipe', 'pipe'] });
  child.on('error', () => undefined);
  const stop = async (): Promise<void> => {
    child.stdin?.end();
    await stopChild(child);
  };
  const command = (line: string): void => void child.stdin?.write(`${line}\n`);
  try {
    const ready = await waitForOutput(child, [child.stdout], /READY (\d+)/, timeoutMs, `libtorrent DHT node ${ip}`);
    return {
      ip,
      port: Number(ready[1]),
      addTorrent: async (h) => {
        const added = waitForOutput(child, [child.stdout], new RegExp(`ADDED ${h}`), timeoutMs, 'libtorrent add_torrent');
        command(`ADD_TORRENT ${h}`);
        await added;
      },
      announce: (h, port) => command(`ANNOUNCE ${h} ${port}`),
      getPeersUntil: async (h, want, limit = timeoutMs) => {
        // every reply with peers is one line; keep asking until one satisfies `want`
        const re = new RegExp(`PEERS ${h}((?: \\S+)*)\\n`, 'g');
        return new Promise<string[]>((resolve, reject) => {
          let seen = '';
          const onData = (chunk: Buffer): void => {
            seen += chunk.toString('utf8');
            for (const m of seen.matchAll(re)) {
              const peers = m[1]!.trim().split(' ').filter((p) => p !== '');
              if (want(peers)) {
                cleanup();
                resolve(peers);
                return;
              }
            }
          };
          const again = setInterval(() => command(`GET_PEERS ${h}`), 2000);
          const timer = setTimeout(() => { cleanup(); reject(new Error(`libtorrent ${ip}: no matching get_peers reply after ${limit} ms; saw ${seen.slice(-300)}`)); }, limit);
          const cleanup = (): void => { clearInterval(again); clearTimeout(timer); child.stdout?.off('data', onData); };
          child.stdout?.on('data', onData);
          command(`GET_PEERS ${h}`);
        });
      },
      nodes: async () => {
        const m = waitForOutput(child, [child.stdout], /NODES (\d+)\n/, timeoutMs, 'libtorrent dht stats');
        command('NODES');
        return Number((await m)[1]);
      },
      addNode: (nip, nport) => command(`ADD_NODE ${nip} ${nport}`),
      seed: async (torrentPath, dir, h) => {
        const seeding = waitForOutput(child, [child.stdout], new RegExp(`SEEDING ${h}|ERROR (.*)`), timeoutMs, 'libtorrent seed');
        command(`SEED ${torrentPath} ${dir}`);
        const m = await seeding;
        if (m[1] !== undefined) throw new Error(`libtorrent seed: ${m[1]}`);
      },
      leech: async (torrentPath, dir, h, limit = 60_000) => {
        const finished = waitForOutput(child, [child.stdout], new RegExp(`FINISHED ${h} (\\d+)|ERROR (.*)`), limit, 'libtorrent leech');
        command(`LEECH ${torrentPath} ${dir}`);
        const m = await finished;
        if (m[2] !== undefined) throw new Error(`libtorrent leech: ${m[2]}`);
        return Number(m[1]);
      },

      stop,
    };
  } catch (e) {
    await stop();
    throw e;
  }
}
