import * as E from 'fp-ts/lib/Either.js';
import { bencodeError, type BDict, type BencodeError, type BList, type BValue } from './types.js';

/** Bounds that keep hostile input from hanging the decoder or exhausting memory. */
export interface DecodeLimits {
  /** Deepest nesting of lists and dictionaries (default 100). */
  readonly maxDepth?: number;
  /** Most values in the whole input (default 4,000,000). */
  readonly maxItems?: number;
  /** Reject dictionaries whose keys are not in ascending byte order (default false: warn). */
  readonly strictKeyOrder?: boolean;
  /**
   * Also record the span of every byte string (default false: only dictionaries and lists).
   * Off by default because a torrent with 100k files has millions of strings and the spans
   * map then dominates decode time.
   */
  readonly stringSpans?: boolean;
}

/** Successful decode: the value, the byte span of every container and byte string, and warnings. */
export interface Decoded {
  readonly value: BValue;
  /**
   * `[start, end)` offsets in the input of every dictionary and list in `value` (and of every
   * byte string when {@link DecodeLimits.stringSpans} is set).
   * The info hash is the SHA-1 of `input.subarray(...spans.get(info))`: the original bytes,
   * never a re-encoding (BEP 3, "info_hash").
   */
  readonly spans: WeakMap<object, readonly [number, number]>;
  /** Non-fatal oddities, e.g. dictionary keys out of order. */
  readonly warnings: readonly BencodeError[];
}

const MAX_INT_DIGITS = 256; // bigint parsing is super-linear; no real field needs more
const MAX_LEN_DIGITS = 16; // > 2^53 already; the input can never be that long

const CH_i = 0x69, CH_l = 0x6c, CH_d = 0x64, CH_e = 0x65, CH_COLON = 0x3a, CH_MINUS = 0x2d;
const CH_0 = 0x30, CH_9 = 0x39;

class Fail {
  constructor(readonly error: BencodeError) {}
}

/** Compares two latin1 key strings by their bytes. */
const keyCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Decodes one bencoded value that must span the whole input.
 * Never throws for any input: every problem is a {@link BencodeError} with its byte offset.
 */
export function decodeWithSpans(input: Uint8Array, limits: DecodeLimits = {}): E.Either<BencodeError, Decoded> {
  const maxDepth = limits.maxDepth ?? 100;
  const maxItems = limits.maxItems ?? 4_000_000;
  const strictKeyOrder = limits.strictKeyOrder ?? false;
  const stringSpans = limits.stringSpans ?? false;
  const spans = new WeakMap<object, readonly [number, number]>();
  const warnings: BencodeError[] = [];
  const end = input.length;
  let pos = 0;
  let items = 0;

  const fail = (code: BencodeError['code'], offset: number, detail: string): never => {
    throw new Fail(bencodeError(code, offset, detail));
  };

  const readDigits = (maxDigits: number, what: string): [number, number] => {
    const start = pos;
    while (pos < end) {
      const c = input[pos]!;
      if (c < CH_0 || c > CH_9) break;
      pos++;
      if (pos - start > maxDigits) fail(what === 'length' ? 'invalid-length' : 'integer-too-long', start, `${what} has too many digits`);
    }
    return [start, pos];
  };

  const readInt = (): number | bigint => {
    const start = pos;
    pos++; // 'i'
    const negative = pos < end && input[pos] === CH_MINUS;
    if (negative) pos++;
    const [ds, de] = readDigits(MAX_INT_DIGITS, 'integer');
    if (pos >= end) fail('unexpected-end', pos, 'input ends inside an integer');
    if (input[pos] !== CH_e) fail('invalid-integer', pos, `unexpected byte 0x${input[pos]!.toString(16)} in integer`);
    if (de === ds) fail('invalid-integer', start, 'integer has no digits');
    if (input[ds] === CH_0 && de - ds > 1) fail('invalid-integer', start, 'integer has a leading zero');
    if (negative && input[ds] === CH_0) fail('invalid-integer', start, 'negative zero is not allowed');
    pos++; // 'e'
    let text = '';
    for (let k = ds; k < de; k++) text += String.fromCharCode(input[k]!);
    if (de - ds <= 15) {
      const n = Number(text);
      return negative ? -n : n;
    }
    const big = BigInt(text) * (negative ? -1n : 1n);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  };

  const readString = (): Uint8Array => {
    const start = pos;
    const [ds, de] = readDigits(MAX_LEN_DIGITS, 'length');
    if (de === ds) fail('unexpected-byte', start, `unexpected byte 0x${(input[start] ?? 0).toString(16)}`);
    if (pos >= end) fail('unexpected-end', pos, 'input ends inside a string length');
    if (input[pos] !== CH_COLON) fail('invalid-length', pos, 'string length not followed by ":"');
    if (input[ds] === CH_0 && de - ds > 1) fail('invalid-length', start, 'string length has a leading zero');
    let len = 0;
    for (let k = ds; k < de; k++) len = len * 10 + (input[k]! - CH_0);
    pos++; // ':'
    // Checked before anything is sliced: a length field can claim anything.
    if (len > end - pos) fail('length-beyond-input', start, `string claims ${len} bytes but only ${end - pos} remain`);
    const bytes = input.subarray(pos, pos + len);
    pos += len;
    if (stringSpans) spans.set(bytes, [start, pos]);
    return bytes;
  };

  const readValue = (depth: number): BValue => {
    if (++items > maxItems) fail('too-many-items', pos, `more than ${maxItems} values`);
    if (pos >= end) fail('unexpected-end', pos, 'input ends where a value was expected');
    const c = input[pos]!;
    if (c === CH_i) return readInt();
    if (c >= CH_0 && c <= CH_9) return readString();
    if (c === CH_l || c === CH_d) {
      if (depth >= maxDepth) fail('too-deep', pos, `nesting deeper than ${maxDepth}`);
      return c === CH_l ? readList(depth + 1) : readDict(depth + 1);
    }
    if (c === CH_MINUS) fail('invalid-length', pos, 'negative string length');
    return fail('unexpected-byte', pos, `unexpected byte 0x${c.toString(16)}`);
  };

  const readList = (depth: number): BList => {
    const start = pos;
    pos++; // 'l'
    const list: BList = [];
    for (;;) {
      if (pos >= end) fail('unexpected-end', pos, 'input ends inside a list');
      if (input[pos] === CH_e) break;
      list.push(readValue(depth));
    }
    pos++;
    spans.set(list, [start, pos]);
    return list;
  };

  const readDict = (depth: number): BDict => {
    const start = pos;
    pos++; // 'd'
    const dict: BDict = new Map();
    let prev: string | undefined;
    for (;;) {
      if (pos >= end) fail('unexpected-end', pos, 'input ends inside a dictionary');
      if (input[pos] === CH_e) break;
      const keyAt = pos;
      const k = input[pos]!;
      if (k < CH_0 || k > CH_9) fail('non-string-key', keyAt, 'dictionary key is not a byte string');
      if (++items > maxItems) fail('too-many-items', pos, `more than ${maxItems} values`);
      const keyBytes = readString();
      const key = latin1(keyBytes);
      if (prev !== undefined) {
        const cmp = keyCompare(prev, key);
        if (cmp === 0) fail('duplicate-key', keyAt, `duplicate dictionary key "${printable(key)}"`);
        if (cmp > 0) {
          const w = bencodeError('unsorted-keys', keyAt, `dictionary key "${printable(key)}" is out of order`);
          if (strictKeyOrder) throw new Fail(w);
          warnings.push(w);
        }
      }
      if (dict.has(key)) fail('duplicate-key', keyAt, `duplicate dictionary key "${printable(key)}"`);
      prev = key;
      if (pos >= end) fail('unexpected-end', pos, `input ends after dictionary key "${printable(key)}"`);
      dict.set(key, readValue(depth));
    }
    pos++;
    spans.set(dict, [start, pos]);
    return dict;
  };

  try {
    const value = readValue(0);
    if (pos !== end) fail('trailing-bytes', pos, `${end - pos} unexpected bytes after the value`);
    return E.right({ value, spans, warnings });
  } catch (e) {
    if (e instanceof Fail) return E.left(e.error);
    throw e;
  }
}

/** Decodes one bencoded value spanning the whole input; see {@link decodeWithSpans}. */
export function decode(input: Uint8Array, limits?: DecodeLimits): E.Either<BencodeError, BValue> {
  return E.map((d: Decoded) => d.value)(decodeWithSpans(input, limits));
}

/** Reads bytes as a latin1 string (one char per byte), the form dictionary keys take. */
export function latin1(bytes: Uint8Array): string {
  let s = '';
  if (bytes.length <= 64) {
    // dictionary keys are short: a plain loop beats building an array per key
    for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]!);
    return s;
  }
  for (let i = 0; i < bytes.length; i += 8192) {
    s += String.fromCharCode.apply(null, Array.from(bytes.subarray(i, i + 8192)));
  }
  return s;
}

const printable = (key: string): string => (key.length > 40 ? `${key.slice(0, 40)}…` : key).replace(/[^\x20-\x7e]/g, '?');
