import * as E from 'fp-ts/lib/Either.js';
import * as D from 'io-ts/lib/Decoder.js';
import { decode, type BValue } from '../bencode/index.js';
import { drawOneLine } from '../tracker/client/replyDecoders.js';
import { extensionError, type ExtensionError } from './extensionError.js';
import { EXTENSION_BENCODE_LIMITS } from './limits.js';

/**
 * Decodes a bencoded extension payload under its byte budget and the extension bencode budget,
 * then checks it with an io-ts decoder. Never throws.
 */
export function decodePayload<A>(payload: Uint8Array, maxBytes: number, what: string, decoder: D.Decoder<unknown, A>): E.Either<ExtensionError, A> {
  if (payload.length > maxBytes) return E.left(extensionError('too-large', what, `${payload.length} bytes, over the ${maxBytes}-byte limit`));
  const value = decode(payload, EXTENSION_BENCODE_LIMITS);
  if (E.isLeft(value)) return E.left(extensionError('bencode', what, value.left.message));
  return checkShape(value.right, what, decoder);
}

/** Runs an io-ts decoder and turns its error tree into an {@link ExtensionError}. */
export function checkShape<A>(value: BValue, what: string, decoder: D.Decoder<unknown, A>): E.Either<ExtensionError, A> {
  const r = decoder.decode(value);
  return E.isLeft(r) ? E.left(extensionError('structure', what, drawOneLine(r.left).replace(/^reply/, 'message'))) : r;
}

/**
 * Splits a payload that is one bencoded value followed by raw bytes (BEP 9 `data` messages).
 * The decoder is strict about a value spanning its input, and reports trailing bytes at the
 * exact offset where the value ended; that offset is where the raw bytes begin.
 */
export function decodeLeadingValue(payload: Uint8Array, what: string): E.Either<ExtensionError, { readonly value: BValue; readonly rest: Uint8Array }> {
  const whole = decode(payload, EXTENSION_BENCODE_LIMITS);
  if (E.isRight(whole)) return E.right({ value: whole.right, rest: payload.subarray(payload.length) });
  if (whole.left.code !== 'trailing-bytes') return E.left(extensionError('bencode', what, whole.left.message));
  const end = whole.left.offset;
  const head = decode(payload.subarray(0, end), EXTENSION_BENCODE_LIMITS);
  if (E.isLeft(head)) return E.left(extensionError('bencode', what, head.left.message)); // cannot happen: it decoded above
  return E.right({ value: head.right, rest: payload.subarray(end) });
}
