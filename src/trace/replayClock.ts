
interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
}

/**
 * A simulated clock for replay, driven by the trace rather than by time alone. Unlike xstate's
 * SimulatedClock, moving time forward does not fire timers: the trace says when a timer fired
 * (a `self` step), and only then is it fired. Real timers fire a little late, so an event that
 * arrived just after a timer's due time but before the timer ran must not be preceded by the
 * timer in replay; the recorded order decides, and the due time is only checked for sanity.
 */
export class ReplayClock {
  private nowMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = this.nextId++;
    this.timers.set(id, { id, due: this.nowMs + Math.max(0, timeout), fn: () => fn() });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.timers.delete(id as number);
  }

  /** Moves time forward (never back) without firing anything. */
  advanceTo(t: number): void {
    if (t > this.nowMs) this.nowMs = t;
  }

  /** The earliest pending timer's due time, if any. */
  nextDue(): number | undefined {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) if (best === undefined || timer.due < best.due) best = timer;
    return best?.due;
  }

  /**
   * Fires the earliest pending timer (ties: the one set first), with the clock at `at` or at
   * the due time, whichever is later. Returns false when no timer is pending.
   */
  fireNext(at: number): boolean {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) if (best === undefined || timer.due < best.due) best = timer;
    if (best === undefined) return false;
    this.timers.delete(best.id);
    this.advanceTo(Math.max(at, best.due));
    best.fn();
    return true;
  }
}
