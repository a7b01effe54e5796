import * as http from 'node:http';
import * as https from 'node:https';
import * as E from 'fp-ts/lib/Either.js';
import type * as TE from 'fp-ts/lib/TaskEither.js';
import { sourceError, type SourceError } from './errors.js';
import { MAX_TORRENT_BYTES } from './limits.js';

/** Bounds for fetching a .torrent over HTTP(S). */
export interface FetchLimits {
  /** Largest body accepted (default {@link MAX_TORRENT_BYTES}). */
  readonly maxBytes?: number;
  /** Whole-fetch deadline in milliseconds, redirects included (default 30 s). */
  readonly timeoutMs?: number;
  /** Most redirects followed (default 5). */
  readonly maxRedirects?: number;
}

/**
 * Fetches a .torrent from an http:// or https:// URL with a size cap, a deadline and a bounded
 * number of redirects. The size is checked while streaming, so a lying or missing
 * Content-Length cannot make us buffer more than the cap.
 */
export function fetchTorrentBytes(url: string, limits: FetchLimits = {}): TE.TaskEither<SourceError, Uint8Array> {
  const maxBytes = limits.maxBytes ?? MAX_TORRENT_BYTES;
  const timeoutMs = limits.timeoutMs ?? 30_000;
  const maxRedirects = limits.maxRedirects ?? 5;
  return () =>
    new Promise((resolve) => {
      let settled = false;
      let current: http.ClientRequest | undefined;
      const finish = (r: E.Either<SourceError, Uint8Array>): void => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        current?.destroy();
        resolve(r);
      };
      const timer = setTimeout(() => finish(E.left(sourceError('timeout', `${url}: no complete answer within ${timeoutMs} ms`))), timeoutMs);

      const get = (target: string, redirectsLeft: number): void => {
        let parsed: URL;
        try {
          parsed = new URL(target);
        } catch {
          return finish(E.left(sourceError('bad-url', `${target}: not a valid URL`)));
        }
        if (parsed.protocol !== 'http:' && parsed.protocol !== 'https:') {
          return finish(E.left(sourceError('bad-url', `${target}: only http:// and https:// URLs can be fetched`)));
        }
        const client = parsed.protocol === 'https:' ? https : http;
        const req = client.get(parsed, (res) => {
          const status = res.statusCode ?? 0;
          if (status >= 300 && status < 400 && res.headers.location !== undefined) {
            res.resume();
            if (redirectsLeft <= 0) return finish(E.left(sourceError('too-many-redirects', `${url}: more than ${maxRedirects} redirects`)));
            let next: string;
            try {
              next = new URL(res.headers.location, parsed).toString();
            } catch {
              return finish(E.left(sourceError('bad-url', `${url}: redirect to an invalid URL`)));
            }
            return get(next, redirectsLeft - 1);
          }
          if (status !== 200) {
            res.resume();
            return finish(E.left(sourceError('http-status', `${target}: HTTP ${status} ${res.statusMessage ?? ''}`.trimEnd())));
          }
          const declared = Number(res.headers['content-length'] ?? NaN);
          if (Number.isFinite(declared) && declared > maxBytes) {
            return finish(E.left(sourceError('too-large', `${target}: ${declared} bytes is more than the ${maxBytes}-byte limit`)));
          }
          const chunks: Buffer[] = [];
          let size = 0;
          res.on('data', (chunk: Buffer) => {
            size += chunk.length;
            if (size > maxBytes) return finish(E.left(sourceError('too-large', `${target}: more than the ${maxBytes}-byte limit`)));
            chunks.push(chunk);
          });
          res.on('end', () => finish(E.right(new Uint8Array(Buffer.concat(chunks)))));
          res.on('error', (e) => finish(E.left(sourceError('network', `${target}: ${e.message}`))));
        });
        current = req;
        req.on('error', (e) => finish(E.left(sourceError('network', `${target}: ${e.message}`))));
      };
      get(url, maxRedirects);
    });
}
