import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * Stateless BEP 15 connection ids: the first 8 bytes of HMAC-SHA1(secret, window | ip | port),
 * where `window` is the current minute. An id is accepted in its own window and the next, so it
 * lives between one and two minutes (BEP 15: clients may use an id for a minute, servers accept it
 * for two). Without the secret an id cannot be guessed for another address (spoofed-source
 * announces need a round trip the spoofer cannot see), and no per-client state is kept.
 */
export class ConnectionIds {
  private readonly secret: Uint8Array;
  private readonly now: () => number;
  private readonly windowMs: number;

  constructor(options: { readonly secret?: Uint8Array; readonly now?: () => number; readonly windowMs?: number } = {}) {
    this.secret = options.secret ?? randomBytes(32);
    this.now = options.now ?? Date.now;
    this.windowMs = options.windowMs ?? 60_000;
  }

  /** A fresh id for the client at `ip:port`. */
  issue(ip: string, port: number): Buffer {
    return this.mac(this.window(), ip, port);
  }

  /** True when `id` was issued to `ip:port` in this window or the previous one. */
  verify(id: Uint8Array, ip: string, port: number): boolean {
    if (id.length !== 8) return false;
    const w = this.window();
    return timingSafeEqual(id, this.mac(w, ip, port)) || timingSafeEqual(id, this.mac(w - 1, ip, port));
  }

  private window(): number {
    return Math.floor(this.now() / this.windowMs);
  }

  private mac(window: number, ip: string, port: number): Buffer {
    return createHmac('sha1', this.secret).update(`${window}|${ip}|${port}`).digest().subarray(0, 8);
  }
}
