/**
 * Values of the bencode data model (BEP 3, "bencoding").
 *
 * - byte strings stay bytes (`Uint8Array`), because names, hashes and peer lists are binary;
 * - integers are `number` when they are safe integers and `bigint` beyond 2^53, so no value is
 *   ever rounded;
 * - lists are arrays;
 * - dictionaries are `Map`s keyed by the key bytes read as latin1 ("binary") strings, which keeps
 *   every key byte exact and makes a `__proto__` key an ordinary entry.
 */
export type BValue = Uint8Array | number | bigint | BList | BDict;
/** A bencoded list. */
export type BList = BValue[];
/** A bencoded dictionary; keys are latin1 strings holding the raw key bytes. */
export type BDict = Map<string, BValue>;

/** Why a byte sequence is not valid bencode. */
export type BencodeErrorCode =
  | 'unexpected-end'
  | 'unexpected-byte'
  | 'invalid-integer'
  | 'integer-too-long'
  | 'invalid-length'
  | 'length-beyond-input'
  | 'non-string-key'
  | 'duplicate-key'
  | 'unsorted-keys'
  | 'too-deep'
  | 'too-many-items'
  | 'too-large'
  | 'trailing-bytes';

/** A decode failure with the byte offset where it was detected. */
export interface BencodeError {
  readonly _tag: 'BencodeError';
  readonly code: BencodeErrorCode;
  /** Byte offset in the input where the problem is. */
  readonly offset: number;
  /** One line a person can act on. */
  readonly message: string;
}

/** Constructs a {@link BencodeError}. */
export const bencodeError = (code: BencodeErrorCode, offset: number, detail: string): BencodeError => ({
  _tag: 'BencodeError',
  code,
  offset,
  message: `bencode: ${detail} at byte ${offset}`,
});

/** Type guard for dictionaries. */
export const isDict = (v: BValue | undefined): v is BDict => v instanceof Map;
/** Type guard for lists. */
export const isList = (v: BValue | undefined): v is BList => Array.isArray(v);
/** Type guard for byte strings. */
export const isBytes = (v: BValue | undefined): v is Uint8Array => v instanceof Uint8Array;
/** Type guard for integers (either representation). */
export const isInt = (v: BValue | undefined): v is number | bigint =>
  typeof v === 'number' || typeof v === 'bigint';
