import * as E from 'fp-ts/lib/Either.js';
import { Observable, type OperatorFunction, type Subscription } from 'rxjs';
import {
  HANDSHAKE_LENGTH,
  checkHandshake,
  checkProtocolLength,
  decodeHandshake,
  decodeMessage,
  fastNegotiated,
  maxFrameLength,
  MessageId,
  ourReserved,
  validateMessage,
  toHex,
  type Handshake,
  type HandshakeExpectation,
  type MessageRules,
  type WireError,
  type WireMessage,
} from '../src/wire/index.js';
import { readUint32 } from '../src/wire/bytes.js';
import { ReceiveBuffer } from './receiveBuffer.js';

const PIECE_ID = MessageId.piece;

/** What the framing operator emits: one handshake, then messages, or a final protocol error. */
export type FrameEvent =
  | { readonly kind: 'handshake'; readonly handshake: Handshake }
  | { readonly kind: 'message'; readonly message: WireMessage }
  | { readonly kind: 'protocolError'; readonly error: WireError };

/** How to frame and check one connection. */
export interface FrameOptions {
  /**
   * Pieces in the torrent: bounds the length prefix and validates have/bitfield/request. A
   * listener serving several torrents passes a lookup by the handshake's info hash instead
   * (`undefined`: not ours, an `unknownInfoHash` error). `null`: not known yet (fetching the
   * metadata of a magnet link): piece messages are not checked against a count.
   */
  readonly pieceCount: number | null | ((infoHash: Uint8Array) => number | undefined);
  /** The reserved bytes we send; with the peer's, decides whether BEP 6 messages are legal. */
  readonly ourReserved?: Uint8Array;
  /** When given, a handshake for another torrent or with our own peer id is a protocol error. */
  readonly expect?: HandshakeExpectation;
  /**
   * Chunks are only valid while the operator handles them (a reused read buffer): everything
   * emitted is then a copy, except `piece` blocks, which are views valid only during the
   * emission (consumers that keep a block copy it, as storage staging does), and unparsed
   * leftovers are copied before the next chunk.
   */
  readonly transientChunks?: boolean;
}

/**
 * Turns raw socket chunks (any fragmentation or coalescing) into a handshake followed by
 * validated wire messages. On the first offending byte it emits one `protocolError`, completes,
 * unsubscribes from the source and drops its buffer, so memory cannot grow with whatever the
 * peer sends afterwards. A `piece` block is a view into the received chunk when the frame lies
 * inside one chunk, otherwise one copy.
 */
export function wireFrames(options: FrameOptions): OperatorFunction<Uint8Array, FrameEvent> {
  const mine = options.ourReserved ?? ourReserved();
  const transient = options.transientChunks === true;
  return (source) =>
    new Observable<FrameEvent>((subscriber) => {
      const buffer = new ReceiveBuffer();
      let handshake: Handshake | undefined;
      // what messages are checked against: the piece count is known once the handshake names
      // the torrent; one object per connection, not one per message
      let rules: MessageRules = { pieceCount: 0, fastExtension: false };
      let cap = 0;
      let failed = false;
      let upstream: Subscription | undefined;

      /** Ends the stream on a protocol error; returns false so readers can `return fail(...)`. */
      const fail = (error: WireError): false => {
        failed = true;
        buffer.clear();
        subscriber.next({ kind: 'protocolError', error });
        subscriber.complete();
        upstream?.unsubscribe();
        return false;
      };

      const readHandshake = (): boolean => {
        if (buffer.length < 1) return false;
        const len = checkProtocolLength(buffer.byteAt(0));
        if (E.isLeft(len)) return fail(len.left);
        if (buffer.length < HANDSHAKE_LENGTH) return false;
        const bytes = buffer.take(HANDSHAKE_LENGTH, transient);
        const decoded = decodeHandshake(transient ? new Uint8Array(bytes) : bytes);
        if (E.isLeft(decoded)) return fail(decoded.left);
        const h = decoded.right;
        const count = typeof options.pieceCount === 'function' ? options.pieceCount(h.infoHash) : options.pieceCount;
        if (count === undefined) return fail({ tag: 'unknownInfoHash', got: toHex(h.infoHash) });
        if (options.expect !== undefined) {
          const checked = checkHandshake(h, options.expect);
          if (E.isLeft(checked)) return fail(checked.left);
        }
        cap = maxFrameLength(count ?? 0);
        handshake = h;
        rules = { pieceCount: count, fastExtension: fastNegotiated(mine, handshake.reserved) };
        subscriber.next({ kind: 'handshake', handshake });
        return true;
      };

      const readMessage = (): boolean => {
        if (buffer.length < 4) return false;
        const length = buffer.peekUint32();
        if (length > cap) return fail({ tag: 'frameTooLong', length, max: cap });
        if (buffer.length < 4 + length) return false;
        buffer.skip(4);
        // transient: everything taken is copied or consumed before the next take (see below)
        let body = buffer.take(length, transient);
        if (length >= 9 && body[0] === PIECE_ID) {
          // BEP 3 `piece`: one per 16 KiB block, so decoded here without an Either; the checks
          // are decodeMessage's and validateMessage's (length, index range).
          const index = readUint32(body, 1);
          const { pieceCount } = rules;
          if (pieceCount !== null && index >= pieceCount) return fail({ tag: 'pieceIndexOutOfRange', messageType: 'piece', index, pieceCount });
          subscriber.next({ kind: 'message', message: { type: 'piece', index, begin: readUint32(body, 5), block: body.subarray(9) } });
          return true;
        }
        if (transient) body = new Uint8Array(body); // payloads (bitfield, extended) may be kept
        const decoded = decodeMessage(body);
        const result = E.isLeft(decoded) ? decoded : validateMessage(decoded.right, rules);
        if (E.isLeft(result)) return fail(result.left);
        subscriber.next({ kind: 'message', message: result.right });
        return true;
      };

      const drain = (): void => {
        // stop as soon as downstream unsubscribes (e.g. the connection was closed by an emit)
        while (!failed && !subscriber.closed) {
          const progressed = handshake === undefined ? readHandshake() : readMessage();
          if (!progressed) break;
        }
      };

      upstream = source.subscribe({
        next: (chunk) => {
          if (failed) return;
          buffer.push(chunk);
          drain();
          if (transient) buffer.detach();
        },
        error: (err: unknown) => subscriber.error(err),
        complete: () => subscriber.complete(),
      });
      if (failed) upstream.unsubscribe(); // failed synchronously during subscribe
      return () => {
        upstream?.unsubscribe();
        buffer.clear();
      };
    });
}
