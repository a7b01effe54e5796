import fc from 'fast-check';
import { encode, type BEncodable } from '../src/bencode/index.js';

/**
 * Inputs for the decoder fuzzers: mostly well-formed structures with a few bytes changed, so
 * the decoders get past their first check; plus raw bytes for the early exits.
 */

/** Any bencodable value, a few levels deep. */
export const bvalue: fc.Arbitrary<BEncodable> = fc.letrec<{ v: BEncodable }>((tie) => ({
  v: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.integer().map((n): BEncodable => n),
    fc.bigInt({ min: -(2n ** 80n), max: 2n ** 80n }).map((n): BEncodable => n),
    fc.uint8Array({ maxLength: 24 }),
    fc.array(tie('v'), { maxLength: 5 }),
    fc.dictionary(fc.string({ maxLength: 6 }), tie('v'), { maxKeys: 5 }),
  ),
})).v;

/** Edits applied to a valid encoding: overwrite, cut, insert or delete bytes. */
type Edit = readonly ['set' | 'insert' | 'delete', number, number] | readonly ['cut', number, number];

const edit: fc.Arbitrary<Edit> = fc.tuple(
  fc.constantFrom('set', 'insert', 'delete', 'cut') as fc.Arbitrary<'set'>,
  fc.nat(),
  fc.oneof(fc.integer({ min: 0, max: 255 }), fc.constantFrom(0x64, 0x65, 0x69, 0x6c, 0x3a, 0x30, 0x39, 0x2d)),
);

/** `base` with up to `max` random edits (none in a third of the cases, to reach deep checks). */
export const mutated = (base: fc.Arbitrary<Uint8Array>, max = 4): fc.Arbitrary<Uint8Array> =>
  fc.tuple(base, fc.oneof({ weight: 1, arbitrary: fc.constant([]) }, { weight: 2, arbitrary: fc.array(edit, { minLength: 1, maxLength: max }) })).map(([bytes, edits]) => {
    let out = Array.from(bytes);
    for (const [op, at, value] of edits) {
      const i = out.length === 0 ? 0 : at % (out.length + 1);
      if (op === 'set' && i < out.length) out[i] = value;
      else if (op === 'insert') out.splice(i, 0, value);
      else if (op === 'delete') out.splice(i, 1);
      else if (op === 'cut') out = out.slice(0, i);
    }
    return Uint8Array.from(out);
  });

/** Raw bytes, biased to the bencode alphabet. */
export const bencodeNoise: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 64 }),
  fc
    .array(fc.constantFrom(...'deil0123456789:-x'.split('').map((c) => c.charCodeAt(0))), { maxLength: 64 })
    .map((a) => Uint8Array.from(a)),
);

/** Encoded bencode values, mutated. */
export const bencodeInput: fc.Arbitrary<Uint8Array> = fc.oneof(
  { weight: 3, arbitrary: mutated(bvalue.map((v) => encode(v))) },
  { weight: 1, arbitrary: bencodeNoise },
);

const path = fc.array(fc.oneof(fc.string({ maxLength: 12 }), fc.constantFrom('..', '.', '', 'a/b', 'C:', '\u202e', 'con')), {
  maxLength: 4,
});

/** A .torrent, well formed or nearly: single- or multi-file, with optional fields, then mutated. */
export const torrentInput: fc.Arbitrary<Uint8Array> = mutated(
  fc
    .record({
      files: fc.option(fc.array(fc.record({ length: fc.nat(100_000), path }), { minLength: 1, maxLength: 5 })),
      length: fc.nat(100_000),
      name: fc.string({ maxLength: 12 }),
      pieceLength: fc.constantFrom(16384, 32768, 1, 0),
      extra: fc.dictionary(fc.constantFrom('announce', 'announce-list', 'url-list', 'comment', 'creation date', 'private'), bvalue, {
        maxKeys: 3,
      }),
    })
    .map(({ files, length, name, pieceLength, extra }) => {
      const total = files === null ? length : files.reduce((s, f) => s + f.length, 0);
      const pieces = new Uint8Array(Math.min(200, Math.ceil(total / Math.max(pieceLength, 16384))) * 20);
      const info: Record<string, BEncodable> = { name, 'piece length': pieceLength, pieces };
      if (files === null) info['length'] = length;
      else info['files'] = files;
      return encode({ ...extra, info });
    }),
);

const peerDict = fc.record({ ip: fc.oneof(fc.ipV4(), fc.ipV6(), fc.string({ maxLength: 8 })), port: fc.integer({ min: -1, max: 70000 }) });

/** An HTTP tracker announce reply (BEP 3/23/7), well formed or nearly, then mutated. */
export const trackerReplyInput: fc.Arbitrary<Uint8Array> = mutated(
  fc
    .oneof(
      fc.record({ 'failure reason': fc.string({ maxLength: 20 }) }),
      fc.record(
        {
          interval: fc.integer({ min: -5, max: 100_000 }),
          // (interval is optional here only so a missing interval gets fuzzed too)
          'min interval': fc.nat(),
          peers: fc.oneof(
            fc.integer({ min: 0, max: 10 }).chain((n) => fc.uint8Array({ minLength: n * 6, maxLength: n * 6 })),
            fc.uint8Array({ maxLength: 60 }),
            fc.array(peerDict, { maxLength: 4 }),
          ),
          peers6: fc.integer({ min: 0, max: 3 }).chain((n) => fc.uint8Array({ minLength: n * 18, maxLength: n * 18 })),
          complete: fc.nat(),
          'tracker id': fc.string({ maxLength: 8 }),
        },
        { requiredKeys: [] },
      ),
    )
    .map((reply) => encode(reply as BEncodable)),
);

/** A UDP tracker datagram (BEP 15) for transaction id 0x01020304: header plus noise. */
export const udpPacketInput: fc.Arbitrary<Uint8Array> = fc
  .tuple(fc.integer({ min: 0, max: 4 }), fc.boolean(), fc.uint8Array({ maxLength: 120 }))
  .map(([action, ours, tail]) => {
    const out = new Uint8Array(8 + tail.length);
    const v = new DataView(out.buffer);
    v.setUint32(0, action);
    v.setUint32(4, ours ? 0x01020304 : 0x0a0b0c0d);
    out.set(tail, 8);
    return out;
  });

/** Frames of the peer wire protocol: a handshake, then length-prefixed messages, mutated. */
export const wireStreamInput: fc.Arbitrary<Uint8Array> = mutated(
  fc
    .tuple(
      fc.uint8Array({ minLength: 8, maxLength: 8 }),
      fc.array(fc.tuple(fc.integer({ min: 0, max: 22 }), fc.uint8Array({ maxLength: 20 })), { maxLength: 6 }),
    )
    .map(([reserved, messages]) => {
      const hs = new Uint8Array(68);
      hs[0] = 19;
      hs.set(new TextEncoder().encode('BitTorrent protocol'), 1);
      hs.set(reserved, 20);
      hs.fill(7, 28, 48); // info hash
      hs.fill(9, 48, 68); // peer id
      const parts: number[] = Array.from(hs);
      for (const [id, payload] of messages) {
        const len = 1 + payload.length;
        parts.push(len >>> 24, (len >>> 16) & 255, (len >>> 8) & 255, len & 255, id, ...payload);
      }
      return Uint8Array.from(parts);
    }),
  3,
);

/**
 * What an MSE peer may send: random bytes (no sync within the bounds), or a DH-sized key that
 * is degenerate (0, 1, all ones) followed by random padding, up to past the 628-byte bound.
 */
export const mseStreamInput: fc.Arbitrary<Uint8Array> = fc.oneof(
  fc.uint8Array({ maxLength: 1200 }),
  fc.tuple(fc.constantFrom(0x00, 0x01, 0xff), fc.uint8Array({ maxLength: 700 })).map(([v, rest]) => {
    const key = new Uint8Array(96).fill(v === 0x01 ? 0 : v);
    if (v === 0x01) key[95] = 1;
    const out = new Uint8Array(96 + rest.length);
    out.set(key);
    out.set(rest, 96);
    return out;
  }),
);
