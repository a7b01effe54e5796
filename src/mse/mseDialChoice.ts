import type { EncryptionPolicy } from './mseTypes.js';

/** Endpoints remembered for an MSE dial at most (a torrent's pool holds 2000 candidates). */
export const MAX_MSE_ENDPOINTS = 1000;

/** How one dial ended, as far as the choice of handshake cares. */
export interface DialOutcome {
  /** The BitTorrent handshakes were exchanged. */
  readonly handshaked: boolean;
  /** The peer closed the connection (as opposed to a refused or failed connect, or us). */
  readonly remoteClosed: boolean;
}

/**
 * Which handshake a torrent dials each endpoint with. `require` always dials MSE and `off`
 * never does. `accept` dials plain, except an endpoint that
 * - hung up on our plain handshake: it may take only encrypted connections (libtorrent's
 *   in_enc_policy=pe_forced does that), or
 * - a PEX message flagged "prefers encryption" (BEP 11 `added.f` 0x01), as libtorrent dials
 *   such a peer.
 * Such an endpoint is dialled with MSE while that works; after a failed MSE dial it is plain
 * again (it may not speak MSE at all). At most {@link MAX_MSE_ENDPOINTS} are remembered, the
 * oldest forgotten first: PEX floods of flagged addresses cannot fill the set for good and
 * crowd out a peer that hangs up on plain handshakes later.
 *
 * An endpoint stays in the set while its MSE dial runs, so {@link dialEnded} knows the dial
 * was one. Keys are `endpointKey`s.
 */
export class MseDialChoice {
  private readonly mseNext = new Set<string>();

  constructor(
    private readonly policy: EncryptionPolicy,
    private readonly max: number = MAX_MSE_ENDPOINTS,
  ) {}

  /** Whether the next dial of `key` uses the MSE handshake. */
  dialsMse(key: string): boolean {
    return this.policy === 'require' || (this.policy === 'accept' && this.mseNext.has(key));
  }

  /** A PEX message flagged `key` as preferring encryption: dial it with MSE first (under `accept`). */
  preferred(key: string): void {
    if (this.policy === 'accept') this.remember(key);
  }

  /** A dial of `key` is over (under `accept`, what it did decides the next one). */
  dialEnded(key: string, outcome: DialOutcome): void {
    if (this.policy !== 'accept') return;
    if (this.mseNext.has(key)) {
      if (!outcome.handshaked) this.mseNext.delete(key); // MSE failed: plain next time
      return;
    }
    if (!outcome.handshaked && outcome.remoteClosed) this.remember(key);
  }

  private remember(key: string): void {
    this.mseNext.delete(key); // re-added as the newest
    if (this.mseNext.size >= this.max) this.mseNext.delete(this.mseNext.values().next().value as string);
    this.mseNext.add(key);
  }
}
