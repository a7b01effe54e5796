import type { Socket } from 'node:net';
import { BehaviorSubject, Subject, type Subscription } from 'rxjs';
import * as E from 'fp-ts/lib/Either.js';
import type { MagnetLink } from '../magnet/magnetLink.js';
import { metainfoFromMetadata } from '../magnet/metainfoFromMetadata.js';
import { fetchMetadata, type MetadataFetch } from './metadataFetch.js';
import { savedTorrentPath, saveTorrent } from './savedTorrent.js';
import type { TorrentHandle, TorrentHost, TorrentRunOptions } from './torrentHandle.js';
import type { TorrentRuntime } from './torrentRuntime.js';
import type { TorrentEvent, TorrentProgress } from './types.js';
import type { WireTransport } from '../../streams/wireTransport.js';

/** How a magnet link is run: like a .torrent, with the link in place of the metainfo. */
export interface MagnetRunOptions extends Omit<TorrentRunOptions, 'metainfo' | 'skipCheck'> {
  readonly magnet: MagnetLink;
  /** Most connections at once while fetching the metadata (default 20); peers are dialled in link order. */
  readonly maxMetadataPeers?: number;
}

/**
 * A torrent started from a magnet link: `fetchingMetadata` (BEP 9, see fetchMetadata) until the
 * info dictionary arrives and verifies, then it is saved as `<name>.torrent` next to the download
 * and the torrent continues as if opened from that file (`startRuntime`). The handle's streams
 * carry both phases.
 */
export class MagnetTorrent implements TorrentHandle {
  readonly infoHashHex: string;
  readonly name: string;
  readonly progress$: BehaviorSubject<TorrentProgress>;
  readonly events$ = new Subject<TorrentEvent>();
  readonly completed: Promise<void>;
  /** Settles once the fetch failed or was stopped, or the torrent it became has stopped. */
  readonly stopped$: Promise<void>;
  private fetch: MetadataFetch | undefined;
  private inner: TorrentRuntime | undefined;
  private readonly subs: Subscription[] = [];
  private metadata = { received: 0, total: 0 };
  private connected = new Set<string>();
  private ticker: NodeJS.Timeout | undefined;
  private stopping = false;

  constructor(
    private readonly options: MagnetRunOptions,
    private readonly host: TorrentHost,
    /** Starts the runtime for the fetched metainfo (the session registers it for incoming peers). */
    private readonly startRuntime: (options: TorrentRunOptions) => Promise<E.Either<string, TorrentRuntime>>,
  ) {
    this.infoHashHex = options.magnet.infoHashHex;
    this.name = options.magnet.name ?? options.magnet.infoHashHex;
    this.progress$ = new BehaviorSubject(this.fetchingSnapshot());
    this.completed = this.run();
    this.completed.catch(() => undefined); // callers may not listen; the error is also an event
    this.stopped$ = this.completed.then(
      () => this.inner?.stopped$,
      () => this.inner?.stopped$,
    );
  }

  /** The inspector's view, once the torrent runs (not while fetching the metadata). */
  get inspection(): TorrentRuntime['inspection'] | undefined {
    return this.inner?.inspection;
  }

  pause(): void {
    this.inner?.pause();
  }

  resume(): void {
    this.inner?.resume();
  }

  async stop(): Promise<void> {
    this.stopping = true;
    this.fetch?.stop();
    if (this.inner !== undefined) await this.inner.stop();
    await this.completed.catch(() => undefined);
  }

  /** An accepted connection for this info hash: only once the torrent knows its pieces. */
  acceptIncoming(socket: Socket, transport?: WireTransport): void {
    if (this.inner !== undefined) this.inner.acceptIncoming(socket, transport);
    else socket.destroy();
  }

  private async run(): Promise<void> {
    const o = this.options;
    const event = (e: TorrentEvent): void => {
      if (e.type === 'peerConnected') this.connected.add(e.id);
      if (e.type === 'peerClosed') this.connected.delete(e.id);
      this.events$.next(e);
    };
    this.ticker = setInterval(() => this.progress$.next(this.fetchingSnapshot()), 1000);
    this.ticker.unref();
    this.fetch = fetchMetadata(this.host, {
      magnet: o.magnet,
      ...(o.peers !== undefined ? { peers: o.peers } : {}),
      ...(o.useTrackers !== undefined ? { useTrackers: o.useTrackers } : {}),
      ...(o.inspect !== undefined ? { inspect: o.inspect } : {}),
      ...(o.maxMetadataPeers !== undefined ? { maxPeers: o.maxMetadataPeers } : {}),
      onProgress: (received, total) => {
        this.metadata = { received, total };
        this.progress$.next(this.fetchingSnapshot());
      },
      onEvent: event,
    });
    const fetched = await this.fetch.result;
    clearInterval(this.ticker);
    const fail = (message: string): never => {
      if (!this.stopping) this.events$.next({ type: 'error', message });
      this.events$.next({ type: 'stopped' });
      this.progress$.complete();
      this.events$.complete();
      throw new Error(message);
    };
    if (E.isLeft(fetched)) return fail(fetched.left);
    const made = metainfoFromMetadata(fetched.right, o.magnet);
    if (E.isLeft(made)) return fail(`the fetched metadata is not a usable torrent: ${made.left.message}`);
    const { metainfo, torrentFile } = made.right;
    const saved = await saveTorrent(savedTorrentPath(o.downloadDir, metainfo), torrentFile);
    if (E.isLeft(saved)) return fail(saved.left);
    this.events$.next({ type: 'metadataFetched', name: metainfo.name, torrentPath: saved.right });
    if (this.stopping) return fail('stopped before the download started');
    const { magnet: _magnet, maxMetadataPeers: _max, ...rest } = o;
    // the link's x.pe peers stay known to the torrent (its trackers are in the saved metainfo)
    const rt = await this.startRuntime({ ...rest, metainfo, peers: [...o.magnet.peers, ...(o.peers ?? [])] });
    if (E.isLeft(rt)) return fail(rt.left);
    this.inner = rt.right;
    if (this.stopping) await rt.right.stop();
    this.subs.push(
      rt.right.events$.subscribe({ next: (e) => this.events$.next(e), complete: () => this.events$.complete() }),
      rt.right.progress$.subscribe({ next: (p) => this.progress$.next(p), complete: () => this.progress$.complete() }),
    );
    await rt.right.completed;
  }

  private fetchingSnapshot(): TorrentProgress {
    return {
      infoHashHex: this.infoHashHex,
      name: this.name,
      state: 'fetchingMetadata',
      pieceCount: 0,
      verifiedPieces: 0,
      checkedPieces: 0,
      totalBytes: 0,
      verifiedBytes: 0,
      downloadRate: 0,
      uploadRate: 0,
      downloaded: 0,
      uploaded: 0,
      peers: this.connected.size,
      etaSeconds: undefined,
      metadata: this.metadata,
    };
  }
}
