import type { ConnectedPeerSource, TorrentEvent, TorrentProgress } from '../session/types.js';
import type { CliIo } from './cliIo.js';
import { eventJson, progressJson, type JsonLine } from './transferJson.js';
import { renderTransferLine, verifiedPercent } from './transferLine.js';
import { terminalText } from '../text/terminalText.js';
import { encryptionText } from './encryptionText.js';

/**
 * How a transfer is shown: `tty` redraws one line in place, `plain` prints milestone lines
 * (logs, pipes), `quiet` only errors and the final line, `json` one object per line.
 */
/** How --verbose names where a peer came from. */
const SOURCE_TEXT: Readonly<Record<ConnectedPeerSource, string>> = { tracker: 'from a tracker', dht: 'from the DHT', pex: 'from peer exchange', user: 'from --peer', incoming: 'it dialled us' };

export type OutputMode = 'tty' | 'plain' | 'quiet' | 'json';

/** Picks the mode from the flags and whether stdout is a terminal. */
export function outputMode(flags: { json?: boolean | undefined; quiet?: boolean | undefined }, io: CliIo): OutputMode {
  if (flags.json === true) return 'json';
  if (flags.quiet === true) return 'quiet';
  return io.out.isTTY === true ? 'tty' : 'plain';
}

/** Options of a {@link TransferView}. */
export interface TransferViewOptions {
  readonly mode: OutputMode;
  /** Also print tutorial-style facts: announces, peers coming and going, each verified piece. */
  readonly verbose?: boolean;
  /** Plain mode prints at least this often while something changes (default 5000 ms). */
  readonly plainEveryMs?: number;
  /** Milliseconds clock (default performance.now), injectable for tests. */
  readonly now?: () => number;
}

/**
 * Turns a torrent's progress$ and events$ into terminal output for one of the modes. The CLI's
 * long commands (download, seed) print only through this and {@link TransferView.line}.
 */
export class TransferView {
  private readonly started: number;
  private readonly now: () => number;
  private drawn = '';
  private lastPlainAt = -Infinity;
  private lastPlainPercent = -1;
  private lastState = '';
  private readonly clients = new Map<string, string>();
  private verified = 0;
  private pieceCount = 0;

  constructor(
    private readonly io: CliIo,
    private readonly options: TransferViewOptions,
  ) {
    this.now = options.now ?? (() => performance.now());
    this.started = this.now();
  }

  get mode(): OutputMode {
    return this.options.mode;
  }

  /** Milliseconds since the view was made (the `t` of JSON lines). */
  elapsedMs(): number {
    return Math.round(this.now() - this.started);
  }

  /** A JSON line (json mode only). */
  json(obj: Omit<JsonLine, 't'>): void {
    if (this.options.mode === 'json') this.io.out.write(`${JSON.stringify({ ...obj, t: this.elapsedMs() })}\n`);
  }

  /** A line of text for people (not in quiet or json mode), kept clear of the live line. */
  line(text: string): void {
    if (this.options.mode === 'tty' || this.options.mode === 'plain') this.print(text);
  }

  /** The final line: shown in every text mode, quiet included. */
  finalLine(text: string): void {
    if (this.options.mode !== 'json') this.print(text);
  }

  progress(p: TorrentProgress): void {
    this.pieceCount = p.pieceCount;
    this.verified = Math.max(this.verified, p.verifiedPieces);
    switch (this.options.mode) {
      case 'json':
        this.json(progressJson(p, 0));
        return;
      case 'quiet':
        return;
      case 'tty':
        this.drawn = renderTransferLine(p, Math.max(40, (this.io.out.columns ?? 80) - 1));
        this.io.out.write(`\r\x1b[2K${this.drawn}`);
        return;
      case 'plain': {
        const t = this.now();
        const pct = verifiedPercent(p);
        const milestone = Math.floor(pct / 10) > Math.floor(this.lastPlainPercent / 10);
        const changed = p.state !== this.lastState;
        if (!changed && !milestone && t - this.lastPlainAt < (this.options.plainEveryMs ?? 5000)) return;
        this.lastPlainAt = t;
        this.lastPlainPercent = pct;
        this.lastState = p.state;
        this.io.out.write(`${renderTransferLine(p, 100)}\n`);
      }
    }
  }

  event(e: TorrentEvent): void {
    if (e.type === 'pieceVerified') this.verified++;
    if (e.type === 'checked') this.verified = e.verifiedPieces;
    if (this.options.mode === 'json') {
      this.io.out.write(`${JSON.stringify(eventJson(e, this.elapsedMs()))}\n`);
      return;
    }
    if (e.type === 'peerConnected') this.clients.set(e.id, e.client);
    const text = this.eventText(e);
    if (e.type === 'peerClosed') this.clients.delete(e.id);
    if (text !== undefined) this.line(text);
  }

  /** Ends the live line so what follows starts on a fresh line. */
  close(): void {
    if (this.drawn !== '') this.io.out.write('\n');
    this.drawn = '';
  }

  private eventText(e: TorrentEvent): string | undefined {
    const verbose = this.options.verbose === true;
    switch (e.type) {
      case 'trackerError':
        return `tracker error: ${terminalText(e.message)}`;
      case 'trackerWarning':
        return `tracker warning: ${terminalText(e.message)}`;
      case 'banned':
        return `banned ${e.ip}: ${terminalText(e.reason)}`;
      case 'checked':
        return verbose ? `checked the data on disk: ${e.verifiedPieces}/${this.pieceCount} pieces already there` : undefined;
      case 'announced': {
        if (!verbose) return undefined;
        const counts = e.seeders !== undefined || e.leechers !== undefined ? ` (${e.seeders ?? '?'} seeders, ${e.leechers ?? '?'} leechers)` : '';
        return `tracker replied: ${e.peers} peer${e.peers === 1 ? '' : 's'}${counts}`;
      }
      case 'peerConnected': {
        if (!verbose) return undefined;
        const encryption = encryptionText(e.encryption);
        return `peer ${e.id} connected: ${terminalText(e.client)}${e.source === undefined ? '' : ` (${SOURCE_TEXT[e.source]})`}${encryption === undefined ? '' : `, ${encryption}`}`;
      }
      case 'dhtLookup':
        return verbose ? `DHT lookup done: ${e.peers} peer${e.peers === 1 ? '' : 's'}` : undefined;
      case 'peerClosed':
        return verbose ? `peer ${e.id}${this.clients.has(e.id) ? ` (${terminalText(this.clients.get(e.id)!)})` : ''} closed: ${terminalText(e.reason)}` : undefined;
      case 'pieceVerified':
        return verbose ? `piece ${e.index} verified (${this.verified}/${this.pieceCount})` : undefined;
      case 'pieceFailed':
        return `piece ${e.index} failed its hash check; fetching it again`;
      case 'peersDiscovered':
        return verbose ? `peer exchange: ${e.peers} peer${e.peers === 1 ? '' : 's'} from ${e.from}` : undefined;
      case 'peerPenalised':
        return `peer ${e.id} dropped from the metadata exchange: ${terminalText(e.message)}`;
      case 'metadataFetched':
        return `metadata received: saved ${terminalText(e.torrentPath)}`;
      case 'pieceLost':
        return `warning: ${terminalText(e.message)}`;
      case 'completed':
      case 'stopped':
      case 'error':
        return undefined; // the command reports these in its final line
    }
  }

  private print(text: string): void {
    if (this.drawn !== '') {
      this.io.out.write(`\r\x1b[2K${text}\n${this.drawn}`);
      return;
    }
    this.io.out.write(`${text}\n`);
  }
}
