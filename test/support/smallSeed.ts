import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentHandle } from '../../src/session/torrentHandle.js';
import { writeSample } from './sampleContent.js';

/**
 * A fresh temporary folder holding `content/a.bin` (50,000 bytes) and its torrent (16 KiB
 * pieces): a seed that completes at once with `skipCheck`, for session tests about peers
 * rather than transfers. The caller removes `dir`.
 */
export async function smallSeed(prefix: string): Promise<{ dir: string; metainfo: Metainfo }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  await writeSample(join(dir, 'content'), [{ path: 'a.bin', length: 50_000 }]);
  const t = await createTorrentTask({ path: join(dir, 'content'), pieceLength: 16_384, creationDate: null })();
  if (E.isLeft(t)) throw new Error(t.left.message);
  return { dir, metainfo: t.right.metainfo };
}

/**
 * Within a `describe`: a {@link smallSeed} made before its tests (handed to `take`) and removed
 * after them.
 */
export function smallSeedForSuite(prefix: string, take: (seed: { dir: string; metainfo: Metainfo }) => void): void {
  let dir: string | undefined;
  beforeAll(async () => {
    const seed = await smallSeed(prefix);
    dir = seed.dir;
    take(seed);
  });
  afterAll(async () => {
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });
}

/**
 * A session listening on 127.0.0.1 that seeds `metainfo` from `dir` (no trackers, no check;
 * complete once checked in). The caller closes the session.
 */
export async function seedingSession(metainfo: Metainfo, dir: string): Promise<{ session: Session; torrent: TorrentHandle }> {
  const started = await Session.start({ host: '127.0.0.1', port: 0 });
  if (E.isLeft(started)) throw new Error(started.left);
  const added = await started.right.add({ metainfo, downloadDir: dir, skipCheck: true, useTrackers: false });
  if (E.isLeft(added)) {
    await started.right.close();
    throw new Error(added.left);
  }
  return { session: started.right, torrent: added.right };
}
