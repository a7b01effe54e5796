/**
 * Bytes per second over a sliding window of one-second buckets in a typed array: O(1) per
 * add (it runs once per 16 KiB block), no allocation, and smooth enough for choking decisions
 * and progress display.
 */
export class RateMeter {
  private readonly buckets: Float64Array;
  private head = 0; // bucket index of `headSecond`
  private headSecond = -1;
  private totalBytes = 0;

  /** @param windowSeconds buckets kept (default 5). */
  constructor(private readonly windowSeconds = 5) {
    this.buckets = new Float64Array(windowSeconds);
  }

  /** Counts `bytes` at time `nowMs`. */
  add(bytes: number, nowMs: number): void {
    this.advance(Math.floor(nowMs / 1000));
    this.buckets[this.head] = this.buckets[this.head]! + bytes;
    this.totalBytes += bytes;
  }

  /** Mean rate over the window's complete seconds plus the current one, in bytes/s. */
  rate(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    this.advance(second);
    let sum = 0;
    for (let i = 0; i < this.windowSeconds; i++) sum += this.buckets[i]!;
    const fraction = (nowMs % 1000) / 1000;
    const span = this.windowSeconds - 1 + Math.max(fraction, 0.001);
    return sum / span;
  }

  /** Every byte ever counted. */
  get total(): number {
    return this.totalBytes;
  }

  private advance(second: number): void {
    if (this.headSecond < 0) {
      this.headSecond = second;
      return;
    }
    const steps = second - this.headSecond;
    if (steps <= 0) return;
    if (steps >= this.windowSeconds) this.buckets.fill(0);
    else {
      for (let i = 1; i <= steps; i++) this.buckets[(this.head + i) % this.windowSeconds] = 0;
    }
    this.head = (this.head + steps) % this.windowSeconds;
    this.headSecond = second;
  }
}
