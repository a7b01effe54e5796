import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The sample tree the demo shares: nested folders, uneven sizes, one empty file. */
export const DEMO_FILES: readonly { readonly path: string; readonly size: number }[] = [
  { path: 'README.txt', size: 1_234 },
  { path: 'media/clip.bin', size: 2_500_000 },
  { path: 'media/stills/frame-001.bin', size: 700_001 },
  { path: 'media/stills/frame-002.bin', size: 333_333 },
  { path: 'docs/guide/chapters/one.txt', size: 45_678 },
  { path: 'docs/guide/chapters/two.txt', size: 98_765 },
  { path: 'docs/empty.txt', size: 0 },
];

/**
 * Deterministic pseudo-random bytes (xorshift32 seeded from the path), so every demo run shares
 * the same content and so the same info hash for the same creation settings.
 */
function sampleBytes(path: string, size: number): Buffer {
  let x = 2166136261;
  for (let i = 0; i < path.length; i++) x = Math.imul(x ^ path.charCodeAt(i), 16777619) >>> 0;
  x ||= 1;
  const out = Buffer.alloc(Math.ceil(size / 4) * 4);
  for (let i = 0; i < out.length; i += 4) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    out.writeUInt32LE(x, i);
  }
  return out.subarray(0, size);
}

/** Writes the sample tree under `root` (created if missing); returns its total size. */
export async function writeDemoContent(root: string): Promise<number> {
  let total = 0;
  for (const f of DEMO_FILES) {
    const abs = join(root, ...f.path.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, f.size === 0 ? Buffer.alloc(0) : sampleBytes(f.path, f.size));
    total += f.size;
  }
  return total;
}
