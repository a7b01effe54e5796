import { createServer, type Server, type Socket } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import type { MagnetLink } from '../magnet/magnetLink.js';
import { parseMagnet } from '../magnet/parseMagnet.js';
import { BanList, type BanView } from '../peers/banList.js';
import { parseIp } from '../peers/ipAddress.js';
import { generatePeerId } from '../wire/index.js';
import { MagnetTorrent, type MagnetRunOptions } from './magnetTorrent.js';
import { findSavedTorrent } from './savedTorrent.js';
import { DhtNode, type DhtNodeOptions } from './dhtNode.js';
import { readIncoming } from './incomingHandshake.js';
import { req2Hash } from '../mse/mseKeys.js';
import { DEFAULT_ENCRYPTION_POLICY, type EncryptionPolicy } from '../mse/mseTypes.js';
import type { InspectorServer } from './inspector/inspectorServer.js';
import { TorrentRuntime, type TorrentHandle, type TorrentRunOptions } from './torrentRuntime.js';

/** The session's DHT node (BEP 5); every field optional. */
export interface SessionDhtOptions {
  /** UDP port (default: the session's TCP port, as most clients do; 0 picks a free one). */
  readonly port?: number;
  /** Where to join when the saved table is empty or silent: addresses, or a function resolving them when needed. */
  readonly bootstrap?: DhtNodeOptions['bootstrap'];
  /** Folder of the state file (node id and good nodes; default per user, see `defaultDhtStateDir`); null: none. */
  readonly stateDir?: string | null;
  /** Lines about what the node does (joined, state file problems). */
  readonly log?: (line: string) => void;
  /** How long one KRPC query may go unanswered (default 2 s). */
  readonly queryTimeoutMs?: number;
}

/** How a session listens and identifies itself. */
export interface SessionOptions {
  /** TCP port for incoming peers; 0 picks a free one (default 6881). */
  readonly port?: number;
  /** Address to listen on (default all interfaces, `0.0.0.0`). */
  readonly host?: string;
  /** Our 20-byte peer id (default: a fresh `-ST….` id, BEP 20 style). */
  readonly peerId?: Uint8Array;
  /** Address outgoing connections bind to (default: the OS's choice). */
  readonly localAddress?: string;
  /** How long an accepted connection may take to send its handshake (default 10 s). */
  readonly handshakeTimeoutMs?: number;
  /**
   * Run one DHT node (BEP 5) shared by every torrent, on the same address as the listener:
   * public torrents then find peers in it and announce themselves. Off when absent or false.
   */
  readonly dht?: SessionDhtOptions | false;
  /**
   * Message Stream Encryption (MSE/PE, the "encrypted handshake" libtorrent, aria2, qBittorrent
   * and Vuze dial with first):
   * - `accept` (default): incoming plain or MSE connections; from MSE peers we select plaintext
   *   payload when they offer it (no cost after the handshake), RC4 otherwise. We dial plain.
   * - `require`: MSE only, both ways, RC4 payload (for peers and networks that insist).
   * - `off`: plain BitTorrent only; MSE connections are refused.
   */
  readonly encryption?: EncryptionPolicy;
}

/**
 * A long-running client: one listening socket and one peer id shared by any number of
 * torrents; incoming connections are routed by the info hash of their handshake.
 */
/** Accepted connections that may wait for their handshake at once; more are refused (flood guard). */
export const MAX_PENDING_HANDSHAKES = 64;

/** A magnet link to run: the link (text or parsed) in place of the metainfo. */
export interface MagnetAddOptions extends Omit<MagnetRunOptions, 'magnet'> {
  readonly magnet: string | MagnetLink;
}

/** What the session routes incoming connections to and stops. */
type Running = TorrentHandle & Pick<TorrentRuntime, 'acceptIncoming' | 'stopped$'> & { readonly inspection?: TorrentRuntime['inspection'] | undefined };

export class Session {
  private readonly torrents = new Map<string, Running>();
  private readonly pending = new Set<Socket>();
  private readonly banList = new BanList();
  private readonly inspectors = new Set<InspectorServer>();
  /** HASH('req2', info hash) (hex) per torrent hex, for routing MSE connections. */
  private readonly req2 = new Map<string, string>();
  private closing = false;

  private constructor(
    private readonly server: Server,
    readonly port: number,
    readonly peerId: Uint8Array,
    private readonly options: SessionOptions,
    /** The DHT node shared by this session's torrents, when the DHT is on. */
    readonly dht: DhtNode | undefined,
  ) {
    server.on('connection', (socket) => void this.onConnection(socket));
  }

  /** Starts listening; fails with a one-line reason (e.g. the port is taken). */
  static start(options: SessionOptions = {}): Promise<E.Either<string, Session>> {
    return new Promise((resolve) => {
      const server = createServer({ noDelay: true, pauseOnConnect: true });
      const port = options.port ?? 6881;
      const host = options.host ?? '0.0.0.0';
      server.once('error', (err: NodeJS.ErrnoException) =>
        resolve(E.left(err.code === 'EADDRINUSE' ? `port ${port} is already in use (choose another with --port)` : `cannot listen on ${host}:${port}: ${err.message}`)),
      );
      server.listen(port, host, () => {
        const addr = server.address();
        const actual = typeof addr === 'object' && addr !== null ? addr.port : port;
        void Session.startDht(options, host, actual).then((dht) => {
          if (E.isLeft(dht)) {
            server.close();
            resolve(dht);
          } else resolve(E.right(new Session(server, actual, options.peerId ?? generatePeerId(), options, dht.right)));
        });
      });
    });
  }

  private static async startDht(options: SessionOptions, host: string, tcpPort: number): Promise<E.Either<string, DhtNode | undefined>> {
    const d = options.dht;
    if (d === undefined || d === false) return E.right(undefined);
    const port = d.port ?? tcpPort;
    const started = await DhtNode.start({
      host,
      port,
      ...(d.stateDir === undefined ? {} : { stateDir: d.stateDir }),
      ...(d.bootstrap === undefined ? {} : { bootstrap: d.bootstrap }),
      ...(d.log === undefined ? {} : { log: d.log }),
      ...(d.queryTimeoutMs === undefined ? {} : { queryTimeoutMs: d.queryTimeoutMs }),
    });
    return E.mapLeft((m: string) => `DHT: ${m}; or turn the DHT off (--no-dht)`)(started);
  }

  /**
   * Adds a torrent and starts it (checking what is on disk first). Given a magnet link, the
   * torrent first fetches its metadata from peers (state `fetchingMetadata`, BEP 9), saves it as
   * `<name>.torrent` in the download folder and goes on from there; a later `add` of the same
   * link finds that file and skips the fetch.
   */
  async add(options: TorrentRunOptions | MagnetAddOptions): Promise<E.Either<string, TorrentHandle>> {
    if ('magnet' in options) return this.addMagnet(options);
    const hex = options.metainfo.infoHashHex;
    if (this.torrents.has(hex)) return E.left(`torrent ${hex} is already in this session`);
    const rt = await TorrentRuntime.start(options, this.host());
    if (E.isRight(rt)) this.register(hex, rt.right);
    return rt;
  }

  private async addMagnet(options: MagnetAddOptions): Promise<E.Either<string, TorrentHandle>> {
    const parsed = typeof options.magnet === 'string' ? parseMagnet(options.magnet) : E.right(options.magnet);
    if (E.isLeft(parsed)) return E.left(parsed.left.message);
    const magnet = parsed.right;
    if (this.torrents.has(magnet.infoHashHex)) return E.left(`torrent ${magnet.infoHashHex} is already in this session`);
    const { magnet: _link, ...rest } = options;
    const saved = await findSavedTorrent(options.downloadDir, magnet);
    if (saved !== undefined) return this.add({ ...rest, metainfo: saved });
    // incoming peers reach the runtime through the handle once the metadata is known
    const handle = new MagnetTorrent({ ...rest, magnet }, this.host(), (run) => TorrentRuntime.start(run, this.host()));
    this.register(magnet.infoHashHex, handle);
    return E.right(handle);
  }

  private host() {
    return {
      peerId: this.peerId,
      port: this.port,
      bans: this.banList,
      ...(this.options.localAddress !== undefined ? { localAddress: this.options.localAddress } : {}),
      ...(this.dht !== undefined ? { dht: this.dht } : {}),
      encryption: this.encryption,
    };
  }

  /** The session's encryption policy (MSE/PE). */
  get encryption(): EncryptionPolicy {
    return this.options.encryption ?? DEFAULT_ENCRYPTION_POLICY;
  }

  /** The torrent an MSE initiator names: the one whose HASH('req2', info hash) is `req2`. */
  private findInfoHash(req2: Uint8Array): Uint8Array | undefined {
    const wanted = Buffer.from(req2).toString('hex');
    for (const hex of this.torrents.keys()) {
      let h = this.req2.get(hex);
      if (h === undefined) {
        h = Buffer.from(req2Hash(Buffer.from(hex, 'hex'))).toString('hex');
        this.req2.set(hex, h);
      }
      if (h === wanted) return new Uint8Array(Buffer.from(hex, 'hex'));
    }
    return undefined;
  }

  private register(hex: string, running: Running): void {
    this.torrents.set(hex, running);
    void running.stopped$.then(() => {
      if (this.torrents.get(hex) === running) this.torrents.delete(hex);
    });
  }

  /** IPs banned in this session (by any torrent's smart ban); their connections are refused. */
  get bans(): BanView {
    return this.banList;
  }

  /**
   * Bans `ip` for the rest of the session, as smart ban does for a proven liar: every torrent
   * refuses and stops dialling it, and its connections are closed before their handshake.
   * Connections already open stay until their torrent bans the IP itself. Returns false when
   * it was banned already.
   */
  ban(ip: string, reason: string): boolean {
    return this.banList.ban(parseIp(ip)?.ip ?? ip, reason);
  }

  /** The torrents running now. */
  list(): readonly TorrentHandle[] {
    return [...this.torrents.values()];
  }

  /**
   * Serves the live inspector for this session's torrents (those running now and those added
   * later) on 127.0.0.1: open the returned `url` (it carries an unguessable token) in a browser.
   * Read-only; closed with the session. `torrent`: show only the torrent with this info hash.
   */
  async inspect(options: { readonly port?: number; readonly torrent?: string } = {}): Promise<E.Either<string, InspectorServer>> {
    const { startInspectorServer } = await import('./inspector/inspectorServer.js');
    const only = options.torrent?.toLowerCase();
    const sources = () => [...this.torrents.values()].filter((t) => only === undefined || t.infoHashHex === only).flatMap((t) => (t.inspection !== undefined ? [t.inspection] : [])); // a magnet joins once its metadata is in
    const title = only !== undefined ? (this.torrents.get(only)?.name ?? only) : 'session';
    const server = await startInspectorServer({ kind: 'live', title, sources }, options.port !== undefined ? { port: options.port } : {});
    if (E.isRight(server)) this.inspectors.add(server.right);
    return server;
  }

  /** Stops every torrent (announcing `stopped`), the DHT node (saving its table) and the listener. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all([...this.inspectors].map((i) => i.close()));
    this.inspectors.clear();
    for (const socket of this.pending) socket.destroy();
    await Promise.all([...this.torrents.values()].map((t) => t.stop()));
    await this.dht?.stop();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private async onConnection(socket: Socket): Promise<void> {
    socket.on('error', () => undefined); // errors before the wire stack takes over are just closes
    const remote = socket.remoteAddress ?? '';
    // a banned IP is refused before any of its bytes are read
    if (this.closing || this.pending.size >= MAX_PENDING_HANDSHAKES || this.banList.has(parseIp(remote)?.ip ?? remote)) {
      socket.destroy();
      return;
    }
    this.pending.add(socket);
    const route = await readIncoming(socket, {
      timeoutMs: this.options.handshakeTimeoutMs ?? 10_000,
      encryption: this.encryption,
      findInfoHash: (req2) => this.findInfoHash(req2),
    });
    this.pending.delete(socket);
    const rt = E.isRight(route) ? this.torrents.get(route.right.infoHashHex) : undefined;
    if (rt === undefined || this.closing || E.isLeft(route)) {
      socket.destroy();
      return;
    }
    rt.acceptIncoming(socket, route.right.transport);
  }
}
