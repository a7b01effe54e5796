import * as E from 'fp-ts/lib/Either.js';
import { from } from 'rxjs';
import { decode, TORRENT_BUDGET, TORRENT_MAX_BYTES, TRACKER_REPLY_BUDGET, TRACKER_REPLY_MAX_BYTES } from '../src/bencode/index.js';
import { parseMetainfo } from '../src/metainfo/index.js';
import { decodeAnnounceBody, decodeUdpReply } from '../src/tracker/client/index.js';
import { wireFrames } from '../streams/frames.js';

/**
 * Worst-case inputs at each decoder's limit, for bench/decode.bench.ts. Each case builds its
 * input, then `run` decodes it once and names the outcome (a value or a typed error).
 */
export interface DecodeCase {
  readonly name: string;
  readonly build: () => Uint8Array;
  readonly run: (input: Uint8Array) => string;
}

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);

/**
 * `prefix`, then `unit(i)` for i = 0, 1, … while the total stays within `size` (or until `unit`
 * gives `undefined`), then `suffix`.
 */
function filled(size: number, prefix: string, unit: (i: number) => string | undefined, suffix: string): Uint8Array {
  const out = new Uint8Array(size);
  let at = 0;
  const put = (s: string): void => {
    for (let k = 0; k < s.length; k++) out[at++] = s.charCodeAt(k);
  };
  put(prefix);
  const room = size - suffix.length;
  for (let i = 0; ; i++) {
    const u = unit(i);
    if (u === undefined || at + u.length > room) break;
    put(u);
  }
  put(suffix);
  return out.slice(0, at);
}

const same = (s: string) => (): string => s;
const outcome = (r: E.Either<{ readonly message: string }, unknown>): string => (E.isRight(r) ? 'decoded' : r.left.message);

const INFO_TAIL = `4:name1:x12:piece lengthi16384e6:pieces20:${'p'.repeat(20)}e`;
const T = TORRENT_MAX_BYTES;
const R = TRACKER_REPLY_MAX_BYTES;

const bencodeCase = (name: string, build: () => Uint8Array): DecodeCase => ({
  name: `bencode: ${name}`,
  build,
  run: (b) => outcome(decode(b, TORRENT_BUDGET)),
});
const torrentCase = (name: string, build: () => Uint8Array): DecodeCase => ({
  name: `metainfo: ${name}`,
  build,
  run: (b) => outcome(parseMetainfo(b)),
});
const trackerCase = (name: string, build: () => Uint8Array): DecodeCase => ({
  name: `tracker reply: ${name}`,
  build,
  // the bencode budget the HTTP tracker client is meant to pass (its own size cap comes first)
  run: (b) => {
    const budgeted = decode(b, TRACKER_REPLY_BUDGET);
    if (E.isLeft(budgeted)) return budgeted.left.message;
    return outcome(decodeAnnounceBody('http://127.0.0.1/announce', b));
  },
});

const wireStream = (size: number, unit: Uint8Array, pieceCount: number, bitfieldBytes = 0): DecodeCase['build'] => () => {
  const hs = new Uint8Array(68);
  hs[0] = 19;
  hs.set(ascii('BitTorrent protocol'), 1);
  const out = new Uint8Array(size);
  out.set(hs);
  let at = 68;
  if (bitfieldBytes > 0) {
    new DataView(out.buffer).setUint32(at, bitfieldBytes + 1);
    out[at + 4] = 5;
    at += 5 + bitfieldBytes;
  }
  while (unit.length > 0 && at + unit.length <= size) {
    out.set(unit, at);
    at += unit.length;
  }
  void pieceCount;
  return out.subarray(0, at);
};

const wireRun = (pieceCount: number) => (b: Uint8Array): string => {
  let messages = 0;
  let error = '';
  const chunks: Uint8Array[] = [];
  for (let i = 0; i < b.length; i += 64 * 1024) chunks.push(b.subarray(i, i + 64 * 1024));
  from(chunks)
    .pipe(wireFrames({ pieceCount }))
    .subscribe((ev) => {
      if (ev.kind === 'message') messages++;
      if (ev.kind === 'protocolError') error = ev.error.tag;
    });
  return error === '' ? `${messages} messages` : `${messages} messages, then ${error}`;
};

/** Every case, in table order. */
export const decodeCases: readonly DecodeCase[] = [
  { name: 'baseline (modules loaded, nothing decoded)', build: () => new Uint8Array(0), run: () => '-' },
  bencodeCase('10 MB of empty dictionaries', () => filled(T, 'l', same('de'), 'e')),
  bencodeCase('10 MB of empty lists', () => filled(T, 'l', same('le'), 'e')),
  bencodeCase('10 MB of 1-byte strings', () => filled(T, 'l', same('1:a'), 'e')),
  bencodeCase('10 MB of empty strings', () => filled(T, 'l', same('0:'), 'e')),
  bencodeCase('10 MB of integers', () => filled(T, 'l', same('i0e'), 'e')),
  bencodeCase('10 MB of depth-99 nests', () => filled(T, 'l', same(`${'l'.repeat(98)}${'e'.repeat(98)}`), 'e')),
  bencodeCase('10 MB dictionary of distinct keys', () => filled(T, 'd', (i) => `7:${String(i).padStart(7, '0')}0:`, 'e')),
  bencodeCase('10 MB of 256-digit integers', () => filled(T, 'l', same(`i${'9'.repeat(256)}e`), 'e')),
  torrentCase('3M empty dictionaries at top level (issue 10)', () => filled(6_000_002, 'l', same('de'), 'e')),
  torrentCase('10 MB files list of empty dictionaries', () => filled(T, 'd4:infod5:filesl', same('de'), `e${INFO_TAIL}e`)),
  torrentCase('10 MB of valid 1-byte files', () => {
    const n = Math.floor((T - 200) / 31);
    const pieces = Math.ceil(n / 16384);
    return filled(T, 'd4:infod5:filesl', (i) => (i < n ? `d6:lengthi1e4:pathl7:${String(i).padStart(7, '0')}ee` : undefined), `e4:name1:x12:piece lengthi16384e6:pieces${pieces * 20}:${'p'.repeat(pieces * 20)}ee`);
  }),
  torrentCase('valid 1-byte files, as many as the item budget takes', () => {
    // 13 items a file (dictionary 5, 2 keys, integer, list 2, name 3): 1.5M / 13
    const n = 115_000;
    const pieces = Math.ceil(n / 16384);
    return filled(T, 'd4:infod5:filesl', (i) => (i < n ? `d6:lengthi1e4:pathl7:${String(i).padStart(7, '0')}ee` : undefined), `e4:name1:x12:piece lengthi16384e6:pieces${pieces * 20}:${'p'.repeat(pieces * 20)}ee`);
  }),
  torrentCase('10 MB announce-list of 1-URL tiers', () => filled(T, 'd13:announce-listl', same('l1:uee'.slice(0, 5)), `e4:infod6:lengthi1e${INFO_TAIL}e`)),
  torrentCase('10 MB of file path components', () =>
    filled(T, 'd4:infod5:filesld6:lengthi1e4:pathl', same('1:a'), `eee4:name1:x12:piece lengthi16384e6:pieces20:${'p'.repeat(20)}ee`)),
  torrentCase('10 MB of unknown keys with empty dictionaries', () => filled(T, `d4:infod6:lengthi1e${INFO_TAIL}1:zl`, same('de'), 'ee')),
  trackerCase('1 MiB of empty dictionaries as peers', () => filled(R, 'd8:intervali1800e5:peersl', same('de'), 'ee')),
  trackerCase('1 MiB of dictionary peers', () => filled(R, 'd8:intervali1800e5:peersl', same('d2:ip9:127.0.0.14:porti6881ee'), 'ee')),
  trackerCase('1 MiB of compact peers', () => {
    const n = Math.floor((R - 64) / 6);
    return filled(R, `d8:intervali1800e5:peers${n * 6}:`, (i) => (i < n ? '\x7f\x00\x00\x01\x1a\xe1' : undefined), 'e');
  }),
  {
    name: 'tracker UDP: largest datagram of peers',
    build: () => {
      const b = new Uint8Array(20 + Math.floor((65507 - 20) / 6) * 6);
      const v = new DataView(b.buffer);
      v.setUint32(0, 1);
      v.setUint32(4, 42);
      for (let i = 20; i < b.length; i += 6) b.set([127, 0, 0, 1, 0x1a, 0xe1], i);
      return b;
    },
    run: (b) => {
      const r = decodeUdpReply(b, 42, 4);
      return r._tag === 'announce' ? `${r.peers.length} peers` : r._tag;
    },
  },
  // a stream has no total limit (only each frame has): these show the cost per MiB received
  { name: 'wire: 1 MiB of keep-alives', build: wireStream(1 << 20, new Uint8Array(4), 1000), run: wireRun(1000) },
  { name: 'wire: 1 MiB of have messages', build: wireStream(1 << 20, Uint8Array.from([0, 0, 0, 5, 4, 0, 0, 0, 1]), 1000), run: wireRun(1000) },
  { name: 'wire: 1 MiB bitfield frame (8M pieces)', build: wireStream((1 << 20) + 80, new Uint8Array(0), 1 << 23, 1 << 20), run: wireRun(1 << 23) },
];
