import fc from 'fast-check';
import { firstValueFrom, from, Subject, toArray } from 'rxjs';
import { describe, expect, it } from 'vitest';
import {
  emptyReserved,
  encodeHandshake,
  encodeMessage,
  maxFrameLength,
  ourReserved,
  type Handshake,
  type WireMessage,
} from '../../src/wire/index.js';
import { wireFrames, type FrameEvent, type FrameOptions } from '../../streams/frames.js';
import { concatBytes, normalize, validMessage } from '../wire/arbitraries.js';

const infoHash = new Uint8Array(20).fill(0xaa);
const ourId = new Uint8Array(20).fill(0x01);
const theirId = new Uint8Array(20).fill(0x02);
const hs: Handshake = { reserved: ourReserved(), infoHash, peerId: theirId };


/** Cuts `bytes` at the given (sorted, deduplicated) offsets. */
const cut = (bytes: Uint8Array, offsets: readonly number[]): Uint8Array[] => {
  const points = [...new Set(offsets.map((o) => o % (bytes.length + 1)))].sort((a, b) => a - b);
  const out: Uint8Array[] = [];
  let prev = 0;
  for (const p of [...points, bytes.length]) {
    out.push(bytes.slice(prev, p));
    prev = p;
  }
  return out;
};

const run = (chunks: readonly Uint8Array[], opts: FrameOptions): Promise<FrameEvent[]> =>
  firstValueFrom(from(chunks).pipe(wireFrames(opts), toArray()));

const show = (e: FrameEvent): unknown =>
  e.kind === 'message' ? normalize(e.message) : e.kind === 'handshake' ? { hs: Array.from(e.handshake.peerId) } : e;

describe('wireFrames', () => {
  it('decodes the same messages however the byte stream is chunked', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 1, max: 300 }).chain((n) =>
          fc.record({ n: fc.constant(n), msgs: fc.array(validMessage(n), { maxLength: 20 }) }),
        ),
        fc.array(fc.nat(), { maxLength: 60 }),
        async ({ n, msgs }, offsets) => {
          const bytes = concatBytes([encodeHandshake(hs), ...msgs.map(encodeMessage)]);
          const opts = { pieceCount: n, expect: { infoHash, ourPeerId: ourId } };
          const whole = await run([bytes], opts);
          const chunked = await run(cut(bytes, offsets), opts);
          expect(chunked.map(show)).toEqual(whole.map(show));
          expect(whole.map(show)).toEqual([{ hs: Array.from(theirId) }, ...msgs.map(normalize)]);
        },
      ),
      { numRuns: 300 },
    );
  });

  it('turns random bytes after a handshake into messages and at most one final protocol error', async () => {
    await fc.assert(
      fc.asyncProperty(fc.uint8Array({ maxLength: 400 }), fc.array(fc.nat(), { maxLength: 20 }), async (noise, offsets) => {
        const events = await run(cut(concatBytes([encodeHandshake(hs), noise]), offsets), { pieceCount: 40 });
        expect(events[0]?.kind).toBe('handshake');
        const errors = events.filter((e) => e.kind === 'protocolError');
        expect(errors.length).toBeLessThanOrEqual(1);
        if (errors.length === 1) expect(events.at(-1)?.kind).toBe('protocolError');
      }),
      { numRuns: 500 },
    );
  });

  it('decodes a stream fed one byte at a time in linear time', async () => {
    const block = new Uint8Array(256 * 1024).map((_, i) => i & 0xff);
    const bytes = concatBytes([encodeHandshake(hs), encodeMessage({ type: 'piece', index: 0, begin: 0, block })]);
    const singles = Array.from(bytes, (b) => Uint8Array.of(b));
    const started = performance.now();
    const events = await run(singles, { pieceCount: 1 });
    expect(performance.now() - started).toBeLessThan(2000);
    const last = events.at(-1);
    expect(last?.kind === 'message' && last.message.type === 'piece' && last.message.block.length).toBe(block.length);
  });

  it('hands out a view when a piece fits in one chunk and exactly one copy when it spans chunks', async () => {
    const frame = encodeMessage({ type: 'piece', index: 0, begin: 0, block: new Uint8Array(16384).fill(5) });
    const chunk = concatBytes([encodeHandshake(hs), frame]);
    const [, one] = await run([chunk], { pieceCount: 1 });
    expect(one?.kind === 'message' && one.message.type === 'piece' && one.message.block.buffer).toBe(chunk.buffer);

    const parts = cut(chunk, [100, 9000]);
    const [, spanning] = await run(parts, { pieceCount: 1 });
    if (spanning?.kind !== 'message' || spanning.message.type !== 'piece') throw new Error('expected a piece');
    // the body (id + index + begin + block) was gathered into one buffer of exactly its size
    expect(spanning.message.block.buffer.byteLength).toBe(16384 + 9);
    const gathered = spanning.message.block.buffer;
    expect(parts.some((p) => p.buffer === gathered)).toBe(false);
    expect(spanning.message.block.every((b) => b === 5)).toBe(true);
  });

  it('stops at a length prefix above the cap, unsubscribes and ignores the rest', () => {
    const source = new Subject<Uint8Array>();
    const seen: FrameEvent[] = [];
    let completed = false;
    source.pipe(wireFrames({ pieceCount: 10 })).subscribe({ next: (e) => seen.push(e), complete: () => (completed = true) });
    source.next(encodeHandshake(hs));
    const prefix = new Uint8Array(4);
    new DataView(prefix.buffer).setUint32(0, maxFrameLength(10) + 1);
    source.next(prefix);
    expect(seen.at(-1)).toEqual({ kind: 'protocolError', error: { tag: 'frameTooLong', length: (1 << 20) + 1, max: 1 << 20 } });
    expect(completed).toBe(true);
    expect(source.observed).toBe(false); // nothing more is buffered: the source is no longer read
  });

  it('rejects a non-BitTorrent peer at its first byte', () => {
    const source = new Subject<Uint8Array>();
    const seen: FrameEvent[] = [];
    source.pipe(wireFrames({ pieceCount: 10 })).subscribe((e) => seen.push(e));
    source.next(new TextEncoder().encode('GET / HTTP/1.1\r\n'));
    expect(seen).toEqual([{ kind: 'protocolError', error: { tag: 'badProtocol', pstrlen: 71 } }]);
    expect(source.observed).toBe(false);
  });

  it('rejects a wrong info hash and a connection to ourselves', async () => {
    const opts = { pieceCount: 10, expect: { infoHash, ourPeerId: ourId } };
    const wrong = await run([encodeHandshake({ ...hs, infoHash: new Uint8Array(20) })], opts);
    expect(wrong.map((e) => e.kind === 'protocolError' && e.error.tag)).toEqual(['wrongInfoHash']);
    const self = await run([encodeHandshake({ ...hs, peerId: ourId })], opts);
    expect(self.map((e) => e.kind === 'protocolError' && e.error.tag)).toEqual(['selfConnection']);
  });

  it('looks the torrent up by info hash for a listener serving several torrents', async () => {
    const other = new Uint8Array(20).fill(0xbb);
    const lookup = (h: Uint8Array): number | undefined => (h[0] === 0xaa ? 3 : undefined);
    const opts = { pieceCount: lookup, expect: { ourPeerId: ourId } };
    const ok = await run([encodeHandshake(hs), encodeMessage({ type: 'have', index: 2 }), encodeMessage({ type: 'have', index: 3 })], opts);
    expect(ok.map((e) => (e.kind === 'protocolError' ? e.error.tag : e.kind))).toEqual(['handshake', 'message', 'pieceIndexOutOfRange']);
    const unknown = await run([encodeHandshake({ ...hs, infoHash: other })], opts);
    expect(unknown).toEqual([{ kind: 'protocolError', error: { tag: 'unknownInfoHash', got: 'bb'.repeat(20) } }]);
    const self = await run([encodeHandshake({ ...hs, peerId: ourId })], opts);
    expect(self.map((e) => e.kind === 'protocolError' && e.error.tag)).toEqual(['selfConnection']);
  });

  it.each<[string, WireMessage | Uint8Array, string]>([
    ['have out of range', { type: 'have', index: 10 }, 'pieceIndexOutOfRange'],
    ['short bitfield', { type: 'bitfield', bitfield: new Uint8Array(1) }, 'bitfieldSize'],
    ['bitfield spare bits', { type: 'bitfield', bitfield: Uint8Array.of(0, 0x01) }, 'bitfieldSpareBits'],
    ['wrong-length choke', Uint8Array.of(0, 0, 0, 2, 0, 0), 'badLength'],
  ])('ends the stream on %s', async (_, m, tag) => {
    const bytes = m instanceof Uint8Array ? m : encodeMessage(m);
    const events = await run([encodeHandshake(hs), bytes, encodeMessage({ type: 'unchoke' })], { pieceCount: 10 });
    expect(events.map((e) => e.kind)).toEqual(['handshake', 'protocolError']);
    expect(events[1]?.kind === 'protocolError' && events[1].error.tag).toBe(tag);
  });

  it('rejects BEP 6 messages when the peer did not announce the fast extension', async () => {
    const events = await run([encodeHandshake({ ...hs, reserved: emptyReserved() }), encodeMessage({ type: 'haveAll' })], {
      pieceCount: 10,
    });
    expect(events[1]).toEqual({ kind: 'protocolError', error: { tag: 'fastNotNegotiated', messageType: 'haveAll' } });
  });
});
