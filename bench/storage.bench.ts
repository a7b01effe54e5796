/**
 * Benchmark (not a test): piece picker + block map throughput in blocks/s, and storage write /
 * verify / read throughput in MB/s, for a 256 MiB torrent in a temp folder.
 *
 * Run: `npm run build && node dist/bench/storage.bench.js`
 */
import { createHash } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import * as E from 'fp-ts/lib/Either.js';
import type { FileEntry, Metainfo } from '../src/metainfo/types.js';
import { BLOCK_SIZE, Bitfield, PiecePicker, type PeerView } from '../src/pieces/index.js';
import { HashWorkers, TorrentStorage } from '../src/storage/index.js';

const MiB = 1024 * 1024;
const TOTAL = 256 * MiB;

/** Simulates `peers` peers with random 90% bitfields, each keeping `depth` requests in flight, answered at once. */
const benchPicker = (pieceLength: number, peers: number, depth: number): void => {
  const picker = new PiecePicker(pieceLength, TOTAL);
  const n = picker.geometry.pieceCount;
  let seed = 12345;
  const rnd = (): number => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
  const views: PeerView[] = [];
  for (let p = 0; p < peers; p++) {
    const f = new Bitfield(n);
    for (let i = 0; i < n; i++) if (p === 0 || rnd() < 0.9) f.set(i);
    picker.availability.addPeer(f);
    views.push({ id: `peer${p}`, bitfield: f });
  }
  const queues = views.map(() => [] as { index: number; begin: number }[]);
  let blocks = 0;
  let cancels = 0;
  const t0 = performance.now();
  while (!picker.complete) {
    for (let p = 0; p < peers; p++) {
      const view = views[p]!;
      const q = queues[p]!;
      const room = depth - picker.outstanding(view.id);
      if (room > 0) for (const r of picker.pick(view, room)) q.push(r);
      // Deliver half the pipe per round, as if the peer were streaming.
      for (let k = Math.ceil(q.length / 2); k > 0; k--) {
        const r = q.shift()!;
        const receipt = picker.onBlockReceived(view.id, r.index, r.begin);
        if (receipt.duplicate) continue;
        blocks++;
        cancels += receipt.cancels.length;
        for (const c of receipt.cancels) {
          const other = queues[Number(c.peerId.slice(4))]!;
          const at = other.findIndex((x) => x.index === c.request.index && x.begin === c.request.begin);
          if (at !== -1) other.splice(at, 1);
        }
        if (receipt.pieceComplete) picker.onPieceVerified(r.index);
      }
    }
  }
  const s = (performance.now() - t0) / 1000;
  console.log(
    `picker+blockmap  piece ${pieceLength / 1024} KiB, ${n} pieces, ${peers} peers, depth ${depth}: ` +
      `${blocks} blocks in ${s.toFixed(2)} s = ${Math.round(blocks / s).toLocaleString('en')} blocks/s ` +
      `(${((blocks * BLOCK_SIZE) / MiB / s).toFixed(0)} MiB/s of bookkeeping), ${cancels} endgame cancels`,
  );
};

const benchStorage = async (pieceLength: number): Promise<void> => {
  const dir = await mkdtemp(join(tmpdir(), 'statorrent-bench-'));
  try {
    // 4 files of 64 MiB minus a little, so pieces straddle boundaries.
    const lengths = [64 * MiB - 1000, 64 * MiB + 1000, 64 * MiB - 7, 64 * MiB + 7];
    let offset = 0;
    const files: FileEntry[] = lengths.map((length, i) => {
      const f = { path: ['bench', `f${i}`], length, offset, padding: false };
      offset += length;
      return f;
    });
    const block = new Uint8Array(BLOCK_SIZE).map((_, i) => (i * 31) & 0xff);
    const pieceCount = Math.ceil(TOTAL / pieceLength);
    const pieces = new Uint8Array(pieceCount * 20);
    for (let i = 0; i < pieceCount; i++) {
      const h = createHash('sha1');
      const size = Math.min(pieceLength, TOTAL - i * pieceLength);
      for (let b = 0; b < size; b += BLOCK_SIZE) h.update(block.subarray(0, Math.min(BLOCK_SIZE, size - b)));
      pieces.set(h.digest(), i * 20);
    }
    const m: Metainfo = {
      infoHash: new Uint8Array(20), infoHashHex: '0'.repeat(40), infoBytes: new Uint8Array(0), name: 'bench',
      pieceLength, pieceCount, pieces, totalLength: TOTAL, multiFile: true, files, announceList: [], urlList: [], private: false,
    };
    const opened = await TorrentStorage.open(dir, m);
    if (E.isLeft(opened)) throw new Error(opened.left.message);
    const s = opened.right;

    const inFlight = 64;
    const addrs: [number, number][] = [];
    for (let i = 0; i < pieceCount; i++) for (let b = 0; b < s.pieceSize(i); b += BLOCK_SIZE) addrs.push([i, b]);
    let next = 0;
    const t0 = performance.now();
    const worker = async (): Promise<void> => {
      while (next < addrs.length) {
        const [i, b] = addrs[next++]!;
        const r = await s.writeBlock(i, b, block.subarray(0, Math.min(BLOCK_SIZE, s.pieceSize(i) - b)));
        if (E.isLeft(r)) throw new Error(r.left.message);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, worker));
    const tw = (performance.now() - t0) / 1000;

    const t1 = performance.now();
    let ok = 0;
    for (let i = 0; i < pieceCount; i++) if (await s.verifyPiece(i)) ok++;
    const tv = (performance.now() - t1) / 1000;
    if (ok !== pieceCount) throw new Error(`only ${ok} of ${pieceCount} pieces verified`);

    // The same check in 2 worker threads, 4 pieces in flight (a fresh storage: nothing verified yet).
    const workers = new HashWorkers(2);
    const viaWorkers = await TorrentStorage.open(dir, m, { hashWorkers: workers });
    if (E.isLeft(viaWorkers)) throw new Error(viaWorkers.left.message);
    let nextPiece = 0;
    let okW = 0;
    const tw1 = performance.now();
    await Promise.all(
      Array.from({ length: 4 }, async () => {
        while (nextPiece < pieceCount) if (await viaWorkers.right.verifyPiece(nextPiece++)) okW++;
      }),
    );
    const tvw = (performance.now() - tw1) / 1000;
    await viaWorkers.right.close();
    await workers.close();
    if (okW !== pieceCount) throw new Error(`only ${okW} of ${pieceCount} pieces verified by workers`);

    next = 0;
    const t2 = performance.now();
    const reader = async (): Promise<void> => {
      while (next < addrs.length) {
        const [i, b] = addrs[next++]!;
        const r = await s.readBlock(i, b, Math.min(BLOCK_SIZE, s.pieceSize(i) - b));
        if (E.isLeft(r)) throw new Error(r.left.message);
      }
    };
    await Promise.all(Array.from({ length: inFlight }, reader));
    const tr = (performance.now() - t2) / 1000;
    const t3 = performance.now();
    await s.close();
    const tc = (performance.now() - t3) / 1000;
    const mb = TOTAL / MiB;
    console.log(
      `storage  piece ${pieceLength / 1024} KiB, 256 MiB in 4 files, ${inFlight} writes in flight: ` +
        `write ${(mb / tw).toFixed(0)} MiB/s, verify ${(mb / tv).toFixed(0)} MiB/s (workers ${(mb / tvw).toFixed(0)} MiB/s), read ${(mb / tr).toFixed(0)} MiB/s, close+fdatasync ${tc.toFixed(2)} s`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
};

// Three rounds each: the first includes JIT warm-up.
for (let round = 0; round < 3; round++) {
  benchPicker(256 * 1024, 30, 64);
  benchPicker(4 * MiB, 30, 250);
  benchPicker(16 * 1024, 10, 64);
}
await benchStorage(256 * 1024);
await benchStorage(4 * MiB);
