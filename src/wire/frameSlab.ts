/** Slab size: thousands of small headers per allocation. */
const SLAB_BYTES = 64 * 1024;

let slab = new ArrayBuffer(SLAB_BYTES);
let used = 0;

/**
 * A fresh, uninitialised view of `n` bytes (the caller writes every byte) for a small frame or
 * frame header. Carved from a shared off-heap slab because a lone `new Uint8Array(17)` lives
 * on the JS heap and is copied out the moment a socket write asks for its `.buffer`: one small
 * allocation plus one copy per request sent, tens of thousands per GiB downloaded. Views
 * never overlap; a full slab is left to the GC once its views are gone.
 */
export function slabBytes(n: number): Uint8Array {
  if (n > SLAB_BYTES / 8) return new Uint8Array(n);
  if (used + n > SLAB_BYTES) {
    slab = new ArrayBuffer(SLAB_BYTES);
    used = 0;
  }
  const out = new Uint8Array(slab, used, n);
  used += n;
  return out;
}
