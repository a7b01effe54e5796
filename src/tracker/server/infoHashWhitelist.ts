import * as E from 'fp-ts/lib/Either.js';

/**
 * Reads a whitelist file: one info hash per line as 40 hex digits (the format opentracker uses),
 * blank lines and `#` comments ignored. Returns the hashes as lowercase hex, or a one-line
 * reason naming the first bad line.
 */
export function parseWhitelist(text: string): E.Either<string, ReadonlySet<string>> {
  const out = new Set<string>();
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = (lines[i] ?? '').replace(/#.*/, '').trim();
    if (line === '') continue;
    if (!/^[0-9a-fA-F]{40}$/.test(line)) return E.left(`whitelist line ${i + 1}: expected a 40-hex-digit info hash`);
    out.add(line.toLowerCase());
  }
  return E.right(out);
}
