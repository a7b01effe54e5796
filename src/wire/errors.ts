import type { WireMessageType } from './messages.js';

/**
 * Why bytes from a peer are not an acceptable handshake or message. Every variant ends the
 * connection; `describeWireError` gives the one-line text.
 */
export type WireError =
  | { readonly tag: 'truncated'; readonly needed: number; readonly got: number }
  | { readonly tag: 'trailingBytes'; readonly extra: number }
  | { readonly tag: 'badProtocol'; readonly pstrlen: number; readonly pstr?: string }
  | { readonly tag: 'wrongInfoHash'; readonly got: string; readonly expected: string }
  | { readonly tag: 'unknownInfoHash'; readonly got: string }
  | { readonly tag: 'selfConnection' }
  | { readonly tag: 'frameTooLong'; readonly length: number; readonly max: number }
  | {
      readonly tag: 'badLength';
      readonly messageType: WireMessageType;
      readonly length: number;
      readonly expected: string;
    }
  | {
      readonly tag: 'pieceIndexOutOfRange';
      readonly messageType: WireMessageType;
      readonly index: number;
      readonly pieceCount: number;
    }
  | { readonly tag: 'bitfieldSize'; readonly length: number; readonly expected: number }
  | { readonly tag: 'bitfieldSpareBits' }
  | { readonly tag: 'badBlockLength'; readonly messageType: WireMessageType; readonly length: number }
  | { readonly tag: 'fastNotNegotiated'; readonly messageType: WireMessageType };

/** The `tag` of a wire error, usable as a close reason code. */
export type WireErrorTag = WireError['tag'];

/** One line a person can act on, e.g. in a peer list or a log. */
export function describeWireError(e: WireError): string {
  switch (e.tag) {
    case 'truncated':
      return `peer sent a truncated message: needed ${e.needed} bytes, got ${e.got}`;
    case 'trailingBytes':
      return `peer message has ${e.extra} unexpected trailing bytes`;
    case 'badProtocol':
      return `peer does not speak BitTorrent: protocol string length ${e.pstrlen}${e.pstr === undefined ? '' : ` "${e.pstr}"`}`;
    case 'wrongInfoHash':
      return `peer is on another torrent: info hash ${e.got}, expected ${e.expected}`;
    case 'unknownInfoHash':
      return `peer asked for torrent ${e.got}, which we do not serve`;
    case 'selfConnection':
      return 'connected to ourselves (the peer id is our own)';
    case 'frameTooLong':
      return `peer announced a ${e.length}-byte message, above the ${e.max}-byte limit`;
    case 'badLength':
      return `peer sent a ${e.messageType} message of ${e.length} bytes, expected ${e.expected}`;
    case 'pieceIndexOutOfRange':
      return `peer sent ${e.messageType} for piece ${e.index}, but the torrent has ${e.pieceCount} pieces`;
    case 'bitfieldSize':
      return `peer sent a ${e.length}-byte bitfield, expected ${e.expected}`;
    case 'bitfieldSpareBits':
      return 'peer bitfield has spare bits set past the last piece';
    case 'badBlockLength':
      return `peer sent ${e.messageType} with block length ${e.length} (allowed 1..131072)`;
    case 'fastNotNegotiated':
      return `peer sent ${e.messageType} without negotiating the fast extension (BEP 6)`;
  }
}
