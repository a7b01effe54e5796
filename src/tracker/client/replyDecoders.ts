/**
 * io-ts decoders from decoded bencode ({@link BValue}) to the plain values tracker replies
 * carry. Dictionaries arrive as `Map`s keyed by latin1 strings; {@link bdictRecord} turns one
 * into a prototype-less record so `D.struct`/`D.partial` can check the fields.
 */
import * as D from 'io-ts/lib/Decoder.js';
import { isIP } from 'node:net';
import type { BValue } from '../../bencode/index.js';

/** Any bencode byte string. */
export const bytes: D.Decoder<unknown, Uint8Array> = D.fromRefinement(
  (u: unknown): u is Uint8Array => u instanceof Uint8Array,
  'byte string',
);

/** A byte string of exactly `n` bytes. */
export const bytesOfLength = (n: number): D.Decoder<unknown, Uint8Array> =>
  D.refine((b: Uint8Array): b is Uint8Array => b.length === n, `${n}-byte string`)(bytes);

const utf8 = new TextDecoder('utf-8', { fatal: false });

/** A byte string read as UTF-8 text (invalid sequences become U+FFFD), at most `max` bytes. */
export const text = (max: number): D.Decoder<unknown, string> =>
  D.parse((b: Uint8Array) =>
    b.length <= max ? D.success(utf8.decode(b)) : D.failure(b, `text of at most ${max} bytes`),
  )(bytes);

/** A bencode integer that fits in a safe JS integer and is >= 0. */
export const nonNegativeInt: D.Decoder<unknown, number> = D.fromRefinement(
  (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u) && u >= 0,
  'non-negative integer',
);

/** A TCP/UDP port 1..65535. */
export const port: D.Decoder<unknown, number> = D.refine(
  (n: number): n is number => n >= 1 && n <= 65535,
  'port 1..65535',
)(nonNegativeInt);

/** An IPv4 or IPv6 address literal (host names are refused: we never resolve tracker-given names). */
export const ipLiteral: D.Decoder<unknown, string> = D.refine(
  (s: string): s is string => isIP(s) !== 0,
  'IPv4 or IPv6 address',
)(text(64));

/** A bencode dictionary as a prototype-less record of its entries. */
export const bdictRecord: D.Decoder<unknown, Record<string, BValue>> = {
  decode: (u) => {
    if (!(u instanceof Map)) return D.failure(u, 'dictionary');
    const rec: Record<string, BValue> = Object.create(null) as Record<string, BValue>;
    for (const [k, v] of u as Map<string, BValue>) rec[k] = v;
    return D.success(rec);
  },
};

/** A bencode list. */
export const blist: D.Decoder<unknown, BValue[]> = D.fromRefinement(
  (u: unknown): u is BValue[] => Array.isArray(u),
  'list',
);

/** Flattens an io-ts error tree to one line a user can read. */
export const drawOneLine = (e: D.DecodeError): string =>
  D.draw(e)
    .split('\n')
    .map((l) => l.replace(/^[\s│├└─]+/u, '').trim())
    .filter((l) => l.length > 0)
    .join('; ');
