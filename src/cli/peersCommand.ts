import * as E from 'fp-ts/lib/Either.js';
import { connectPeerRetryingRefusal, type PeerProbe, type ProbeError } from '../../streams/connectPeer.js';
import type { MagnetLink } from '../magnet/magnetLink.js';
import { isMagnet, parseMagnet } from '../magnet/parseMagnet.js';
import { loadMetainfo } from '../metainfo/loadMetainfo.js';
import type { Metainfo } from '../metainfo/types.js';
import { endpointKey, type PeerEndpoint } from '../peers/peerPool.js';
import { announce } from '../tracker/client/announce.js';
import { announceTiers, TrackerTiers } from '../tracker/client/trackerTiers.js';
import type { AnnounceEvent, AnnounceRequest } from '../tracker/types.js';
import { toHex } from '../wire/hex.js';
import { generatePeerId } from '../wire/peerId.js';
import { DEFAULT_MAX_PEERS_PER_REPLY } from '../tracker/client/compactPeers.js';
import { DhtNode } from '../session/dhtNode.js';
import { DEFAULT_BOOTSTRAP, resolveBootstrap } from '../session/dhtBootstrap.js';
import { mapBounded } from './boundedMap.js';
import { DHT_OPTIONS, dhtPlan, type DhtPlan } from './dhtArgs.js';
import { EXIT_FAILURE, EXIT_OK, usageError, type CliIo } from './cliIo.js';
import { parseCommandArgs } from './commandArgs.js';
import { parsePeerAddress } from './peerAddressArg.js';
import { parseEncryptionOption } from './encryptionArg.js';
import { encryptionText } from './encryptionText.js';
import type { PeerEncryption } from '../mse/mseTypes.js';
import { terminalText } from '../text/terminalText.js';

/** Connection attempts `peers` keeps in flight at once (default of `--concurrency`). */
export const DEFAULT_PROBE_CONCURRENCY = 32;

const USAGE = `usage: statorrent peers <file.torrent | http(s)://url | 'magnet:?…'> [--timeout S] [--peer IP:PORT]... [--encryption MODE] [--json]
  Asks the torrent's trackers for peers (announce 'started', then 'stopped') and, for a public
  torrent, the DHT (one get_peers lookup, BEP 5; nothing announced), connects to each
  peer (a few at a time), and prints what each says in its handshake and first bitfield:
  address, client, how many pieces it has, extensions (BEP 10 extension protocol, BEP 6 fast,
  BEP 5 DHT) and, for an encrypted connection, its MSE/PE mode.
  --timeout S      seconds for the tracker and for each peer (default 10)
  --max-peers N    most peers taken from the tracker's reply (default ${DEFAULT_MAX_PEERS_PER_REPLY})
  --concurrency N  most connection attempts at once (default ${DEFAULT_PROBE_CONCURRENCY})
  --peer IP:PORT   also probe this peer; repeatable (needed for torrents without trackers)
  --no-trackers    do not ask the trackers
  --encryption MODE  encrypted connections (MSE/PE): accept (default: dial plain, and try a
                   peer that hangs up on that once more with MSE), require (encrypted only,
                   RC4), off
  --no-dht, --dht-bootstrap HOST:PORT, --data-dir DIR   as for download; --dht-port N
                   (default: any free UDP port)
  --json           one JSON document: {infoHash, tracker, dht ({peers} or null), peers[{ip, port,
                   ok, client, peerId, pieces, pieceCount, availability, extensions,
                   encryption (none, mse-plaintext, mse-rc4), error}], summary}
`;

/** One probed peer as `--json` reports it. */
export interface PeerReport {
  readonly ip: string;
  readonly port: number;
  readonly ok: boolean;
  readonly client: string | null;
  readonly peerId: string | null;
  /** Pieces it has; null when it sent no bitfield (BEP 3 lets a peer with nothing skip it). */
  readonly pieces: number | null;
  /** null for a magnet link: the piece count comes with the metadata. */
  readonly pieceCount: number | null;
  readonly availability: 'all' | 'none' | 'bitfield' | 'unknown' | null;
  readonly extensions: { readonly extensionProtocol: boolean; readonly fast: boolean; readonly dht: boolean } | null;
  /** How the connection was carried (MSE/PE); null when the probe failed. */
  readonly encryption: PeerEncryption | null;
  readonly error: string | null;
}

/** A probe result as a report row. */
export function peerReport(peer: PeerEndpoint, pieceCount: number | null, r: E.Either<ProbeError, PeerProbe>): PeerReport {
  if (E.isLeft(r)) return { ...peer, ok: false, client: null, peerId: null, pieces: null, pieceCount, availability: null, extensions: null, encryption: null, error: r.left.message };
  const p = r.right;
  return { ...peer, ok: true, client: p.client, peerId: toHex(p.peerId), pieces: p.piecesHave ?? null, pieceCount, availability: p.availability.kind, extensions: p.extensions, encryption: p.encryption, error: null };
}

/** The "has" column: `all`, `none`, `unknown` or `count/total`. */
export function piecesText(r: PeerReport): string {
  if (r.availability === 'all') return 'all';
  if (r.pieces === null) return 'unknown';
  if (r.pieceCount === null) return r.pieces === 0 ? 'none' : `${r.pieces} pieces`;
  if (r.pieces >= r.pieceCount) return 'all';
  if (r.pieces === 0) return 'none';
  return `${r.pieces}/${r.pieceCount}`;
}

function extensionsText(r: PeerReport): string {
  const e = r.extensions;
  if (e === null) return '';
  const names = [e.extensionProtocol ? 'ext' : '', e.fast ? 'fast' : '', e.dht ? 'dht' : ''].filter((n) => n !== '');
  return names.length === 0 ? 'none' : names.join(',');
}

/** `statorrent peers`: who is in the swarm and what they have. */
export async function runPeersCommand(argv: string[], io: CliIo): Promise<number> {
  const parsed = parseCommandArgs(argv, {
    timeout: { type: 'string' },
    'max-peers': { type: 'string' },
    concurrency: { type: 'string' },
    peer: { type: 'string', multiple: true },
    'no-trackers': { type: 'boolean' },
    encryption: { type: 'string' },
    json: { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
    ...DHT_OPTIONS,
  });
  const usage = (msg: string): number => usageError(io, 'peers', msg);
  if (E.isLeft(parsed)) return usage(parsed.left);
  const { values, positionals } = parsed.right;
  if (values.help === true) {
    io.out.write(USAGE);
    return EXIT_OK;
  }
  if (positionals.length !== 1) return usage(positionals.length === 0 ? 'which torrent? give a .torrent file or an http(s) URL' : 'give exactly one torrent');
  const timeoutS = Number(values.timeout ?? '10');
  if (!/^[0-9]+(\.[0-9]+)?$/.test(values.timeout ?? '10') || timeoutS <= 0 || timeoutS > 600) return usage('--timeout must be a number of seconds in (0, 600]');
  const count = (text: string | undefined, fallback: number): number | undefined => {
    if (text === undefined) return fallback;
    const n = Number(text);
    return /^[0-9]+$/.test(text) && n >= 1 && n <= 100_000 ? n : undefined;
  };
  const maxPeers = count(values['max-peers'], DEFAULT_MAX_PEERS_PER_REPLY);
  if (maxPeers === undefined) return usage('--max-peers must be a whole number in [1, 100000]');
  const concurrency = count(values.concurrency, DEFAULT_PROBE_CONCURRENCY);
  if (concurrency === undefined || concurrency > 1024) return usage('--concurrency must be a whole number in [1, 1024]');
  const extra: PeerEndpoint[] = [];
  for (const p of values.peer ?? []) {
    const e = parsePeerAddress(p);
    if (E.isLeft(e)) return usage(e.left);
    extra.push(e.right);
  }
  const encryption = parseEncryptionOption(values.encryption);
  if (E.isLeft(encryption)) return usage(encryption.left);
  const useTrackers = values['no-trackers'] !== true;
  const dht = dhtPlan(values);
  if (E.isLeft(dht)) return usage(dht.left);
  if (!useTrackers && extra.length === 0 && dht.right === false && !isMagnet(positionals[0]!)) return usage('--no-trackers with --no-dht needs at least one --peer');

  const fail = (msg: string): number => {
    io.err.write(`statorrent peers: ${msg}\n`);
    return EXIT_FAILURE;
  };
  const source = positionals[0]!;
  let m: ProbeTarget;
  if (isMagnet(source)) {
    const link = parseMagnet(source);
    if (E.isLeft(link)) return fail(link.left.message);
    m = magnetTarget(link.right);
    extra.push(...link.right.peers);
  } else {
    const loaded = await loadMetainfo(source)();
    if (E.isLeft(loaded)) return fail(loaded.left.message);
    m = loaded.right;
  }
  if (!useTrackers && extra.length === 0 && dht.right === false) return usage('--no-trackers with --no-dht needs at least one --peer (or x.pe peers in the magnet link)');
  const timeoutMs = Math.round(timeoutS * 1000);
  const peerId = generatePeerId();

  let tracker: { url: string; peers: number; seeders: number | null; leechers: number | null } | null = null;
  const found: PeerEndpoint[] = [...extra];
  let leaving: Promise<unknown> = Promise.resolve();
  const useDht = dht.right !== false && !m.private; // BEP 27: a private torrent's peers come from its trackers only
  let fromDht: PeerEndpoint[] | null = null;
  const dhtLookup = useDht ? dhtPeers(m, dht.right as Exclude<DhtPlan, false>, timeoutMs, io) : undefined;
  if (useTrackers && !(m.announceList.length === 0 && useDht)) {
    if (m.announceList.length === 0) return fail(`${terminalText(m.name)} names no trackers (probe known peers with --peer and --no-trackers)`);
    const reply = await announceOnce(m, peerId, 'started', timeoutMs, maxPeers);
    if (E.isLeft(reply)) {
      // with the DHT asked too, a dead tracker is one source less, not the end
      if (dhtLookup === undefined) return fail(reply.left);
      io.err.write(`statorrent peers: ${reply.left}\n`);
    } else {
      const r = reply.right.response;
      tracker = { url: reply.right.url, peers: r.peers.length, seeders: r.complete ?? null, leechers: r.incomplete ?? null };
      for (const p of r.peers) found.push({ ip: p.ip, port: p.port });
      // leave the swarm again (best effort), while the probes run
      leaving = announceOnce(m, peerId, 'stopped', Math.min(timeoutMs, 3000), maxPeers);
    }
  }
  if (dhtLookup !== undefined) {
    const r = await dhtLookup;
    if (E.isLeft(r)) return fail(r.left);
    fromDht = r.right;
    found.push(...fromDht);
  }
  const unique = [...new Map(found.map((p) => [endpointKey(p), p])).values()];
  if (values.json !== true) {
    if (tracker !== null) io.out.write(`tracker ${terminalText(tracker.url)}: ${tracker.peers} peer${tracker.peers === 1 ? '' : 's'}${tracker.seeders === null ? '' : ` (${tracker.seeders} seeders, ${tracker.leechers ?? '?'} leechers)`}\n`);
    if (fromDht !== null) io.out.write(`dht: ${fromDht.length} peer${fromDht.length === 1 ? '' : 's'}\n`);
    if (unique.length > 0) io.out.write(`probing ${unique.length} peer${unique.length === 1 ? '' : 's'}...\n`);
  }
  const reports = await mapBounded(unique, concurrency, async (p) =>
    peerReport(p, m.pieceCount, await connectPeerRetryingRefusal({ ip: p.ip, port: p.port, infoHash: m.infoHash, peerId, pieceCount: m.pieceCount, timeoutMs, encryption: encryption.right })),
  );
  await leaving;
  const answered = reports.filter((r) => r.ok);
  const seeds = answered.filter((r) => r.availability === 'all' || (r.pieces !== null && m.pieceCount !== null && r.pieces >= m.pieceCount)).length;
  const summary = { peers: reports.length, answered: answered.length, seeds, failed: reports.length - answered.length };
  if (values.json === true) {
    io.out.write(`${JSON.stringify({ infoHash: m.infoHashHex, name: m.name, pieceCount: m.pieceCount, tracker, dht: fromDht === null ? null : { peers: fromDht.length }, peers: reports, summary })}\n`);
    return EXIT_OK;
  }
  const width = Math.max(7, ...reports.map((r) => endpointKey(r).length));
  const clientWidth = Math.max(6, ...answered.map((r) => terminalText(r.client ?? '').length));
  for (const r of reports) {
    const addr = endpointKey(r).padEnd(width);
    if (!r.ok) io.out.write(`  ${addr}  failed: ${terminalText(r.error ?? '')}\n`);
    else {
      const encryption = encryptionText(r.encryption);
      io.out.write(`  ${addr}  ${terminalText(r.client ?? '').padEnd(clientWidth)}  has ${piecesText(r).padEnd(9)}  extensions: ${extensionsText(r)}${encryption === undefined ? '' : `  ${encryption}`}\n`);
    }
  }
  io.out.write(`${summary.peers} peer${summary.peers === 1 ? '' : 's'}: ${summary.answered} answered (${seeds} with every piece), ${summary.failed} failed\n`);
  return EXIT_OK;
}

/** What `peers` probes: a torrent, or what a magnet link says (no piece count or size yet). */
type ProbeTarget = Pick<Metainfo, 'infoHash' | 'infoHashHex' | 'name' | 'announceList' | 'private'> & { readonly pieceCount: number | null; readonly totalLength: number | null };

const magnetTarget = (l: MagnetLink): ProbeTarget => ({
  infoHash: l.infoHash,
  infoHashHex: l.infoHashHex,
  name: l.name ?? l.infoHashHex,
  announceList: l.trackers.map((t) => [t]),
  private: false, // unknown until the metadata: a magnet link may use the DHT (BEP 9)
  pieceCount: null,
  totalLength: null,
});
/**
 * One get_peers lookup (BEP 5) from a node of our own that lives only for it (its state still
 * saved, so the next run rejoins without the routers); ends with the lookup or after `timeoutMs`.
 */
async function dhtPeers(m: Pick<Metainfo, 'infoHash'>, plan: Exclude<DhtPlan, false>, timeoutMs: number, io: CliIo): Promise<E.Either<string, PeerEndpoint[]>> {
  const list = plan.bootstrap.length > 0 ? plan.bootstrap : DEFAULT_BOOTSTRAP;
  const started = await DhtNode.start({
    port: plan.port ?? 0,
    stateDir: plan.stateDir,
    bootstrap: () => resolveBootstrap(list, (msg) => io.err.write(`statorrent peers: dht: ${msg}\n`)),
  });
  if (E.isLeft(started)) return E.left(`DHT: ${started.left}`);
  const node = started.right;
  const peers: PeerEndpoint[] = [];
  try {
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        sub.unsubscribe();
        resolve();
      }, timeoutMs);
      const sub = node.getPeers(m.infoHash).subscribe({
        next: (p) => void peers.push({ ip: p.ip, port: p.port }),
        complete: () => {
          clearTimeout(timer);
          resolve();
        },
      });
    });
    return E.right(peers);
  } finally {
    await node.stop();
  }
}

/** One multitracker announce (BEP 12) bounded by `timeoutMs`; the error is one line. */
async function announceOnce(m: ProbeTarget, peerId: Uint8Array, event: AnnounceEvent, timeoutMs: number, maxPeers: number): Promise<E.Either<string, { url: string; response: import('../tracker/types.js').AnnounceResponse }>> {
  const signal = AbortSignal.timeout(timeoutMs);
  // port 6881: we do not listen here, and `stopped` follows at once, so the tracker forgets us
  const req: AnnounceRequest = { infoHash: m.infoHash, peerId, port: 6881, uploaded: 0, downloaded: 0, left: m.totalLength ?? 16_384, event, numwant: Math.min(maxPeers, 200), compact: true };
  const r = await announceTiers(new TrackerTiers(m.announceList), req, {
    announce: (url, q) => announce(url, q, { signal, maxPeersPerReply: maxPeers, http: { timeoutMs }, udp: { retransmitBaseMs: Math.max(200, Math.floor(timeoutMs / 4)), maxRetransmits: 1 } }),
    signal,
  })();
  return E.mapLeft((e: { message: string }) => e.message)(r);
}
