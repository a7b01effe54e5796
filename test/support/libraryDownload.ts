import * as E from 'fp-ts/lib/Either.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import type { PeerEndpoint } from '../../src/peers/peerPool.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent, TorrentProgress } from '../../src/session/types.js';

/** What one in-process library download saw. */
export interface LibraryDownload {
  readonly events: readonly TorrentEvent[];
  /** The torrent's last progress snapshot (taken at completion, before stopping). */
  readonly progress: TorrentProgress;
  /** Blocks received (`piece` messages), per peer id (`ip:port`). */
  readonly blocksByPeer: ReadonlyMap<string, number>;
  /** Per piece index, the `peer@begin` of every block received for it, in arrival order. */
  readonly blockSources: ReadonlyMap<number, readonly string[]>;
}

/** How to run it. */
export interface LibraryDownloadOptions {
  readonly peers?: readonly PeerEndpoint[];
  readonly useTrackers?: boolean;
  /** Reject if not complete by then (the error lists the events seen, for diagnosis). */
  readonly timeoutMs?: number;
}

/**
 * Downloads one torrent with the library API: a fresh Session on 127.0.0.1 (free port), one
 * torrent into `downloadDir`, waits for `completed`, stops the session, and reports what
 * happened. Rejects with the events seen so far if the download fails or times out.
 */
export async function downloadWithLibrary(metainfo: Metainfo, downloadDir: string, options: LibraryDownloadOptions = {}): Promise<LibraryDownload> {
  const session = await Session.start({ port: 0, host: '127.0.0.1' });
  if (E.isLeft(session)) throw new Error(session.left);
  const events: TorrentEvent[] = [];
  const blocksByPeer = new Map<string, number>();
  const blockSources = new Map<number, string[]>();
  try {
    const added = await session.right.add({
      metainfo,
      downloadDir,
      ...(options.peers !== undefined ? { peers: options.peers } : {}),
      ...(options.useTrackers !== undefined ? { useTrackers: options.useTrackers } : {}),
      onWire: (peerId, direction, message) => {
        if (direction !== 'in' || message.type !== 'piece') return;
        blocksByPeer.set(peerId, (blocksByPeer.get(peerId) ?? 0) + 1);
        const sources = blockSources.get(message.index) ?? [];
        sources.push(`${peerId}@${message.begin}`);
        blockSources.set(message.index, sources);
      },
    });
    if (E.isLeft(added)) throw new Error(added.left);
    const handle = added.right;
    handle.events$.subscribe((e) => events.push(e));
    let progress: TorrentProgress | undefined;
    handle.progress$.subscribe((p) => (progress = p));
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error('download timed out')), options.timeoutMs ?? 20_000);
    });
    try {
      await Promise.race([handle.completed, timeout]);
    } catch (e) {
      const seen = events.map((ev) => JSON.stringify(ev)).slice(-30).join('\n');
      throw new Error(`${(e as Error).message}; last events:\n${seen}`);
    } finally {
      clearTimeout(timer);
    }
    if (progress === undefined) throw new Error('no progress snapshot');
    return { events, progress, blocksByPeer, blockSources };
  } finally {
    await session.right.close();
  }
}
