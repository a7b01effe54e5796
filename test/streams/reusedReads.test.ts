import { once } from 'node:events';
import { connect, createServer, type Server } from 'node:net';
import fc from 'fast-check';
import { Subject } from 'rxjs';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeHandshake, encodeMessage, ourReserved, type Handshake, type WireMessage } from '../../src/wire/index.js';
import { wireFrames, type FrameEvent } from '../../streams/frames.js';
import { markReusedReads, reusedReadOptions } from '../../streams/reusedReads.js';
import { wrapWireSocket } from '../../streams/wireSocket.js';
import { concatBytes, normalize, validMessage } from '../wire/arbitraries.js';

const infoHash = new Uint8Array(20).fill(0xaa);
const theirId = new Uint8Array(20).fill(0x02);
const hs: Handshake = { reserved: ourReserved(), infoHash, peerId: theirId };


/** Piece blocks are checked while emitted (views valid only then); everything else is kept and checked later. */
const collect = (sink: { piece: unknown[]; kept: FrameEvent[] }) => (e: FrameEvent): void => {
  if (e.kind === 'message' && e.message.type === 'piece') sink.piece.push(normalize(e.message));
  else sink.kept.push(e);
};

describe('transient chunks (one read buffer reused for every read)', () => {
  it('property: wireFrames emits the same messages as with owned chunks, and kept messages survive the buffer being overwritten', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 300 }).chain((n) => fc.record({ n: fc.constant(n), msgs: fc.array(validMessage(n), { maxLength: 25 }) })),
        fc.array(fc.integer({ min: 1, max: 40_000 }), { minLength: 1, maxLength: 40 }),
        ({ n, msgs }, sizes) => {
          const bytes = concatBytes([encodeHandshake(hs), ...msgs.map(encodeMessage)]);
          const source = new Subject<Uint8Array>();
          const sink = { piece: [] as unknown[], kept: [] as FrameEvent[] };
          source.pipe(wireFrames({ pieceCount: n, transientChunks: true })).subscribe(collect(sink));
          const shared = new Uint8Array(40_000);
          for (let at = 0, k = 0; at < bytes.length; k++) {
            const len = Math.min(sizes[k % sizes.length]!, bytes.length - at);
            shared.set(bytes.subarray(at, at + len));
            source.next(shared.subarray(0, len));
            shared.fill(0xee); // the next read overwrites it
            at += len;
          }
          const [first, ...rest] = sink.kept;
          expect(first?.kind === 'handshake' && Array.from(first.handshake.peerId)).toEqual(Array.from(theirId));
          const isPiece = (m: WireMessage): boolean => m.type === 'piece';
          expect(sink.piece).toEqual(msgs.filter(isPiece).map(normalize));
          expect(rest.map((e) => (e.kind === 'message' ? normalize(e.message) : e))).toEqual(msgs.filter((m) => !isPiece(m)).map(normalize));
        },
      ),
      { numRuns: 200 },
    );
  });

  let server: Server | undefined;
  afterEach(async () => {
    server?.close();
    server = undefined;
  });

  it('a loopback socket reading into the shared buffer delivers every block intact and keeps a bitfield intact', async () => {
    const blocks = Array.from({ length: 300 }, (_, i) => new Uint8Array(16_384).fill(i & 0xff));
    const bitfield = Uint8Array.of(0b1010_1010, 0b0101_0000);
    const stream = concatBytes([
      encodeHandshake(hs),
      encodeMessage({ type: 'bitfield', bitfield }),
      ...blocks.flatMap((block, i) => [encodeMessage({ type: 'piece', index: i % 12, begin: 0, block }), encodeMessage({ type: 'have', index: i % 12 })]),
    ]);
    server = createServer((s) => s.end(stream));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    const port = (server.address() as { port: number }).port;
    const socket = connect({ host: '127.0.0.1', port, onread: reusedReadOptions });
    markReusedReads(socket);
    const wire = wrapWireSocket(socket, { frames: { pieceCount: 12 } });
    let good = 0;
    let bad = 0;
    const kept: FrameEvent[] = [];
    let ended = '';
    wire.incoming$.subscribe((e) => {
      if (e.kind === 'end') ended = e.end.code;
      else if (e.kind === 'message' && e.message.type === 'piece') {
        const want = good + bad;
        if (e.message.block.every((b) => b === (want & 0xff))) good++;
        else bad++;
      } else kept.push(e);
    });
    await once(socket, 'close');
    expect(ended).toBe('remoteClosed');
    expect([good, bad]).toEqual([300, 0]);
    const bf = kept.find((e) => e.kind === 'message' && e.message.type === 'bitfield');
    expect(bf?.kind === 'message' && bf.message.type === 'bitfield' && Array.from(bf.message.bitfield)).toEqual(Array.from(bitfield));
    expect(kept.filter((e) => e.kind === 'message' && e.message.type === 'have').length).toBe(300);
  });
});
