import fc from 'fast-check';
import { createActor, createMachine } from 'xstate';
import { describe, expect, it } from 'vitest';
import { reviveSafeJson, safeStringify, toSafeJson } from '../../src/trace/safeJson.js';

describe('toSafeJson', () => {
  it('never throws and always yields JSON that parses back to itself', () => {
    fc.assert(
      fc.property(fc.anything({ withBigInt: true, withMap: true, withSet: true, withTypedArray: true, withDate: true, withNullPrototype: true, withSparseArray: true }), (v) => {
        const json = toSafeJson(v);
        const text = JSON.stringify(json);
        expect(JSON.parse(text)).toEqual(json);
      }),
    );
  });

  it('writes -0 as 0, which JSON can hold', () => {
    expect(JSON.parse(JSON.stringify(toSafeJson([[-0]])))).toEqual(toSafeJson([[-0]]));
    expect(Object.is((toSafeJson([-0]) as number[])[0], 0)).toBe(true);
  });

  it('handles the hostile values found in machine events and contexts', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic.self = cyclic;
    const actor = createActor(createMachine({ id: 'x' })).start();
    const throwing = Object.defineProperty({}, 'boom', {
      enumerable: true,
      get() {
        throw new Error('getter exploded');
      },
    });
    const revoked = Proxy.revocable({}, {});
    revoked.revoke();
    const value = {
      big: 2n ** 70n,
      bytes: new Uint8Array([0xde, 0xad, 0xbe, 0xef]),
      block: new Uint8Array(16 * 1024),
      map: new Map<unknown, unknown>([['k', 1n]]),
      set: new Set([1, 2]),
      cyclic,
      actor,
      fn: function namedFn() {},
      throwing,
      proxy: revoked.proxy,
      nan: Number.NaN,
      err: new TypeError('bad'),
    };
    const json = toSafeJson(value) as Record<string, unknown>;
    expect(json.big).toEqual({ $bigint: (2n ** 70n).toString() });
    expect(json.bytes).toEqual({ $hex: 'deadbeef' });
    expect(json.block).toEqual({ $bytes: 16 * 1024 });
    expect(json.map).toEqual({ $map: [['k', { $bigint: '1' }]] });
    expect(json.set).toEqual({ $set: [1, 2] });
    expect(json.cyclic).toEqual({ name: 'loop', self: { $cycle: true } });
    expect(json.actor).toEqual({ $actor: actor.id });
    expect(json.fn).toEqual({ $fn: 'namedFn' });
    expect(json.throwing).toEqual({ boom: { $throws: 'getter exploded' } });
    expect(json.proxy).toEqual({ $unserializable: true });
    expect(json.nan).toEqual({ $number: 'NaN' });
    expect(json.err).toEqual({ $error: 'TypeError', message: 'bad' });
    expect(() => safeStringify(value)).not.toThrow();
    actor.stop();
  });

  it('bounds strings, arrays, keys and depth', () => {
    const deep: Record<string, unknown> = {};
    let cur = deep;
    for (let i = 0; i < 50; i++) cur = (cur.next = {}) as Record<string, unknown>;
    const text = safeStringify({ s: 'x'.repeat(100_000), a: new Array(10_000).fill(1), deep, wide: Object.fromEntries(Array.from({ length: 1000 }, (_, i) => [`k${i}`, i])) });
    expect(text.length).toBeLessThan(10_000);
    expect(text).toContain('"$depth":true');
    expect(text).toContain('"$more":9744');
  });

  it('revives what replay needs: bytes, bigints, maps, sets, errors', () => {
    const original = { h: new Uint8Array([1, 2, 3]), n: 5n, m: new Map([['a', new Uint8Array([9])]]), s: new Set(['x']), e: new Error('why') };
    const back = reviveSafeJson(JSON.parse(safeStringify(original))) as typeof original;
    expect(back.h).toEqual(new Uint8Array([1, 2, 3]));
    expect(back.n).toBe(5n);
    expect(back.m.get('a')).toEqual(new Uint8Array([9]));
    expect(back.s.has('x')).toBe(true);
    expect(back.e).toBeInstanceOf(Error);
    expect(back.e.message).toBe('why');
    // long byte arrays were recorded by length only; they come back zeroed, same length
    expect(reviveSafeJson({ $bytes: 300 })).toEqual(new Uint8Array(300));
  });
});
