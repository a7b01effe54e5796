import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { firstValueFrom, from, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import { decodeMessage, encodeHandshake, ourReserved, validateMessage, type WireMessage } from '../../src/wire/index.js';
import { wireFrames, type FrameEvent } from '../../streams/frames.js';

const infoHash = new Uint8Array(20).fill(0xaa);
const handshake = encodeHandshake({ reserved: ourReserved(), infoHash, peerId: new Uint8Array(20).fill(2) });
const PIECES = 100;

/** A raw `piece` frame (id 7) with any index/begin and a body of `bodyLength` bytes after the id. */
const pieceFrame = (index: number, begin: number, block: Uint8Array, bodyLength: number): Uint8Array => {
  const full = new Uint8Array(9 + block.length);
  const v = new DataView(full.buffer);
  full[0] = 7;
  v.setUint32(1, index);
  v.setUint32(5, begin);
  full.set(block, 9);
  const body = full.subarray(0, Math.min(full.length, bodyLength));
  const out = new Uint8Array(4 + body.length);
  new DataView(out.buffer).setUint32(0, body.length);
  out.set(body, 4);
  return out;
};

const plain = (e: FrameEvent): unknown =>
  e.kind === 'message' && e.message.type === 'piece' ? { ...e.message, block: Array.from(e.message.block) } : e.kind === 'message' ? e.message : e;

describe('wireFrames piece fast path', () => {
  it('property: a piece frame decodes exactly as decodeMessage + validateMessage would, however chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(fc.integer({ min: 0, max: PIECES - 1 }), fc.integer({ min: PIECES, max: 2 ** 32 - 1 })),
        fc.integer({ min: 0, max: 2 ** 32 - 1 }),
        fc.uint8Array({ maxLength: 64 }),
        fc.integer({ min: 1, max: 80 }),
        fc.integer({ min: 1, max: 50 }),
        async (index, begin, block, bodyLength, chunk) => {
          const frame = pieceFrame(index, begin, block, bodyLength);
          const bytes = new Uint8Array(handshake.length + frame.length);
          bytes.set(handshake);
          bytes.set(frame, handshake.length);
          const chunks: Uint8Array[] = [];
          for (let o = 0; o < bytes.length; o += chunk) chunks.push(bytes.slice(o, o + chunk));
          const events = await firstValueFrom(from(chunks).pipe(wireFrames({ pieceCount: PIECES }), toArray()));
          expect(events[0]!.kind).toBe('handshake');
          const body = frame.subarray(4);
          const expected = E.flatMap((m: WireMessage) => validateMessage(m, { pieceCount: PIECES, fastExtension: true }))(decodeMessage(body));
          const want: FrameEvent = E.isRight(expected) ? { kind: 'message', message: expected.right } : { kind: 'protocolError', error: expected.left };
          expect(events.slice(1).map(plain)).toEqual([plain(want)]);
        },
      ),
      { numRuns: 300 },
    );
  });
});
