import { describe, expect, it } from 'vitest';
import { ReplayClock } from '../../src/trace/replayClock.js';

describe('ReplayClock', () => {
  it('moves time without firing; fires only when asked, earliest first', () => {
    const clock = new ReplayClock();
    const fired: string[] = [];
    clock.setTimeout(() => fired.push('b'), 200);
    clock.setTimeout(() => fired.push('a'), 100);
    clock.advanceTo(1_000);
    expect(fired).toEqual([]);
    expect(clock.nextDue()).toBe(100);
    expect(clock.fireNext(1_000)).toBe(true);
    expect(fired).toEqual(['a']);
    expect(clock.now()).toBe(1_000);
    clock.advanceTo(500); // never backwards
    expect(clock.now()).toBe(1_000);
  });

  it('starts a fired timer at its recorded moment, so timers it sets run from there', () => {
    const clock = new ReplayClock();
    const at: number[] = [];
    const tick = (): void => {
      at.push(clock.now());
      clock.setTimeout(tick, 10_000);
    };
    clock.setTimeout(tick, 10_000);
    clock.fireNext(10_004); // the real timer ran 4 ms late
    expect(clock.nextDue()).toBe(20_004);
    expect(at).toEqual([10_004]);
  });

  it('cancelled timers never fire', () => {
    const clock = new ReplayClock();
    const id = clock.setTimeout(() => {
      throw new Error('cancelled timer fired');
    }, 10);
    clock.clearTimeout(id);
    expect(clock.fireNext(100)).toBe(false);
  });

  it('tells timers due together apart by the event they carry', () => {
    const clock = new ReplayClock();
    const scheduled: Record<string, { event: { type: string } }> = {};
    clock.scheduledEvents = () => scheduled;
    const fired: string[] = [];
    scheduled['x.optimistic'] = { event: { type: 'xstate.after.optimisticInterval' } };
    clock.setTimeout(() => fired.push('optimistic'), 30_000);
    clock.advanceTo(20_000);
    scheduled['x.rechoke'] = { event: { type: 'xstate.after.rechokeInterval' } };
    clock.setTimeout(() => fired.push('rechoke'), 10_000);
    // both are due at 30 000; the recording says the rechoke ran first
    expect(clock.fireNext(30_001, 'xstate.after.rechokeInterval', 250)).toBe(true);
    expect(fired).toEqual(['rechoke']);
    // an unknown type falls back to the earliest
    expect(clock.fireNext(30_002, 'SOMETHING_ELSE', 250)).toBe(true);
    expect(fired).toEqual(['rechoke', 'optimistic']);
  });
});
