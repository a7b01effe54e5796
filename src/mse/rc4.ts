/**
 * RC4 in plain TypeScript: Node 20's OpenSSL 3 no longer offers `rc4` to `createCipheriv`, and
 * MSE/PE (the Vuze "Message Stream Encryption" spec) still needs it for its RC4 payload mode.
 * One instance is one keystream; encrypting and decrypting are the same XOR.
 */
export class Rc4 {
  private readonly s = new Uint8Array(256);
  private i = 0;
  private j = 0;

  /** Schedules `key` (1–256 bytes). */
  constructor(key: Uint8Array) {
    const s = this.s;
    for (let k = 0; k < 256; k++) s[k] = k;
    let j = 0;
    const n = key.length;
    for (let k = 0; k < 256; k++) {
      const t = s[k]!;
      j = (j + t + key[k % n]!) & 0xff;
      s[k] = s[j]!;
      s[j] = t;
    }
  }

  /** XORs the next `data.length` keystream bytes into `data` itself. */
  processInPlace(data: Uint8Array): void {
    this.processInto(data, data);
  }

  /** Writes `data` XOR keystream into `out` (`out` may be `data`; at least as long). */
  processInto(data: Uint8Array, out: Uint8Array): void {
    const s = this.s;
    let i = this.i;
    let j = this.j;
    const n = data.length;
    for (let k = 0; k < n; k++) {
      i = (i + 1) & 0xff;
      const si = s[i]!;
      j = (j + si) & 0xff;
      const sj = s[j]!;
      s[i] = sj;
      s[j] = si;
      out[k] = data[k]! ^ s[(si + sj) & 0xff]!;
    }
    this.i = i;
    this.j = j;
  }

  /** A new array holding `data` XOR keystream (`data` untouched). */
  process(data: Uint8Array): Uint8Array {
    const out = new Uint8Array(data.length);
    this.processInto(data, out);
    return out;
  }

  /** Drops `n` keystream bytes (MSE drops the first 1024: RC4's early output is biased). */
  discard(n: number): void {
    const chunk = new Uint8Array(Math.min(n, 1024));
    for (let left = n; left > 0; left -= chunk.length) this.processInPlace(chunk.subarray(0, Math.min(left, chunk.length)));
  }
}
