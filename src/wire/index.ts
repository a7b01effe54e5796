/**
 * Peer wire protocol core (BEP 3, 5, 6, 10, 20): pure encode/decode of the handshake and every
 * message, reserved-bit helpers, per-torrent validation, peer ids.
 * @packageDocumentation
 */
export { MessageId, FAST_MESSAGE_TYPES, blockRefMessage, type BlockRef, type BlockRefMessageType, type WireMessage, type WireMessageType } from './messages.js';
export { describeWireError, type WireError, type WireErrorTag } from './errors.js';
export {
  RESERVED_LENGTH,
  supportsExtensionProtocol,
  supportsFastExtension,
  supportsDht,
  setExtensionProtocol,
  setFastExtension,
  setDht,
  emptyReserved,
  ourReserved,
  fastNegotiated,
} from './reserved.js';
export {
  PROTOCOL_STRING,
  HANDSHAKE_LENGTH,
  encodeHandshake,
  decodeHandshake,
  checkProtocolLength,
  checkHandshake,
  type Handshake,
  type HandshakeExpectation,
} from './handshake.js';
export { encodeBlockRefs, encodeHaves, encodeMessage, encodeMessageParts } from './encode.js';
export { decodeMessage, decodeFrame } from './decode.js';
export {
  validateMessage,
  maxFrameLength,
  bitfieldLength,
  MAX_BLOCK_LENGTH,
  type MessageRules,
} from './validate.js';
export { generatePeerId, clientNameFromPeerId, PEER_ID_PREFIX } from './peerId.js';
export { toHex } from './hex.js';
