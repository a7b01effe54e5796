import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import type { Metainfo } from '../metainfo/types.js';

async function sha1OfFile(path: string): Promise<string | undefined> {
  try {
    await stat(path);
  } catch {
    return undefined;
  }
  const h = createHash('sha1');
  for await (const chunk of createReadStream(path)) h.update(chunk as Buffer);
  return h.digest('hex');
}

/**
 * Compares every (non-padding) file of a torrent under two download folders byte for byte (by
 * SHA-1 of the whole file); returns the paths that differ or are missing, empty when identical.
 */
export async function differingFiles(m: Metainfo, dirA: string, dirB: string): Promise<string[]> {
  const out: string[] = [];
  for (const f of m.files) {
    if (f.padding) continue;
    const rel = f.path;
    const [a, b] = await Promise.all([sha1OfFile(join(dirA, ...rel)), sha1OfFile(join(dirB, ...rel))]);
    if (a === undefined || a !== b) out.push(rel.join('/'));
  }
  return out;
}
