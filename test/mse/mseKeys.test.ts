import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { dhKeyPair, mseCiphers, MSE_PRIME, req1Hash, Rc4, skeyMask } from '../../src/mse/index.js';

const big = (b: Uint8Array): bigint => BigInt('0x' + (Buffer.from(b).toString('hex') || '0'));
const modPow = (base: bigint, exp: bigint, mod: bigint): bigint => {
  let r = 1n;
  let b = base % mod;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % mod;
    b = (b * b) % mod;
  }
  return r;
};
const sha1 = (...parts: (string | Uint8Array)[]): Buffer => {
  const h = createHash('sha1');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p) : p);
  return h.digest();
};

describe('MSE key derivation', () => {
  const xa = new Uint8Array(20).fill(0x11);
  const xb = new Uint8Array(20).fill(0x22);
  const a = dhKeyPair(xa);
  const b = dhKeyPair(xb);
  const P = big(MSE_PRIME);

  it('uses the spec prime (768 bits) and G = 2: Y = 2^X mod P, 96 bytes (checked with BigInt)', () => {
    expect(MSE_PRIME.length).toBe(96);
    expect(a.publicKey.length).toBe(96);
    expect(big(a.publicKey)).toBe(modPow(2n, big(xa), P));
  });

  it('gives both sides the same S = Yb^Xa = Ya^Xb mod P', () => {
    const sa = a.secret(b.publicKey)!;
    const sb = b.secret(a.publicKey)!;
    expect(sa).toEqual(sb);
    expect(big(sa)).toBe(modPow(big(b.publicKey), big(xa), P));
    expect(sa.length).toBe(96);
  });

  it('refuses degenerate public keys (0, 1, P-1, P and above)', () => {
    const n = (v: bigint): Uint8Array => new Uint8Array(Buffer.from(v.toString(16).padStart(192, '0'), 'hex'));
    for (const bad of [0n, 1n, P - 1n, P, P + 5n]) expect(a.secret(n(bad))).toBeUndefined();
    expect(a.secret(new Uint8Array(95))).toBeUndefined();
    expect(a.secret(n(2n))).toBeDefined();
  });

  it('hashes as the spec says: req1, req2 xor req3, keyA/keyB with 1024 bytes dropped', () => {
    const s = a.secret(b.publicKey)!;
    const skey = new Uint8Array(20).fill(0xab);
    expect(Buffer.from(req1Hash(s))).toEqual(sha1('req1', s));
    const r2 = sha1('req2', skey);
    const r3 = sha1('req3', s);
    expect(Buffer.from(skeyMask(skey, s))).toEqual(Buffer.from(r2.map((x, i) => x ^ r3[i]!)));
    const { a: ka, b: kb } = mseCiphers(s, skey);
    const ref = (label: string): Uint8Array => {
      const r = new Rc4(sha1(label, s, skey));
      return r.process(new Uint8Array(1024 + 32)).subarray(1024);
    };
    expect(ka.process(new Uint8Array(32))).toEqual(ref('keyA'));
    expect(kb.process(new Uint8Array(32))).toEqual(ref('keyB'));
  });
});
