/**
 * BEP 11 `added.f` / `added6.f`: one flags byte per added peer. BEP 11 defines 0x01 to 0x10 and
 * reserves the other bits, so a received byte is kept as sent and only the bits below are ever
 * read: unknown bits from newer clients are ignored, never an error.
 */
export const PexFlags = {
  /**
   * "Prefers encryption" (BEP 11, after the extended handshake's `e`). libtorrent sets it for a
   * connection that used the MSE handshake (`supports_encryption()`, plaintext or RC4 payload)
   * and dials such a peer with MSE first; we do both the same way.
   */
  prefersEncryption: 0x01,
  /** Seed / upload-only. */
  seed: 0x02,
  supportsUtp: 0x04,
  supportsHolepunch: 0x08,
  /** An outgoing connection: we dialled it, so it accepts incoming connections. */
  reachable: 0x10,
} as const;

/** What we know of one of our connections that the flags of its PEX entry say. */
export interface PexPeerFacts {
  /** We dialled it (its endpoint is where it listens). */
  readonly outgoing: boolean;
  /** It has every piece. */
  readonly seed: boolean;
  /** Its connection with us used the MSE handshake (plaintext or RC4 payload). */
  readonly encrypted: boolean;
}

/** The flags byte we advertise for one of our connections (BEP 11). */
export function pexFlagsOf(p: PexPeerFacts): number {
  return (p.outgoing ? PexFlags.reachable : 0) | (p.seed ? PexFlags.seed : 0) | (p.encrypted ? PexFlags.prefersEncryption : 0);
}

/** Whether a received flags byte says the peer prefers encryption (BEP 11 bit 0x01; other bits ignored). */
export const prefersEncryption = (flags: number): boolean => (flags & PexFlags.prefersEncryption) !== 0;
