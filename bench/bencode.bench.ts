/**
 * Bencode and metainfo throughput on large torrents generated in memory:
 * a 100,000-file torrent (many small dictionaries) and a single-file torrent with a 60 MB
 * `pieces` string (one huge byte string). Prints MB/s (decimal) for encode, bencode decode,
 * and full parseMetainfo (decode + io-ts validation + path sanitizing + info hash).
 * Run with `npm run bench:bencode`.
 */
import { randomBytes } from 'node:crypto';
import * as E from 'fp-ts/lib/Either.js';
import { decode, encode, type BEncodable } from '../src/bencode/index.js';
import { parseMetainfo } from '../src/metainfo/index.js';

const ROUNDS = 5;

/** Best wall time of `ROUNDS` runs, in seconds (best-of filters GC and scheduling noise). */
function best(fn: () => unknown): number {
  let min = Infinity;
  for (let i = 0; i < ROUNDS; i++) {
    const t0 = performance.now();
    fn();
    min = Math.min(min, performance.now() - t0);
  }
  return min / 1000;
}

const mbps = (bytes: number, seconds: number): string => `${(bytes / seconds / 1e6).toFixed(1).padStart(8)} MB/s`;

function manyFiles(count: number): BEncodable {
  const pieceLength = 1024 * 1024;
  const files = Array.from({ length: count }, (_, i) => ({ length: 100_000 + (i % 1000), path: [`dir-${i % 100}`, `sub-${i % 7}`, `file-${i}.bin`] }));
  const total = files.reduce((s, f) => s + f.length, 0);
  return {
    announce: 'http://127.0.0.1:6969/announce',
    'created by': 'statorrent bench',
    info: { files, name: 'many-files', 'piece length': pieceLength, pieces: randomBytes(Math.ceil(total / pieceLength) * 20) },
  };
}

function hugePieces(pieceCount: number): BEncodable {
  const pieceLength = 16 * 1024;
  return {
    announce: 'http://127.0.0.1:6969/announce',
    info: { length: pieceCount * pieceLength, name: 'huge.bin', 'piece length': pieceLength, pieces: randomBytes(pieceCount * 20) },
  };
}

function run(label: string, value: BEncodable): void {
  const bytes = encode(value);
  const size = bytes.length;
  const tEncode = best(() => encode(value));
  const tDecode = best(() => decode(bytes));
  let ok = true;
  const tParse = best(() => {
    // beyond the default 10 MB .torrent limit on purpose: this measures throughput
    ok = E.isRight(parseMetainfo(bytes, { maxBytes: size }));
  });
  if (!ok) throw new Error(`${label}: generated torrent did not parse`);
  console.log(`${label} (${(size / 1e6).toFixed(1)} MB)`);
  console.log(`  encode         ${mbps(size, tEncode)}  (${(tEncode * 1000).toFixed(2)} ms)`);
  console.log(`  decode         ${mbps(size, tDecode)}  (${(tDecode * 1000).toFixed(2)} ms)`);
  console.log(`  parseMetainfo  ${mbps(size, tParse)}  (${(tParse * 1000).toFixed(2)} ms)`);
}

console.log(`bencode benchmark, best of ${ROUNDS} rounds, node ${process.version}`);
run('100,000 files', manyFiles(100_000));
run('3,000,000 pieces (60 MB pieces string)', hugePieces(3_000_000));
