import type { Rc4 } from './rc4.js';

/**
 * Limits and vocabulary of MSE/PE shared by both roles (Vuze's "Message Stream Encryption"
 * spec; libtorrent documents the same).
 */

/** The spec's upper bound on PadA, PadB, PadC and PadD. */
export const MAX_PAD = 512;
/** Verification constant: 8 zero bytes, sent encrypted. */
export const VC_LENGTH = 8;
/** crypto_provide / crypto_select bits. */
export const CRYPTO_PLAINTEXT = 0x01;
export const CRYPTO_RC4 = 0x02;
/**
 * Most initial payload (IA) we take: a BitTorrent handshake is 68 bytes; clients may add a few
 * first messages. The field allows 65535; more than this is refused as abuse.
 */
export const MAX_IA = 8192;
/** The responder finds HASH('req1', S) within this many bytes from the stream start (Ya 96 + PadA 512 + 20). */
export const REQ1_SYNC_LIMIT = 96 + MAX_PAD + 20;
/** The initiator finds ENCRYPT(VC) within this many bytes from the start of Yb (96 + PadB 512 + 8). */
export const VC_SYNC_LIMIT = 96 + MAX_PAD + VC_LENGTH;

/** How the payload is carried after the handshake. */
export type MseCrypto = 'plaintext' | 'rc4';

/**
 * A connection's negotiated encryption, as peers are described: `none` (a plain BitTorrent
 * handshake), `mse-plaintext` (MSE handshake, payload in the clear), `mse-rc4` (payload RC4).
 */
export type PeerEncryption = 'none' | 'mse-plaintext' | 'mse-rc4';

/**
 * Which connections a session makes and takes:
 * - `accept` ({@link DEFAULT_ENCRYPTION_POLICY}): takes plaintext and MSE; from an MSE peer it
 *   selects plaintext payload when offered (speed), else RC4; dials plaintext, except peers that
 *   hung up on a plain handshake or that PEX flagged as preferring encryption (see MseDialChoice).
 * - `require`: MSE only, both ways, RC4 payload only.
 * - `off`: plaintext only; MSE connections are refused.
 */
export type EncryptionPolicy = 'accept' | 'require' | 'off';

export const ENCRYPTION_POLICIES: readonly EncryptionPolicy[] = ['accept', 'require', 'off'];

/**
 * The policy when none is given (session, torrent peers, CLI): `accept` shuts out neither
 * plain-only nor MSE-only peers, and keeps the payload in the clear where the peer allows.
 */
export const DEFAULT_ENCRYPTION_POLICY: EncryptionPolicy = 'accept';

/** A finished MSE handshake. */
export interface MseEstablished {
  readonly crypto: MseCrypto;
  /** The torrent the connection is for (SKEY). */
  readonly infoHash: Uint8Array;
  /** Decrypts what the peer sends from here on (RC4 only; absent for plaintext). */
  readonly decrypt?: Rc4;
  /** Encrypts what we send from here on (RC4 only). */
  readonly encrypt?: Rc4;
  /**
   * Payload bytes already received past the handshake, in the clear: the peer's initial payload
   * (IA, responder only) and whatever followed it in the same reads.
   */
  readonly payload: Uint8Array;
}

/** What went wrong in an MSE handshake, as a value. */
export type MseError =
  | { readonly tag: 'noReq1Sync' }
  | { readonly tag: 'noVcSync' }
  | { readonly tag: 'badPublicKey' }
  | { readonly tag: 'unknownTorrent' }
  | { readonly tag: 'badVc' }
  | { readonly tag: 'padTooLong'; readonly which: 'PadC' | 'PadD'; readonly length: number }
  | { readonly tag: 'iaTooLong'; readonly length: number }
  | { readonly tag: 'noCommonCrypto'; readonly offered: number }
  | { readonly tag: 'badSelect'; readonly selected: number }
  | { readonly tag: 'truncated' };

/** One line for a person. */
export function describeMseError(e: MseError): string {
  switch (e.tag) {
    case 'noReq1Sync':
      return 'encrypted handshake: no HASH(req1, S) within 628 bytes (not MSE, or a broken peer)';
    case 'noVcSync':
      return 'encrypted handshake: no verification constant within 616 bytes of the reply (peer does not speak MSE)';
    case 'badPublicKey':
      return 'encrypted handshake: the peer sent a degenerate Diffie-Hellman key';
    case 'unknownTorrent':
      return 'encrypted handshake: for a torrent we do not serve';
    case 'badVc':
      return 'encrypted handshake: wrong verification constant (keys differ)';
    case 'padTooLong':
      return `encrypted handshake: ${e.which} of ${e.length} bytes (at most ${MAX_PAD})`;
    case 'iaTooLong':
      return `encrypted handshake: initial payload of ${e.length} bytes (at most ${MAX_IA})`;
    case 'noCommonCrypto':
      return `encrypted handshake: the peer offers crypto ${e.offered} and we take none of it (check --encryption)`;
    case 'badSelect':
      return `encrypted handshake: the peer selected crypto ${e.selected}, which we did not offer`;
    case 'truncated':
      return 'encrypted handshake: connection closed before it finished';
  }
}
