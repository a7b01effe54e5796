import { createHash, randomBytes } from 'node:crypto';
import { Rc4 } from './rc4.js';

/**
 * Key exchange and key derivation of Message Stream Encryption (MSE/PE, the Vuze spec also
 * documented by libtorrent): 768-bit Diffie-Hellman with generator 2, SHA-1 for every HASH.
 * Pure computation (BigInt modular arithmetic, node:crypto's SHA-1): no sockets, no files.
 *
 * Why BigInt and not `createDiffieHellman`: Node checks the prime for primality each time one
 * is created (about 30 ms of CPU per connection here), while two 160-bit-exponent modpows take
 * well under a millisecond. Not constant-time, which MSE does not need: it is obfuscation
 * against traffic shaping with a 768-bit group, not a defence against a local attacker.
 */

/** The spec's 768-bit prime P (big-endian). */
export const MSE_PRIME = Buffer.from(
  'FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD129024E088A67CC74020BBEA63B139B22514A08798E3404DDEF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245E485B576625E7EC6F44C42E9A63A36210000000000090563',
  'hex',
);
export const MSE_GENERATOR = 2;
/** Ya, Yb and S are sent and hashed as 96-byte big-endian numbers. */
export const DH_KEY_LENGTH = 96;
/** RC4 keystream bytes both sides drop before use. */
export const RC4_DISCARD = 1024;
/** Private exponents: the spec asks for at least 128 bits; 160 as libtorrent and Vuze use. */
export const PRIVATE_KEY_LENGTH = 20;

/** Our half of the exchange. */
export interface DhKeyPair {
  /** Y = G^X mod P, 96 bytes. */
  readonly publicKey: Uint8Array;
  /** S = Y_remote^X mod P, 96 bytes; undefined when the remote key is out of range (0, 1, P-1, ≥ P). */
  secret(remotePublic: Uint8Array): Uint8Array | undefined;
}

const toBig = (b: Uint8Array): bigint => (b.length === 0 ? 0n : BigInt('0x' + Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex')));
const toBytes = (v: bigint): Uint8Array => new Uint8Array(Buffer.from(v.toString(16).padStart(DH_KEY_LENGTH * 2, '0'), 'hex'));
const P = toBig(MSE_PRIME);

const modPow = (base: bigint, exp: bigint): bigint => {
  let r = 1n;
  let b = base % P;
  for (let e = exp; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
  }
  return r;
};

/** A key pair from `privateKey` (default: 160 random bits). */
export function dhKeyPair(privateKey: Uint8Array = randomBytes(PRIVATE_KEY_LENGTH)): DhKeyPair {
  const x = toBig(privateKey);
  return {
    publicKey: toBytes(modPow(BigInt(MSE_GENERATOR), x)),
    secret: (remote) => {
      if (remote.length !== DH_KEY_LENGTH) return undefined;
      const y = toBig(remote);
      // 0, 1 and P-1 give a guessable S; P and above are no residue at all
      if (y <= 1n || y >= P - 1n) return undefined;
      return toBytes(modPow(y, x));
    },
  };
}

/** SHA-1 over the parts in order (the spec's HASH(a, b, ...)). */
export function mseHash(...parts: (string | Uint8Array)[]): Uint8Array {
  const h = createHash('sha1');
  for (const p of parts) h.update(typeof p === 'string' ? Buffer.from(p, 'latin1') : p);
  return new Uint8Array(h.digest());
}

/** HASH('req1', S): what the responder synchronises on after Ya and PadA. */
export const req1Hash = (s: Uint8Array): Uint8Array => mseHash('req1', s);

/** HASH('req2', SKEY) xor HASH('req3', S): names the torrent without showing its info hash. */
export function skeyMask(infoHash: Uint8Array, s: Uint8Array): Uint8Array {
  const out = mseHash('req2', infoHash);
  const r3 = mseHash('req3', s);
  for (let i = 0; i < out.length; i++) out[i]! ^= r3[i]!;
  return out;
}

/** HASH('req2', SKEY) for a known info hash: the responder xors the mask with HASH('req3', S) and compares. */
export const req2Hash = (infoHash: Uint8Array): Uint8Array => mseHash('req2', infoHash);
export const req3Hash = (s: Uint8Array): Uint8Array => mseHash('req3', s);

/** The two RC4 keystreams of a connection, first 1024 bytes already dropped. */
export interface MseCiphers {
  /** What the initiator (A) encrypts with: HASH('keyA', S, SKEY). */
  readonly a: Rc4;
  /** What the responder (B) encrypts with: HASH('keyB', S, SKEY). */
  readonly b: Rc4;
}

/** Derives both keystreams from S and the torrent's info hash (SKEY). */
export function mseCiphers(s: Uint8Array, infoHash: Uint8Array): MseCiphers {
  const a = new Rc4(mseHash('keyA', s, infoHash));
  const b = new Rc4(mseHash('keyB', s, infoHash));
  a.discard(RC4_DISCARD);
  b.discard(RC4_DISCARD);
  return { a, b };
}
