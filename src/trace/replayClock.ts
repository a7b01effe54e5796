import type { ScheduledEvents } from './xstateInternals.js';

interface Timer {
  readonly id: number;
  readonly due: number;
  readonly fn: () => void;
  /** The scheduled event's type, when known (see `scheduledEvents`). */
  readonly label: string | undefined;
  readonly key: string | undefined;
}

/**
 * A simulated clock for replay, driven by the trace rather than by time alone. Unlike xstate's
 * SimulatedClock, moving time forward does not fire timers: the trace says when a timer fired
 * (a `self` step), and only then is it fired. Real timers fire a little late, so an event that
 * arrived just after a timer's due time but before the timer ran must not be preceded by the
 * timer in replay; the recorded order decides, and the due time is only checked for sanity.
 * Timers due at nearly the same moment (the choker's 10 s rechoke and 30 s rotation meet every
 * 30 s) are told apart by the event they carry, read from xstate's scheduled-event record.
 */
export class ReplayClock {
  private nowMs = 0;
  private nextId = 1;
  private readonly timers = new Map<number, Timer>();
  /** Set once the actor exists, so timers can be labelled with their event type. */
  scheduledEvents: ScheduledEvents | undefined;

  now(): number {
    return this.nowMs;
  }

  setTimeout(fn: (...args: unknown[]) => void, timeout: number): number {
    const id = this.nextId++;
    const { key, label } = this.newestScheduled();
    this.timers.set(id, { id, due: this.nowMs + Math.max(0, timeout), fn: () => fn(), key, label });
    return id;
  }

  clearTimeout(id: unknown): void {
    this.timers.delete(id as number);
  }

  /** xstate records a delayed event just before it sets its timer: the one no timer has yet. */
  private newestScheduled(): { key: string | undefined; label: string | undefined } {
    if (this.scheduledEvents === undefined) return { key: undefined, label: undefined };
    const taken = new Set<string>();
    for (const t of this.timers.values()) if (t.key !== undefined) taken.add(t.key);
    let found: { key: string | undefined; label: string | undefined } = { key: undefined, label: undefined };
    for (const [key, scheduled] of Object.entries(this.scheduledEvents())) {
      if (taken.has(key)) continue;
      const type = scheduled.event?.type;
      found = { key, label: typeof type === 'string' ? type : undefined };
    }
    return found;
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
   * Fires a pending timer with the clock at `at` or at its due time, whichever is later: the
   * earliest one carrying `type` among those due by `at + slackMs`, else the earliest of all
   * (ties: the one set first). Returns false when no timer is pending.
   */
  fireNext(at: number, type?: string, slackMs = 0): boolean {
    let best: Timer | undefined;
    for (const timer of this.timers.values()) {
      if (timer.label !== type || timer.due > at + slackMs) continue;
      if (best === undefined || timer.due < best.due) best = timer;
    }
    if (best === undefined) for (const timer of this.timers.values()) if (best === undefined || timer.due < best.due) best = timer;
    if (best === undefined) return false;
    this.timers.delete(best.id);
    this.advanceTo(Math.max(at, best.due));
    best.fn();
    return true;
  }
}
