import { writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { startTracker, type TrackerServer } from '../../src/tracker/server/index.js';
import { awkwardLayout, writeSample } from './sampleContent.js';

/** A torrent made by statorrent itself, parsed and written to disk for other clients. */
export interface TestTorrent {
  readonly metainfo: Metainfo;
  /** `<parent of content>/<name>.torrent`. */
  readonly torrentPath: string;
}

/**
 * Makes a torrent of `contentRoot` with statorrent's own createTorrent, announcing to
 * `trackers` (one tier), and writes it beside the content.
 */
export async function makeTestTorrent(contentRoot: string, trackers: readonly string[], pieceLength: number): Promise<TestTorrent> {
  const made = await createTorrentTask({ path: contentRoot, trackers: [trackers], pieceLength, creationDate: null })();
  if (E.isLeft(made)) throw new Error(made.left.message);
  const torrentPath = join(dirname(contentRoot), `${made.right.metainfo.name}.torrent`);
  await writeFile(torrentPath, made.right.torrent);
  return { metainfo: made.right.metainfo, torrentPath };
}

/** Our tracker and a torrent announcing to it, for swarms found through the tracker. */
export interface TrackedTestTorrent extends TestTorrent {
  /** Running on 127.0.0.1, HTTP and UDP on free ports, interval 60 s; the caller closes it. */
  readonly tracker: TrackerServer;
}

/**
 * Starts our tracker, writes the sample content (awkwardLayout(scale)) to `dir/seed/content`
 * and makes a torrent of it (32 KiB pieces) announcing to the tracker's HTTP or UDP URL.
 */
export async function makeTrackedTestTorrent(dir: string, options: { scale?: number; announceOver: 'http' | 'udp' }): Promise<TrackedTestTorrent> {
  const tracker = await startTracker({ host: '127.0.0.1', httpPort: 0, udpPort: 0, interval: 60 });
  try {
    const url = options.announceOver === 'udp' ? tracker.udpAnnounceUrl : tracker.httpAnnounceUrl;
    if (url === undefined) throw new Error(`the tracker has no ${options.announceOver} announce URL`);
    const content = join(dir, 'seed', 'content');
    await writeSample(content, awkwardLayout(options.scale));
    return { ...(await makeTestTorrent(content, [url], 32 * 1024)), tracker };
  } catch (e) {
    await tracker.close();
    throw e;
  }
}
