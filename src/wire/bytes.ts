/**
 * Big-endian (network order) integers read from and written into a `Uint8Array` at an offset.
 *
 * Why one module: the peer wire (BEP 3), MSE (its VC/crypto/pad fields) and lt_donthave all
 * need the same four helpers, and each had its own copy. Why plain index arithmetic rather than
 * a `DataView`: these run for every block request and every `piece` frame, and a `DataView` is
 * one allocation per call that also forces a small on-heap typed array's bytes off the JS heap
 * (see frameSlab.ts). Plain functions with no closure or allocation, small enough to inline.
 *
 * Callers check bounds: bytes past the end read as 0 and writes past it are dropped, no error.
 */

/** Unsigned 16-bit big-endian integer at `at` in `b`. */
export const readUint16 = (b: Uint8Array, at: number): number => (b[at]! << 8) | b[at + 1]!;

/** Unsigned 32-bit big-endian integer at `at` in `b` (0 to 2^32 - 1). */
export const readUint32 = (b: Uint8Array, at: number): number =>
  ((b[at]! << 24) | (b[at + 1]! << 16) | (b[at + 2]! << 8) | b[at + 3]!) >>> 0;

/** Writes the low 16 bits of `v` big-endian at `at` in `b`. */
export const writeUint16 = (b: Uint8Array, at: number, v: number): void => {
  b[at] = v >>> 8;
  b[at + 1] = v;
};

/**
 * Writes `v` as an unsigned 32-bit big-endian integer at `at` in `b` (modulo 2^32, as
 * `DataView.setUint32` would; a `Uint8Array` store keeps the low 8 bits of each shift).
 */
export const writeUint32 = (b: Uint8Array, at: number, v: number): void => {
  b[at] = v >>> 24;
  b[at + 1] = v >>> 16;
  b[at + 2] = v >>> 8;
  b[at + 3] = v;
};
