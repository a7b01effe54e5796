import { MessageId, type WireMessage } from './messages.js';

const frame = (id: number, payloadLength: number): { out: Uint8Array; view: DataView } => {
  const out = new Uint8Array(5 + payloadLength);
  const view = new DataView(out.buffer);
  view.setUint32(0, 1 + payloadLength);
  out[4] = id;
  return { out, view };
};

const blockRef = (id: number, index: number, begin: number, length: number): Uint8Array => {
  const { out, view } = frame(id, 12);
  view.setUint32(5, index);
  view.setUint32(9, begin);
  view.setUint32(13, length);
  return out;
};

const withIndex = (id: number, index: number): Uint8Array => {
  const { out, view } = frame(id, 4);
  view.setUint32(5, index);
  return out;
};

const withPayload = (id: number, head: Uint8Array, payload: Uint8Array): Uint8Array => {
  const { out } = frame(id, head.length + payload.length);
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
      const { out, view } = frame(MessageId.piece, 8 + m.block.length);
      view.setUint32(5, m.index);
      view.setUint32(9, m.begin);
      return [out.subarray(0, 13), m.block];
    }
    case 'bitfield': {
      const { out } = frame(MessageId.bitfield, m.bitfield.length);
      return [out.subarray(0, 5), m.bitfield];
    }
    case 'extended': {
      const { out } = frame(MessageId.extended, 1 + m.payload.length);
      out[5] = m.extendedId;
      return [out.subarray(0, 6), m.payload];
    }
    case 'unknown': {
      const { out } = frame(m.id, m.payload.length);
      return [out.subarray(0, 5), m.payload];
    }
    default:
      return [encodeMessage(m)];
  }
}

/** Encodes a message with its 4-byte big-endian length prefix (BEP 3) into one buffer. */
export function encodeMessage(m: WireMessage): Uint8Array {
  switch (m.type) {
    case 'keepAlive':
      return new Uint8Array(4);
    case 'choke':
      return frame(MessageId.choke, 0).out;
    case 'unchoke':
      return frame(MessageId.unchoke, 0).out;
    case 'interested':
      return frame(MessageId.interested, 0).out;
    case 'notInterested':
      return frame(MessageId.notInterested, 0).out;
    case 'haveAll':
      return frame(MessageId.haveAll, 0).out;
    case 'haveNone':
      return frame(MessageId.haveNone, 0).out;
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
      const { out, view } = frame(MessageId.port, 2);
      view.setUint16(5, m.port);
      return out;
    }
    case 'bitfield':
      return withPayload(MessageId.bitfield, new Uint8Array(0), m.bitfield);
    case 'piece': {
      const head = new Uint8Array(8);
      const v = new DataView(head.buffer);
      v.setUint32(0, m.index);
      v.setUint32(4, m.begin);
      return withPayload(MessageId.piece, head, m.block);
    }
    case 'extended':
      return withPayload(MessageId.extended, Uint8Array.of(m.extendedId), m.payload);
    case 'unknown':
      return withPayload(m.id, new Uint8Array(0), m.payload);
  }
}
