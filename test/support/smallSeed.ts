import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
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
