import * as E from 'fp-ts/lib/Either.js';

const UNITS: Readonly<Record<string, number>> = {
  '': 1, b: 1, kb: 1e3, mb: 1e6, gb: 1e9, k: 1024, kib: 1024, m: 1024 ** 2, mib: 1024 ** 2, g: 1024 ** 3, gib: 1024 ** 3,
};

/**
 * Reads a size such as `20MB`, `64MiB`, `512k` or `1048576` (bytes) from the command line.
 * Decimal units are powers of 1000, binary ones (and bare `k`/`m`/`g`) powers of 1024.
 */
export function parseByteSize(option: string, text: string): E.Either<string, number> {
  const m = /^(\d+(?:\.\d+)?)\s*([a-z]*)$/i.exec(text.trim());
  const unit = m === null ? undefined : UNITS[m[2]!.toLowerCase()];
  if (m === null || unit === undefined) return E.left(`${option}: "${text}" is not a size (e.g. 20MB, 64MiB, 1048576)`);
  const bytes = Math.floor(Number(m[1]) * unit);
  if (!Number.isSafeInteger(bytes) || bytes < 1) return E.left(`${option}: "${text}" is not a usable size`);
  return E.right(bytes);
}
