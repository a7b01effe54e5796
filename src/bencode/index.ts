/** Bencode (BEP 3): the encoding of .torrent files, tracker replies and extension messages. */
export * from './types.js';
export * from './budget.js';
export { decode, decodeWithSpans, latin1, type DecodeLimits, type Decoded } from './decode.js';
export { encode, type BEncodable } from './encode.js';
