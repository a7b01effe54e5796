import * as E from 'fp-ts/lib/Either.js';
import { readUint16, readUint32 } from './bytes.js';
import type { WireError } from './errors.js';
import { MessageId, type WireMessage, type WireMessageType } from './messages.js';

type KnownType = keyof typeof MessageId;

const ID_TO_TYPE: ReadonlyMap<number, KnownType> = new Map(
  Object.entries(MessageId).map(([type, id]) => [id, type as KnownType]),
);

/** `body` if its payload is exactly `payload` bytes long. */
const exact = (type: WireMessageType, body: Uint8Array, payload: number): E.Either<WireError, Uint8Array> =>
  body.length === 1 + payload
    ? E.right(body)
    : E.left({ tag: 'badLength', messageType: type, length: body.length, expected: `${1 + payload}` });

/** `body` if it is at least `min` bytes long (id included). */
const atLeast = (type: WireMessageType, body: Uint8Array, min: number): E.Either<WireError, Uint8Array> =>
  body.length >= min
    ? E.right(body)
    : E.left({ tag: 'badLength', messageType: type, length: body.length, expected: `at least ${min}` });

/**
 * Decodes one message body: the bytes after the 4-byte length prefix (id + payload). An empty
 * body is a keep-alive. Variable payloads (`piece` block, `bitfield`, `extended`) are views into
 * `body`, never copies, so a 16 KiB block costs no extra copy here. Never throws.
 */
export function decodeMessage(body: Uint8Array): E.Either<WireError, WireMessage> {
  if (body.length === 0) return E.right({ type: 'keepAlive' });
  const id = body[0] ?? 0;
  const type = ID_TO_TYPE.get(id);
  switch (type) {
    case undefined:
      // BEP 3 defines no rule for unknown ids; ignoring them is what keeps newer peers working.
      return E.right({ type: 'unknown', id, payload: body.subarray(1) });
    case 'choke':
    case 'unchoke':
    case 'interested':
    case 'notInterested':
    case 'haveAll':
    case 'haveNone':
      return E.map(() => ({ type }) as WireMessage)(exact(type, body, 0));
    case 'have':
    case 'suggest':
    case 'allowedFast':
      return E.map((b: Uint8Array) => ({ type, index: readUint32(b, 1) }) as WireMessage)(exact(type, body, 4));
    case 'request':
    case 'cancel':
    case 'reject':
      return E.map(
        (b: Uint8Array) => ({ type, index: readUint32(b, 1), begin: readUint32(b, 5), length: readUint32(b, 9) }) as WireMessage,
      )(exact(type, body, 12));
    case 'port':
      return E.map((b: Uint8Array) => ({ type, port: readUint16(b, 1) }) as WireMessage)(exact(type, body, 2));
    case 'bitfield':
      return E.right({ type, bitfield: body.subarray(1) });
    case 'piece':
      return E.map(
        (b: Uint8Array) => ({ type, index: readUint32(b, 1), begin: readUint32(b, 5), block: b.subarray(9) }) as WireMessage,
      )(atLeast(type, body, 9));
    case 'extended':
      return E.map((b: Uint8Array) => ({ type, extendedId: b[1]!, payload: b.subarray(2) }) as WireMessage)(
        atLeast(type, body, 2),
      );
  }
}

/** Decodes exactly one length-prefixed frame (prefix + body). Never throws. */
export function decodeFrame(bytes: Uint8Array): E.Either<WireError, WireMessage> {
  if (bytes.length < 4) return E.left({ tag: 'truncated', needed: 4, got: bytes.length });
  const length = readUint32(bytes, 0);
  if (bytes.length < 4 + length) return E.left({ tag: 'truncated', needed: 4 + length, got: bytes.length });
  if (bytes.length > 4 + length) return E.left({ tag: 'trailingBytes', extra: bytes.length - 4 - length });
  return decodeMessage(bytes.subarray(4));
}
