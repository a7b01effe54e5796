import * as D from 'io-ts/lib/Decoder.js';
import * as DE from 'io-ts/lib/DecodeError.js';
import * as FS from 'io-ts/lib/FreeSemigroup.js';
import * as E from 'fp-ts/lib/Either.js';
import { pipe } from 'fp-ts/lib/function.js';
import { isBytes, isDict, type BDict, type BValue } from '../bencode/index.js';

/**
 * io-ts decoders over the bencode data model ({@link BValue}). Dictionaries are turned into
 * null-prototype records so `D.struct` can read them; keys stay latin1 strings of the raw bytes.
 */

/** A bencoded dictionary as a record (null prototype: a `__proto__` key is just data). */
export const bdict: D.Decoder<unknown, Record<string, BValue>> = {
  decode: (u) => {
    if (!isDict(u as BValue)) return D.failure(u, 'a dictionary');
    const rec = Object.create(null) as Record<string, BValue>;
    for (const [k, v] of u as Map<string, BValue>) rec[k] = v;
    return D.success(rec);
  },
};

/** A bencoded dictionary kept as the decoded `Map` (its identity is the key to its byte span). */
export const bmap: D.Decoder<unknown, BDict> = D.fromRefinement((u: unknown): u is BDict => isDict(u as BValue), 'a dictionary');

/**
 * A dictionary with `required` and `optional` keys (others are ignored). The dictionary is
 * converted to a record once, then checked by `D.struct` and `D.partial`.
 */
export const dictWith = <R, O>(
  required: { [K in keyof R]: D.Decoder<unknown, R[K]> },
  optional: { [K in keyof O]: D.Decoder<unknown, O[K]> },
): D.Decoder<unknown, R & Partial<O>> =>
  pipe(bdict, D.compose(pipe(D.struct(required), D.intersect(D.partial(optional))) as unknown as D.Decoder<Record<string, BValue>, R & Partial<O>>));

/** A byte string. */
export const bytes: D.Decoder<unknown, Uint8Array> = D.fromRefinement(
  (u: unknown): u is Uint8Array => isBytes(u as BValue),
  'a byte string',
);

const lenientUtf8 = new TextDecoder('utf-8');
const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

/** A byte string read as UTF-8; invalid sequences become U+FFFD (replaced, never rejected). */
export const text: D.Decoder<unknown, string> = pipe(bytes, D.map((b) => lenientUtf8.decode(b)));

/** Reads bytes as UTF-8, or `undefined` when they are not valid UTF-8. */
export const strictText = (b: Uint8Array): string | undefined => {
  try {
    return strictUtf8.decode(b);
  } catch {
    return undefined;
  }
};

/** An integer that fits a JS number exactly; a bigint (beyond 2^53) is rejected. */
export const safeInt: D.Decoder<unknown, number> = D.fromRefinement(
  (u: unknown): u is number => typeof u === 'number' && Number.isSafeInteger(u),
  'an integer below 2^53',
);

/** A safe integer >= 0. */
export const nonNegativeInt: D.Decoder<unknown, number> = pipe(
  safeInt,
  D.refine((n): n is number => n >= 0, 'a non-negative integer'),
);

/** A safe integer >= 1. */
export const positiveInt: D.Decoder<unknown, number> = pipe(
  safeInt,
  D.refine((n): n is number => n >= 1, 'a positive integer'),
);

/**
 * Most item errors one list reports. `D.fromArray` keeps one error per bad item, so a hostile
 * list of a million bad entries would cost a million error trees; the first few say enough.
 */
export const MAX_ITEM_ERRORS = 8;

/**
 * A list of values each decoded by `item` (as `D.fromArray`, errors reported the same way), that
 * stops at the {@link MAX_ITEM_ERRORS}th bad item.
 */
export const listOf = <A>(item: D.Decoder<unknown, A>): D.Decoder<unknown, A[]> => ({
  decode: (u) => {
    if (!Array.isArray(u)) return D.failure(u, 'a list');
    const out: A[] = [];
    let errors: D.DecodeError | undefined;
    let count = 0;
    for (let i = 0; i < u.length; i++) {
      const r = item.decode(u[i]);
      if (E.isRight(r)) {
        if (errors === undefined) out.push(r.right);
        continue;
      }
      const e = FS.of(DE.index(i, DE.optional, r.left));
      errors = errors === undefined ? e : FS.concat(errors, e);
      if (++count >= MAX_ITEM_ERRORS) break;
    }
    return errors === undefined ? D.success(out) : E.left(errors);
  },
});
