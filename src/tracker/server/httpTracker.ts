import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import { parseRawQuery } from './rawQuery.js';
import { parseHttpAnnounce } from './httpAnnounceRequest.js';
import { announceReply, failureReply, scrapeReply } from './httpReply.js';
import type { TrackerService } from './trackerService.js';

/**
 * Answers one HTTP tracker request: `GET /announce` (BEP 3) and `GET /scrape` (BEP 48).
 * Every refusal is a bencoded `failure reason` with status 200, because clients read the body
 * rather than the status. Nothing in a request can make this throw.
 */
export function handleHttpTrackerRequest(service: TrackerService, req: IncomingMessage, res: ServerResponse): void {
  const target = req.url ?? '';
  const from = req.socket.remoteAddress ?? '';
  const send = (status: number, body: Uint8Array | string, type = 'text/plain'): void => {
    res.writeHead(status, { 'Content-Type': type, 'Content-Length': Buffer.byteLength(body) });
    res.end(body);
  };
  const fail = (reason: string): void => send(200, failureReply(service.reject('http', from, reason)));
  if (req.method !== 'GET') return send(405, 'only GET\n');
  if (target.length > service.limits.maxUrlBytes) return fail('request too long');
  const q = target.indexOf('?');
  const path = q < 0 ? target : target.slice(0, q);
  if (path !== '/announce' && path !== '/scrape') return send(404, 'not found\n');
  const query = parseRawQuery(target);
  if (E.isLeft(query)) return fail(query.left);
  if (path === '/scrape') {
    const hashes = query.right.get('info_hash') ?? [];
    if (hashes.length === 0) return fail('scrape requires at least one info_hash');
    if (hashes.length > service.limits.maxScrapeHashes) return fail(`at most ${service.limits.maxScrapeHashes} info_hash per scrape`);
    if (hashes.some((h) => h.length !== 20)) return fail('info_hash must be 20 bytes');
    return send(200, scrapeReply(service.scrape(hashes, 'http')));
  }
  const announce = parseHttpAnnounce(query.right, from, service.limits);
  if (E.isLeft(announce)) return fail(announce.left);
  const outcome = service.announce(announce.right, 'http');
  if (E.isLeft(outcome)) return send(200, failureReply(outcome.left));
  const a = announce.right;
  send(200, announceReply(outcome.right, { intervalS: service.intervalS, minIntervalS: service.minIntervalS }, a.compact, a.noPeerId));
}

/** Starts the HTTP front on `host:port` (0 picks a free port); resolves once listening. */
export function listenHttpTracker(service: TrackerService, host: string, port: number): Promise<Server> {
  const server = createServer({ maxHeaderSize: 16_384 }, (req, res) => {
    try {
      handleHttpTrackerRequest(service, req, res);
    } catch {
      // Defence in depth: a bug must cost one request, not the tracker.
      if (!res.headersSent) res.writeHead(500);
      res.end();
    }
  });
  // Slow or idle clients must not hold sockets forever.
  server.headersTimeout = 10_000;
  server.requestTimeout = 15_000;
  server.keepAliveTimeout = 15_000;
  server.maxConnections = 2_048;
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
