import { mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';

/** The sample tree the demo shares: nested folders, uneven sizes, one empty file (~3.6 MB). */
export const DEMO_FILES: readonly { readonly path: string; readonly size: number }[] = [
  { path: 'README.txt', size: 1_234 },
  { path: 'media/clip.bin', size: 2_500_000 },
  { path: 'media/stills/frame-001.bin', size: 700_001 },
  { path: 'media/stills/frame-002.bin', size: 333_333 },
  { path: 'docs/guide/chapters/one.txt', size: 45_678 },
  { path: 'docs/guide/chapters/two.txt', size: 98_765 },
  { path: 'docs/empty.txt', size: 0 },
];

const BASE_TOTAL = DEMO_FILES.reduce((n, f) => n + f.size, 0);
/** Files this small keep their size when the tree is scaled. */
const FIXED_MAX = 1_234;
const FIXED_TOTAL = DEMO_FILES.reduce((n, f) => n + (f.size <= FIXED_MAX ? f.size : 0), 0);

/**
 * The sample tree scaled to about `totalBytes` (same paths and proportions, the small README
 * and the empty file kept as they are; sizes stay uneven so pieces straddle files).
 */
export function demoFiles(totalBytes = BASE_TOTAL): { readonly path: string; readonly size: number }[] {
  const scale = Math.max(0, totalBytes - FIXED_TOTAL) / (BASE_TOTAL - FIXED_TOTAL);
  return DEMO_FILES.map((f) => ({ path: f.path, size: f.size <= FIXED_MAX ? f.size : Math.max(1, Math.round(f.size * scale)) }));
}

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

/** Writes the sample tree (optionally scaled to about `totalBytes`) under `root`; returns its size. */
export async function writeDemoContent(root: string, totalBytes?: number): Promise<number> {
  let total = 0;
  for (const f of demoFiles(totalBytes)) {
    const abs = join(root, ...f.path.split('/'));
    await mkdir(dirname(abs), { recursive: true });
    await writeFile(abs, f.size === 0 ? Buffer.alloc(0) : sampleBytes(f.path, f.size));
    total += f.size;
  }
  return total;
}
