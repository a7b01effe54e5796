import fc from 'fast-check';
import { MessageId, type WireMessage } from '../../src/wire/index.js';

const u32 = fc.integer({ min: 0, max: 0xffffffff });
const bytes = (max: number) => fc.uint8Array({ maxLength: max });
const knownIds = new Set<number>(Object.values(MessageId));

/** Any wire message, with every field in its encodable range. */
export const wireMessage: fc.Arbitrary<WireMessage> = fc.oneof(
  fc.constantFrom<WireMessage>(
    { type: 'keepAlive' },
    { type: 'choke' },
    { type: 'unchoke' },
    { type: 'interested' },
    { type: 'notInterested' },
    { type: 'haveAll' },
    { type: 'haveNone' },
  ),
  u32.map((index): WireMessage => ({ type: 'have', index })),
  u32.map((index): WireMessage => ({ type: 'suggest', index })),
  u32.map((index): WireMessage => ({ type: 'allowedFast', index })),
  bytes(64).map((bitfield): WireMessage => ({ type: 'bitfield', bitfield })),
  fc
    .record({ index: u32, begin: u32, length: u32, type: fc.constantFrom('request', 'cancel', 'reject') as fc.Arbitrary<'request'> })
    .map((m): WireMessage => m),
  fc.record({ index: u32, begin: u32, block: bytes(2048) }).map((m): WireMessage => ({ type: 'piece', ...m })),
  fc.integer({ min: 0, max: 0xffff }).map((port): WireMessage => ({ type: 'port', port })),
  fc.record({ extendedId: fc.integer({ min: 0, max: 255 }), payload: bytes(64) }).map((m): WireMessage => ({ type: 'extended', ...m })),
  fc
    .record({ id: fc.integer({ min: 0, max: 255 }).filter((id) => !knownIds.has(id)), payload: bytes(32) })
    .map((m): WireMessage => ({ type: 'unknown', ...m })),
);

/** Messages that pass validation for `pieceCount` pieces with the fast extension on. */
export const validMessage = (pieceCount: number): fc.Arbitrary<WireMessage> => {
  const index = fc.integer({ min: 0, max: pieceCount - 1 });
  const len = fc.integer({ min: 1, max: 131072 });
  const spare = Math.ceil(pieceCount / 8) * 8 - pieceCount;
  const bitfield = fc.uint8Array({ minLength: Math.ceil(pieceCount / 8), maxLength: Math.ceil(pieceCount / 8) }).map((b) => {
    const out = b.slice();
    const last = out.length - 1;
    if (spare > 0 && last >= 0) out[last] = (out[last] ?? 0) & ~((1 << spare) - 1) & 0xff;
    return out;
  });
  return fc.oneof(
    fc.constantFrom<WireMessage>({ type: 'keepAlive' }, { type: 'choke' }, { type: 'unchoke' }, { type: 'haveAll' }, { type: 'haveNone' }),
    index.map((i): WireMessage => ({ type: 'have', index: i })),
    index.map((i): WireMessage => ({ type: 'allowedFast', index: i })),
    bitfield.map((b): WireMessage => ({ type: 'bitfield', bitfield: b })),
    fc.record({ index, begin: u32, length: len }).map((m): WireMessage => ({ type: 'request', ...m })),
    fc.record({ index, begin: u32, block: bytes(40_000) }).map((m): WireMessage => ({ type: 'piece', ...m })),
    fc.record({ extendedId: fc.integer({ min: 0, max: 255 }), payload: bytes(64) }).map((m): WireMessage => ({ type: 'extended', ...m })),
  );
};

/** Compares messages field by field, bytes by value. */
export const normalize = (m: WireMessage): unknown =>
  Object.fromEntries(Object.entries(m).map(([k, v]) => [k, v instanceof Uint8Array ? Array.from(v) : v]));

/** Joins byte arrays into one (what a socket would deliver in one piece). */
export const concatBytes = (parts: readonly Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};
