import * as E from 'fp-ts/lib/Either.js';
import { DEFAULT_MAX_DEPTH, DICT_ITEM_WEIGHT, itemsFor, LIST_ITEM_WEIGHT, STRING_ITEM_WEIGHT, type DecodeBudget } from './budget.js';
import { bencodeError, type BDict, type BencodeError, type BList, type BValue } from './types.js';

/** Bounds that keep hostile input from hanging the decoder or exhausting memory. */
export interface DecodeLimits extends DecodeBudget {
  /** Reject dictionaries whose keys are not in ascending byte order (default false: warn). */
  readonly strictKeyOrder?: boolean;
  /**
   * Record the span of every list and dictionary nested at most this deep: 1 (the default) is
   * the top-level value alone, `Infinity` every container. Kept small by default because a span
   * costs more than the container itself, and a hostile input can hold millions of them.
   */
  readonly spanDepth?: number;
  /**
   * Also record the span of the values under these keys of a top-level dictionary (default
   * `['info']`: the info hash is the SHA-1 of the `info` value's own bytes, BEP 3).
   */
  readonly spanKeys?: readonly string[];
  /**
   * Also record the span of the byte strings chosen by {@link spanDepth} and {@link spanKeys}
   * (default false).
   * Off by default because a torrent with 100k files has millions of strings and the spans
   * map then dominates decode time.
   */
  readonly stringSpans?: boolean;
}

/** Successful decode: the value, the byte span of its outer containers, and warnings. */
export interface Decoded {
  readonly value: BValue;
  /**
   * `[start, end)` offsets in the input of the dictionaries and lists chosen by
   * {@link DecodeLimits.spanDepth} and {@link DecodeLimits.spanKeys} (and of such byte strings
   * when {@link DecodeLimits.stringSpans} is set).
   * The info hash is the SHA-1 of `input.subarray(...spans.get(info))`: the original bytes,
   * never a re-encoding (BEP 3, "info_hash").
   */
  readonly spans: WeakMap<object, readonly [number, number]>;
  /** Non-fatal oddities, e.g. dictionary keys out of order. */
  readonly warnings: readonly BencodeError[];
}

const MAX_INT_DIGITS = 256; // bigint parsing is super-linear; no real field needs more
const MAX_LEN_DIGITS = 16; // > 2^53 already; the input can never be that long
const MAX_WARNINGS = 16; // one per unsorted key would be another unbounded list

const CH_i = 0x69, CH_l = 0x6c, CH_d = 0x64, CH_e = 0x65, CH_COLON = 0x3a, CH_MINUS = 0x2d;
const CH_0 = 0x30, CH_9 = 0x39;

/** Every empty byte string decodes to this one view (it has no bytes to change). */
const EMPTY = new Uint8Array(0);

class Fail {
  constructor(readonly error: BencodeError) {}
}

/** Compares two latin1 key strings by their bytes. */
const keyCompare = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** An open list or dictionary. */
interface Frame {
  readonly start: number;
  /** The dictionary being filled, or `undefined` for a list. */
  readonly dict: BDict | undefined;
  /** Lists: where this list's items start on the shared item stack. */
  readonly mark: number;
  /** Dictionaries: the key read and waiting for its value. */
  key: string | undefined;
  keyAt: number;
  prev: string | undefined;
}

/**
 * Decodes one bencoded value that must span the whole input, within a budget (see
 * {@link DecodeBudget}): time and memory stay linear in the input, nesting is walked with an
 * explicit stack (no recursion, whatever `maxDepth` is given).
 * Never throws for any input: every problem is a {@link BencodeError} with its byte offset.
 */
export function decodeWithSpans(input: Uint8Array, limits: DecodeLimits = {}): E.Either<BencodeError, Decoded> {
  const end = input.length;
  if (limits.maxBytes !== undefined && end > limits.maxBytes) {
    return E.left(bencodeError('too-large', 0, `input of ${end} bytes is over the ${limits.maxBytes}-byte limit`));
  }
  const maxDepth = limits.maxDepth ?? DEFAULT_MAX_DEPTH;
  const maxItems = limits.maxItems ?? itemsFor(end);
  const strictKeyOrder = limits.strictKeyOrder ?? false;
  const spanDepth = limits.spanDepth ?? 1;
  const spanKeys = new Set(limits.spanKeys ?? ['info']);
  const stringSpans = limits.stringSpans ?? false;
  const spans = new WeakMap<object, readonly [number, number]>();
  const warnings: BencodeError[] = [];
  const frames: Frame[] = [];
  /** Items of every open list, in order; a closed list takes its tail as one exact-size array. */
  const items: BValue[] = [];
  /** Dictionary keys repeat (every file has `length` and `path`): keep one string per key. */
  const keyCache = new Map<string, string>();
  let pos = 0;
  let used = 0;

  const fail = (code: BencodeError['code'], offset: number, detail: string): never => {
    throw new Fail(bencodeError(code, offset, detail));
  };
  /** Whether a value about to be delivered at `depth` (1: top level) gets a span. */
  const wantSpan = (depth: number): boolean => {
    if (depth <= spanDepth) return true;
    if (depth !== 2) return false;
    const parent = frames[0]!;
    return parent.dict !== undefined && spanKeys.has(parent.key!);
  };
  const spend = (n: number): void => {
    used += n;
    if (used > maxItems) fail('too-many-items', pos, `more than ${maxItems} values (the budget for ${end} input bytes)`);
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
    if (de - ds <= 15) {
      let n = 0;
      for (let k = ds; k < de; k++) n = n * 10 + (input[k]! - CH_0);
      return negative ? -n : n;
    }
    let text = '';
    for (let k = ds; k < de; k++) text += String.fromCharCode(input[k]!);
    const big = BigInt(text) * (negative ? -1n : 1n);
    return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
  };

  /** Reads `<len>:` and returns the length; `pos` is then at the first string byte. */
  const readLength = (): number => {
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
    return len;
  };

  const readString = (depth: number): Uint8Array => {
    const start = pos;
    const len = readLength();
    const withSpan = stringSpans && wantSpan(depth);
    if (len === 0 && !withSpan) return EMPTY;
    spend(STRING_ITEM_WEIGHT - 1);
    const bytes = input.subarray(pos, pos + len);
    pos += len;
    if (withSpan) spans.set(bytes, [start, pos]);
    return bytes;
  };

  const readKey = (frame: Frame): void => {
    const keyAt = pos;
    const k = input[pos]!;
    if (k < CH_0 || k > CH_9) fail('non-string-key', keyAt, 'dictionary key is not a byte string');
    spend(1);
    const len = readLength();
    let key = latin1(input.subarray(pos, pos + len));
    pos += len;
    if (len <= 64) {
      const known = keyCache.get(key);
      if (known !== undefined) key = known;
      else if (keyCache.size < 4096) keyCache.set(key, key);
    }
    const prev = frame.prev;
    if (prev !== undefined) {
      const cmp = keyCompare(prev, key);
      if (cmp === 0) fail('duplicate-key', keyAt, `duplicate dictionary key "${printable(key)}"`);
      if (cmp > 0) {
        const w = bencodeError('unsorted-keys', keyAt, `dictionary key "${printable(key)}" is out of order`);
        if (strictKeyOrder) throw new Fail(w);
        if (warnings.length < MAX_WARNINGS) warnings.push(w);
        if (frame.dict!.has(key)) fail('duplicate-key', keyAt, `duplicate dictionary key "${printable(key)}"`);
      }
    }
    frame.prev = key;
    frame.key = key;
    frame.keyAt = keyAt;
  };

  /** Hands a finished value to the open container; returns it when it is the top-level value. */
  const deliver = (v: BValue): BValue | undefined => {
    const top = frames[frames.length - 1];
    if (top === undefined) return v;
    if (top.dict === undefined) items.push(v);
    else {
      top.dict.set(top.key!, v);
      top.key = undefined;
    }
    return undefined;
  };

  const run = (): BValue => {
    for (;;) {
      const top = frames[frames.length - 1];
      if (top !== undefined) {
        if (pos >= end) {
          if (top.dict === undefined) fail('unexpected-end', pos, 'input ends inside a list');
          if (top.key === undefined) fail('unexpected-end', pos, 'input ends inside a dictionary');
          fail('unexpected-end', pos, `input ends after dictionary key "${printable(top.key!)}"`);
        }
        if (top.dict === undefined || top.key === undefined) {
          if (input[pos] === CH_e) {
            pos++;
            frames.pop();
            let container: BList | BDict;
            if (top.dict === undefined) {
              container = items.slice(top.mark);
              items.length = top.mark;
            } else container = top.dict;
            if (wantSpan(frames.length + 1)) spans.set(container, [top.start, pos]);
            const done = deliver(container);
            if (done !== undefined) return done;
            continue;
          }
          if (top.dict !== undefined) {
            readKey(top);
            continue;
          }
        }
      } else if (pos >= end) fail('unexpected-end', pos, 'input ends where a value was expected');
      // a value
      spend(1);
      const c = input[pos]!;
      let v: BValue;
      if (c === CH_i) v = readInt();
      else if (c >= CH_0 && c <= CH_9) v = readString(frames.length + 1);
      else if (c === CH_l || c === CH_d) {
        if (frames.length >= maxDepth) fail('too-deep', pos, `nesting deeper than ${maxDepth}`);
        const dict = c === CH_d ? new Map<string, BValue>() : undefined;
        spend((dict !== undefined ? DICT_ITEM_WEIGHT : LIST_ITEM_WEIGHT) - 1);
        frames.push({ start: pos, dict, mark: items.length, key: undefined, keyAt: 0, prev: undefined });
        pos++;
        continue;
      } else if (c === CH_MINUS) return fail('invalid-length', pos, 'negative string length');
      else return fail('unexpected-byte', pos, `unexpected byte 0x${c.toString(16)}`);
      const done = deliver(v);
      if (done !== undefined) return done;
    }
  };

  try {
    const value = run();
    if (pos !== end) fail('trailing-bytes', pos, `${end - pos} unexpected bytes after the value`);
    return E.right({ value, spans, warnings });
  } catch (e) {
    if (e instanceof Fail) return E.left(e.error);
    throw e;
  }
}

/** Decodes one bencoded value spanning the whole input; see {@link decodeWithSpans}. */
export function decode(input: Uint8Array, limits?: DecodeLimits): E.Either<BencodeError, BValue> {
  return E.map((d: Decoded) => d.value)(decodeWithSpans(input, { spanDepth: 0, spanKeys: [], ...limits }));
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
