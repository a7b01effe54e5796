import { writeUint16, writeUint32 } from './bytes.js';
import { slabBytes } from './frameSlab.js';
import { MessageId, type BlockRef, type BlockRefMessageType, type WireMessage } from './messages.js';

/**
 * Length prefix (BEP 3: 4 bytes big-endian, counting the id and the payload) and id, in a
 * buffer with room for `headLength` more bytes that the caller fills; the rest of the
 * `payloadLength` bytes of payload travel in a separate buffer (or follow in this one).
 */
const frame = (id: number, payloadLength: number, headLength = payloadLength): Uint8Array => {
  const out = slabBytes(5 + headLength);
  writeUint32(out, 0, 1 + payloadLength);
  out[4] = id;
  return out;
};

/** Writes a 17-byte request/cancel/reject frame (BEP 3, BEP 6) at `at` of `out`. */
const writeBlockRef = (out: Uint8Array, at: number, id: number, index: number, begin: number, length: number): void => {
  writeUint32(out, at, 13);
  out[at + 4] = id;
  writeUint32(out, at + 5, index);
  writeUint32(out, at + 9, begin);
  writeUint32(out, at + 13, length);
};

const blockRef = (id: number, index: number, begin: number, length: number): Uint8Array => {
  const out = slabBytes(17);
  writeBlockRef(out, 0, id, index, begin, length);
  return out;
};

/** Writes a 9-byte frame carrying one piece index (have, suggest, allowed fast) at `at` of `out`. */
const writeWithIndex = (out: Uint8Array, at: number, id: number, index: number): void => {
  writeUint32(out, at, 5);
  out[at + 4] = id;
  writeUint32(out, at + 5, index);
};

const withIndex = (id: number, index: number): Uint8Array => {
  const out = slabBytes(9);
  writeWithIndex(out, 0, id, index);
  return out;
};

const withPayload = (id: number, head: Uint8Array, payload: Uint8Array): Uint8Array => {
  const out = new Uint8Array(5 + head.length + payload.length);
  writeUint32(out, 0, 1 + head.length + payload.length);
  out[4] = id;
  out.set(head, 5);
  out.set(payload, 5 + head.length);
  return out;
};

/**
 * Encodes a message as separate buffers so a `piece` block is written to the socket as is,
 * never copied: the first part is the length prefix, id and fixed fields; the second (only for
 * piece/bitfield/extended/unknown) is the caller's payload view.
 */
export function encodeMessageParts(m: WireMessage): readonly Uint8Array[] {
  switch (m.type) {
    case 'piece': {
      const out = frame(MessageId.piece, 8 + m.block.length, 8);
      writeUint32(out, 5, m.index);
      writeUint32(out, 9, m.begin);
      return [out, m.block];
    }
    case 'bitfield': {
      return [frame(MessageId.bitfield, m.bitfield.length, 0), m.bitfield];
    }
    case 'extended': {
      const out = frame(MessageId.extended, 1 + m.payload.length, 1);
      out[5] = m.extendedId;
      return [out, m.payload];
    }
    case 'unknown': {
      return [frame(m.id, m.payload.length, 0), m.payload];
    }
    default:
      return [encodeMessage(m)];
  }
}

/**
 * Encodes one `type` message per block reference, back to back in one buffer: a refill's batch
 * of requests then leaves in one socket write, with no message object or buffer per request.
 */
export function encodeBlockRefs(type: BlockRefMessageType, refs: readonly BlockRef[]): Uint8Array {
  const out = slabBytes(17 * refs.length);
  const id = MessageId[type];
  for (let i = 0; i < refs.length; i++) writeBlockRef(out, 17 * i, id, refs[i]!.index, refs[i]!.begin, refs[i]!.length);
  return out;
}

/**
 * Encodes a `have` (BEP 3) per piece index, back to back in one buffer: a batch of verified
 * pieces reaches a peer in one socket write.
 */
export function encodeHaves(indices: readonly number[]): Uint8Array {
  const out = slabBytes(9 * indices.length);
  for (let i = 0; i < indices.length; i++) writeWithIndex(out, 9 * i, MessageId.have, indices[i]!);
  return out;
}

/** Encodes a message with its 4-byte big-endian length prefix (BEP 3) into one buffer. */
export function encodeMessage(m: WireMessage): Uint8Array {
  switch (m.type) {
    case 'keepAlive':
      return new Uint8Array(4);
    case 'choke':
      return frame(MessageId.choke, 0);
    case 'unchoke':
      return frame(MessageId.unchoke, 0);
    case 'interested':
      return frame(MessageId.interested, 0);
    case 'notInterested':
      return frame(MessageId.notInterested, 0);
    case 'haveAll':
      return frame(MessageId.haveAll, 0);
    case 'haveNone':
      return frame(MessageId.haveNone, 0);
    case 'have':
      return withIndex(MessageId.have, m.index);
    case 'suggest':
      return withIndex(MessageId.suggest, m.index);
    case 'allowedFast':
      return withIndex(MessageId.allowedFast, m.index);
    case 'request':
      return blockRef(MessageId.request, m.index, m.begin, m.length);
    case 'cancel':
      return blockRef(MessageId.cancel, m.index, m.begin, m.length);
    case 'reject':
      return blockRef(MessageId.reject, m.index, m.begin, m.length);
    case 'port': {
      const out = frame(MessageId.port, 2);
      writeUint16(out, 5, m.port);
      return out;
    }
    case 'bitfield':
      return withPayload(MessageId.bitfield, new Uint8Array(0), m.bitfield);
    case 'piece': {
      const head = new Uint8Array(8);
      writeUint32(head, 0, m.index);
      writeUint32(head, 4, m.begin);
      return withPayload(MessageId.piece, head, m.block);
    }
    case 'extended':
      return withPayload(MessageId.extended, Uint8Array.of(m.extendedId), m.payload);
    case 'unknown':
      return withPayload(m.id, new Uint8Array(0), m.payload);
  }
}
