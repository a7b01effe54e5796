import { randomBytes, randomInt } from 'node:crypto';
import { writeUint16, writeUint32 } from '../wire/bytes.js';
import { MAX_PAD, VC_LENGTH } from './mseTypes.js';

/** Where a handshake role draws its secrets and padding from (tests pass fixed ones). */
export interface MseRandom {
  /** The 160-bit DH private key (default: random). */
  readonly privateKey?: Uint8Array;
  /** Length of each pad we send, 0–512 (default: random for PadA/PadB, 0 for PadC/PadD). */
  readonly padLength?: (which: 'PadA' | 'PadB' | 'PadC' | 'PadD') => number;
  /** Pad contents (default: random bytes). */
  readonly bytes?: (n: number) => Uint8Array;
}

/**
 * PadA/PadB hide the handshake's length from traffic shapers; PadC/PadD are only reserved by
 * the spec ("for future extensions"), so by default we send none.
 */
export function padOf(random: MseRandom | undefined, which: 'PadA' | 'PadB' | 'PadC' | 'PadD'): Uint8Array {
  const wanted = random?.padLength?.(which) ?? (which === 'PadA' || which === 'PadB' ? randomInt(MAX_PAD + 1) : 0);
  const n = Math.max(0, Math.min(MAX_PAD, Math.floor(wanted)));
  return random?.bytes?.(n) ?? new Uint8Array(randomBytes(n));
}

export const concatBytes = (parts: readonly Uint8Array[]): Uint8Array => {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
};

/**
 * The clear text of what follows the key exchange in each direction: VC (8 zero bytes), the
 * crypto field (A's crypto_provide or B's crypto_select), len(pad), pad, and from A also
 * len(IA), IA. The caller enciphers it in place.
 */
export function vcBlock(crypto: number, pad: Uint8Array, ia?: Uint8Array): Uint8Array {
  const out = new Uint8Array(VC_LENGTH + 6 + pad.length + (ia === undefined ? 0 : 2 + ia.length));
  writeUint32(out, VC_LENGTH, crypto);
  writeUint16(out, VC_LENGTH + 4, pad.length);
  out.set(pad, VC_LENGTH + 6);
  if (ia !== undefined) {
    writeUint16(out, VC_LENGTH + 6 + pad.length, ia.length);
    out.set(ia, VC_LENGTH + 8 + pad.length);
  }
  return out;
}
