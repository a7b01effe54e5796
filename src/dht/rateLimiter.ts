/**
 * Per-source-IP token buckets for incoming queries: each IP may send `burst` queries at once
 * and `perSecond` on average; more are dropped without a reply, so one host cannot make us
 * spend CPU or bandwidth on it. The table of IPs is bounded: when full, idle entries are swept
 * and, if still full, new IPs share one overflow bucket. Time is passed in (ms).
 */

/** Tunables. */
export interface RateLimiterOptions {
  readonly perSecond: number;
  readonly burst: number;
  /** Most source IPs tracked at once (default 10,000). */
  readonly maxSources: number;
}

const DEFAULTS: RateLimiterOptions = { perSecond: 50, burst: 100, maxSources: 10_000 };
const OVERFLOW = '\u0000overflow';

interface Bucket {
  tokens: number;
  at: number;
}

/** Token buckets by source IP. */
export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  readonly options: RateLimiterOptions;

  constructor(options: Partial<RateLimiterOptions> = {}) {
    this.options = { ...DEFAULTS, ...options };
  }

  /** Source IPs tracked now. */
  get sources(): number {
    return this.buckets.size;
  }

  /** Takes one token for `ip` at `now`; false means drop the query. */
  allow(ip: string, now: number): boolean {
    let key = ip;
    let b = this.buckets.get(key);
    if (b === undefined) {
      if (this.buckets.size >= this.options.maxSources) this.sweep(now);
      if (this.buckets.size >= this.options.maxSources) key = OVERFLOW;
      b = this.buckets.get(key);
      if (b === undefined) {
        b = { tokens: this.options.burst, at: now };
        this.buckets.set(key, b);
      }
    }
    b.tokens = Math.min(this.options.burst, b.tokens + ((now - b.at) / 1000) * this.options.perSecond);
    b.at = now;
    if (b.tokens < 1) return false;
    b.tokens -= 1;
    return true;
  }

  /** Forgets IPs whose bucket has refilled (they are indistinguishable from new ones). */
  sweep(now: number): void {
    for (const [ip, b] of this.buckets) {
      if (b.tokens + ((now - b.at) / 1000) * this.options.perSecond >= this.options.burst) this.buckets.delete(ip);
    }
  }
}
