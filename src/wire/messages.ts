/**
 * Peer wire messages after the handshake (BEP 3 "peer messages", BEP 5 `port`,
 * BEP 6 fast extension, BEP 10 `extended`), as one discriminated union on `type`.
 */

/** Message ids on the wire (the byte after the 4-byte length prefix). */
export const MessageId = {
  choke: 0,
  unchoke: 1,
  interested: 2,
  notInterested: 3,
  have: 4,
  bitfield: 5,
  request: 6,
  piece: 7,
  cancel: 8,
  port: 9,
  suggest: 0x0d,
  haveAll: 0x0e,
  haveNone: 0x0f,
  reject: 0x10,
  allowedFast: 0x11,
  extended: 20,
} as const;

/** A block address: piece index, byte offset in the piece, byte length (BEP 3 `request`). */
export interface BlockRef {
  readonly index: number;
  readonly begin: number;
  readonly length: number;
}

/** The messages that carry only a block reference (BEP 3 request/cancel, BEP 6 reject). */
export type BlockRefMessageType = 'request' | 'cancel' | 'reject';

/** The `type` message for block reference `r`. */
export const blockRefMessage = (type: BlockRefMessageType, r: BlockRef): WireMessage => ({ type, index: r.index, begin: r.begin, length: r.length });

/** Every message a peer can send after the handshake. */
export type WireMessage =
  | { readonly type: 'keepAlive' }
  | { readonly type: 'choke' }
  | { readonly type: 'unchoke' }
  | { readonly type: 'interested' }
  | { readonly type: 'notInterested' }
  | { readonly type: 'have'; readonly index: number }
  | { readonly type: 'bitfield'; readonly bitfield: Uint8Array }
  | ({ readonly type: 'request' } & BlockRef)
  | { readonly type: 'piece'; readonly index: number; readonly begin: number; readonly block: Uint8Array }
  | ({ readonly type: 'cancel' } & BlockRef)
  | { readonly type: 'port'; readonly port: number }
  | { readonly type: 'suggest'; readonly index: number }
  | { readonly type: 'haveAll' }
  | { readonly type: 'haveNone' }
  | ({ readonly type: 'reject' } & BlockRef)
  | { readonly type: 'allowedFast'; readonly index: number }
  | { readonly type: 'extended'; readonly extendedId: number; readonly payload: Uint8Array }
  /** An id this client does not know; kept (not fatal) so newer extensions pass through. */
  | { readonly type: 'unknown'; readonly id: number; readonly payload: Uint8Array };

/** The `type` tag of a wire message. */
export type WireMessageType = WireMessage['type'];

/** The BEP 6 messages, only legal when both peers set the fast extension bit. */
export const FAST_MESSAGE_TYPES: ReadonlySet<WireMessageType> = new Set([
  'suggest',
  'haveAll',
  'haveNone',
  'reject',
  'allowedFast',
]);
