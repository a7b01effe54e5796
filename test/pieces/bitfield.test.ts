import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import * as E from 'fp-ts/lib/Either.js';
import { Bitfield } from '../../src/pieces/index.js';

/** A piece count and a set of indices inside it. */
const fieldArb = fc.integer({ min: 0, max: 300 }).chain((n) =>
  fc.tuple(fc.constant(n), n === 0 ? fc.constant<number[]>([]) : fc.uniqueArray(fc.integer({ min: 0, max: n - 1 }), { maxLength: n })),
);

describe('Bitfield', () => {
  it('uses BEP 3 bit order: piece 0 is the high bit of byte 0', () => {
    const b = new Bitfield(10);
    b.set(0);
    b.set(9);
    expect([...b.toBytes()]).toEqual([0x80, 0x40]);
  });

  it('wire round trip keeps every bit and the count', () => {
    fc.assert(
      fc.property(fieldArb, ([n, idx]) => {
        const b = new Bitfield(n);
        for (const i of idx) b.set(i);
        const back = Bitfield.fromWire(b.toBytes(), n);
        expect(E.isRight(back)).toBe(true);
        if (E.isLeft(back)) return;
        expect(back.right.count).toBe(idx.length);
        expect([...back.right.setIndices()]).toEqual([...idx].sort((a, c) => a - c));
        expect(back.right.isComplete).toBe(idx.length === n);
      }),
    );
  });

  it('count follows set/clear against a naive model', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 100 }), fc.array(fc.tuple(fc.boolean(), fc.nat()), { maxLength: 200 }), (n, ops) => {
        const b = new Bitfield(n);
        const model = new Set<number>();
        for (const [on, raw] of ops) {
          const i = raw % n;
          expect(on ? b.set(i) : b.clear(i)).toBe(on ? !model.has(i) : model.has(i));
          if (on) model.add(i);
          else model.delete(i);
          expect(b.count).toBe(model.size);
        }
        for (let i = 0; i < n; i++) expect(b.has(i)).toBe(model.has(i));
        expect([...b.clearIndices()].length).toBe(n - model.size);
      }),
    );
  });

  it('rejects a payload of the wrong size', () => {
    const r = Bitfield.fromWire(new Uint8Array(3), 9);
    expect(E.isLeft(r) && r.left.code).toBe('wrong-size');
  });

  it('rejects any set spare bit', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 200 }).filter((n) => n % 8 !== 0), fc.nat(), (n, pick) => {
        const bytes = new Uint8Array(Math.ceil(n / 8));
        const spare = bytes.length * 8 - n;
        bytes[bytes.length - 1] = 1 << pick % spare;
        const r = Bitfield.fromWire(bytes, n);
        expect(E.isLeft(r) && r.left.code).toBe('spare-bits-set');
      }),
    );
  });

  it('full() and setAll leave spare bits clear', () => {
    const f = Bitfield.full(13);
    expect(f.isComplete).toBe(true);
    expect([...f.toBytes()]).toEqual([0xff, 0xf8]);
    expect(E.isRight(Bitfield.fromWire(f.toBytes(), 13))).toBe(true);
  });

  it('has() is false out of range; set() throws out of range', () => {
    const b = new Bitfield(4);
    expect(b.has(-1)).toBe(false);
    expect(b.has(4)).toBe(false);
    expect(() => b.set(4)).toThrow(RangeError);
  });
});
