import { describe, expect, it } from 'vitest';
import { MseDialChoice } from '../../src/mse/mseDialChoice.js';

const A = '10.0.0.1:6881';
const B = '10.0.0.2:6881';
const hungUp = { handshaked: false, remoteClosed: true };
const failed = { handshaked: false, remoteClosed: false };
const worked = { handshaked: true, remoteClosed: true };

describe('MseDialChoice (which handshake a dial uses)', () => {
  it('require always dials MSE, off never does, whatever PEX or hang-ups say', () => {
    const require = new MseDialChoice('require');
    const off = new MseDialChoice('off');
    for (const c of [require, off]) {
      c.preferred(A);
      c.dialEnded(B, hungUp);
    }
    expect([require.dialsMse(A), require.dialsMse(B)]).toEqual([true, true]);
    expect([off.dialsMse(A), off.dialsMse(B)]).toEqual([false, false]);
  });

  it('accept dials plain; a peer that hung up on the plain handshake is dialled with MSE next', () => {
    const c = new MseDialChoice('accept');
    expect(c.dialsMse(A)).toBe(false);
    c.dialEnded(A, failed); // connect refused or timed out: says nothing about encryption
    expect(c.dialsMse(A)).toBe(false);
    c.dialEnded(A, hungUp);
    expect(c.dialsMse(A)).toBe(true);
    expect(c.dialsMse(B)).toBe(false);
  });

  it('accept dials a peer PEX flagged "prefers encryption" with MSE first (BEP 11 0x01)', () => {
    const c = new MseDialChoice('accept');
    c.preferred(A);
    expect(c.dialsMse(A)).toBe(true);
    expect(c.dialsMse(B)).toBe(false);
  });

  it('keeps dialling MSE while it works, and goes back to plain after a failed MSE dial', () => {
    const c = new MseDialChoice('accept');
    c.preferred(A);
    c.dialEnded(A, worked);
    expect(c.dialsMse(A)).toBe(true);
    c.dialEnded(A, hungUp); // the MSE dial failed: maybe it does not speak MSE at all
    expect(c.dialsMse(A)).toBe(false);
    c.dialEnded(A, worked); // a plain connection that worked changes nothing
    expect(c.dialsMse(A)).toBe(false);
  });

  it('remembers at most `max` endpoints, forgetting the oldest: a PEX flood cannot crowd out a later hang-up', () => {
    const c = new MseDialChoice('accept', 2);
    c.preferred(A);
    c.dialEnded(B, hungUp);
    c.preferred('10.0.0.3:1');
    expect([c.dialsMse(A), c.dialsMse(B), c.dialsMse('10.0.0.3:1')]).toEqual([false, true, true]);
    const flood = new MseDialChoice('accept', 1000);
    for (let i = 0; i < 1000; i++) flood.preferred(`10.1.${i >> 8}.${i & 255}:6881`);
    flood.dialEnded(B, hungUp);
    expect(flood.dialsMse(B)).toBe(true);
  });
});
