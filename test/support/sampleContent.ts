import { createHash } from 'node:crypto';
import { mkdir, readFile, writeFile, readdir, stat } from 'node:fs/promises';
import { dirname, join, relative } from 'node:path';

/** One file of generated content: a path under the content root and its length. */
export interface SampleFile {
  readonly path: string;
  readonly length: number;
}

/**
 * A multi-file layout exercising the awkward cases: nested folders, a zero-length file, sizes
 * that are not piece-aligned (pieces span files, the last piece is short).
 */
export const awkwardLayout = (scale = 1): SampleFile[] => [
  { path: 'a.bin', length: 300_001 * scale },
  { path: 'empty.txt', length: 0 },
  { path: 'sub/b.bin', length: 65_536 * scale + 7 },
  { path: 'sub/deeper/c.bin', length: 1_000_003 * scale },
  { path: 'sub/deeper/tiny.txt', length: 5 },
  { path: 'z/last.bin', length: 123_457 * scale },
];

/** Deterministic pseudo-random bytes for a file (seeded by its path), fast to make. */
function fileBytes(path: string, length: number): Buffer {
  const out = Buffer.allocUnsafe(length);
  let seed = createHash('sha1').update(path).digest();
  for (let off = 0; off < length; off += seed.length) {
    seed = createHash('sha1').update(seed).digest();
    seed.copy(out, off, 0, Math.min(seed.length, length - off));
  }
  return out;
}

/** Writes `files` under `root` (created as needed). */
export async function writeSample(root: string, files: readonly SampleFile[]): Promise<void> {
  for (const f of files) {
    const p = join(root, f.path);
    await mkdir(dirname(p), { recursive: true });
    await writeFile(p, fileBytes(f.path, f.length));
  }
}

/** Every regular file under `root` with its SHA-1, keyed by relative path: compare two trees with toEqual. */
export async function treeDigest(root: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  const walk = async (dir: string): Promise<void> => {
    for (const name of (await readdir(dir)).sort()) {
      const p = join(dir, name);
      const s = await stat(p);
      if (s.isDirectory()) await walk(p);
      else out[relative(root, p)] = createHash('sha1').update(await readFile(p)).digest('hex');
    }
  };
  await walk(root);
  return out;
}
