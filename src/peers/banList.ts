/** Most IPs a session remembers as banned; past it the oldest ban is forgotten (memory bound). */
export const MAX_BANS = 65_536;

/** A ban list that may be read (by peer pools and the listener) but not written. */
export interface BanView {
  has(ip: string): boolean;
  /** Why `ip` was banned, if it is. */
  reason(ip: string): string | undefined;
}

/**
 * IPs banned for the whole session, shared by every torrent in it: a peer proven to send bad
 * data for one torrent is refused by all of them, dialled by none, and its incoming
 * connections are closed before their handshake is read. Insertion-ordered and bounded.
 */
export class BanList implements BanView {
  private readonly reasons = new Map<string, string>();
  private readonly listeners = new Set<(ip: string, reason: string) => void>();

  constructor(private readonly max = MAX_BANS) {}

  /** Bans `ip`; returns false when it was already banned (the first reason is kept). */
  ban(ip: string, reason: string): boolean {
    if (this.reasons.has(ip)) return false;
    if (this.reasons.size >= this.max) {
      const oldest = this.reasons.keys().next().value as string;
      this.reasons.delete(oldest);
    }
    this.reasons.set(ip, reason);
    for (const l of [...this.listeners]) l(ip, reason);
    return true;
  }

  /** Calls `listener` for every new ban (e.g. so other torrents close that IP's connections); returns the unsubscribe. */
  onBan(listener: (ip: string, reason: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  has(ip: string): boolean {
    return this.reasons.has(ip);
  }

  reason(ip: string): string | undefined {
    return this.reasons.get(ip);
  }

  get size(): number {
    return this.reasons.size;
  }
}
