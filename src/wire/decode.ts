import * as E from 'fp-ts/lib/Either.js';
import { readUint16, readUint32 } from './bytes.js';
import type { WireError } from './errors.js';
import { MessageId, type WireMessage, type WireMessageType } from './messages.js';

type KnownType = keyof typeof MessageId;

const ID_TO_TYPE: ReadonlyMap<number, KnownType> = new Map(
  Object.entries(MessageId).map(([type, id]) => [id, type as KnownType]),
);

/** The error for a body of the wrong size; `expected` counts the id byte. */
const badLength = (type: WireMessageType, body: Uint8Array, expected: string): E.Either<WireError, WireMessage> =>
  E.left({ tag: 'badLength', messageType: type, length: body.length, expected });

/**
 * Decodes one message body: the bytes after the 4-byte length prefix (id + payload). An empty
 * body is a keep-alive. Variable payloads (`piece` block, `bitfield`, `extended`) are views into
 * `body`, never copies, so a 16 KiB block costs no extra copy here. Never throws.
 * Plain checks rather than fp-ts chains (`E.map` built two closures per message, the caller's
 * `E.flatMap` copied its arguments into arrays): a swarm peer decodes ~100k `have` and
 * `request` messages per GiB.
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
      return body.length === 1 ? E.right({ type } as WireMessage) : badLength(type, body, '1');
    case 'have':
    case 'suggest':
    case 'allowedFast':
      return body.length === 5 ? E.right({ type, index: readUint32(body, 1) } as WireMessage) : badLength(type, body, '5');
    case 'request':
    case 'cancel':
    case 'reject':
      return body.length === 13
        ? E.right({ type, index: readUint32(body, 1), begin: readUint32(body, 5), length: readUint32(body, 9) } as WireMessage)
        : badLength(type, body, '13');
    case 'port':
      return body.length === 3 ? E.right({ type, port: readUint16(body, 1) }) : badLength(type, body, '3');
    case 'bitfield':
      return E.right({ type, bitfield: body.subarray(1) });
    case 'piece':
      return body.length >= 9
        ? E.right({ type, index: readUint32(body, 1), begin: readUint32(body, 5), block: body.subarray(9) })
        : badLength(type, body, 'at least 9');
    case 'extended':
      return body.length >= 2 ? E.right({ type, extendedId: body[1]!, payload: body.subarray(2) }) : badLength(type, body, 'at least 2');
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
