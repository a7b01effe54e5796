import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import * as E from 'fp-ts/lib/Either.js';
import type { TraceTimeline } from '../../trace/traceTimeline.js';
import type { InspectorSource } from '../inspectorSource.js';
import { decideAccess, newInspectorToken } from './inspectorAccess.js';
import { diagramSvg, pageBuilt, pageScript } from './inspectorAssets.js';
import { inspectorPage } from './inspectorPage.js';
import { LiveFeed } from './liveFeed.js';

/** What the inspector shows: the torrents of a running session, or one recorded trace. */
export type InspectorContent =
  | { readonly kind: 'live'; readonly title: string; readonly sources: () => readonly InspectorSource[] }
  | { readonly kind: 'trace'; readonly title: string; readonly timeline: TraceTimeline };

/** How to serve it. */
export interface InspectorServerOptions {
  /** TCP port on 127.0.0.1 (default 0: any free port). */
  readonly port?: number;
  /** The URL token (default: 256 fresh random bits). */
  readonly token?: string;
}

/** A running inspector. */
export interface InspectorServer {
  /** Open this in a browser: `http://127.0.0.1:PORT/TOKEN/`. Anyone with it can watch (read-only). */
  readonly url: string;
  readonly port: number;
  /** Pages connected now. */
  readonly viewers: number;
  /** Stops serving and ends every page's feed. */
  close(): Promise<void>;
}

const HEADERS = {
  'Cache-Control': 'no-store',
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Content-Security-Policy': "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'",
};

/**
 * Serves the inspector on 127.0.0.1 only: the page, its scripts, the generated diagrams and a
 * read-only data feed (Server-Sent Events for a live session, one JSON timeline for a trace),
 * all under an unguessable token. Requests from outside loopback, with a foreign Host header, or
 * without the token get an empty 403/404; nothing accepts a body or changes anything.
 */
export function startInspectorServer(content: InspectorContent, options: InspectorServerOptions = {}): Promise<E.Either<string, InspectorServer>> {
  if (!pageBuilt()) return Promise.resolve(E.left('the inspector page is not built (run npm run build)'));
  const token = options.token ?? newInspectorToken();
  const feeds = new Set<LiveFeed>();
  const open = new Set<ServerResponse>();

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const access = decideAccess({ remoteAddress: req.socket.remoteAddress, method: req.method, url: req.url, host: req.headers.host }, token);
    if (!access.ok) {
      res.writeHead(access.status, { ...HEADERS, 'Content-Length': '0' }).end();
      return;
    }
    const path = access.path;
    const reply = (type: string, body: string | Buffer | undefined): void => {
      if (body === undefined) {
        res.writeHead(404, { ...HEADERS, 'Content-Length': '0' }).end();
        return;
      }
      res.writeHead(200, { ...HEADERS, 'Content-Type': type, 'Content-Length': String(Buffer.byteLength(body)) }).end(req.method === 'HEAD' ? undefined : body);
    };
    if (path === '/') return reply('text/html; charset=utf-8', inspectorPage(content.kind, content.title));
    if (path.startsWith('/app/')) return reply('text/javascript; charset=utf-8', await pageScript(path.slice(5)));
    if (path.startsWith('/diagrams/')) return reply('image/svg+xml', await diagramSvg(path.slice(10)));
    if (content.kind === 'trace' && path === '/timeline.json') return reply('application/json', JSON.stringify(content.timeline));
    if (content.kind === 'live' && path === '/events') {
      res.writeHead(200, { ...HEADERS, 'Content-Type': 'text/event-stream', Connection: 'keep-alive' });
      res.flushHeaders();
      open.add(res);
      const feed = new LiveFeed(content.sources, {
        write: (text) => res.write(text),
        get unsent() {
          return res.writableLength;
        },
      });
      feeds.add(feed);
      res.on('close', () => {
        feed.close();
        feeds.delete(feed);
        open.delete(res);
      });
      return;
    }
    reply('text/plain', undefined);
  };

  const server = createServer((req, res) => {
    handle(req, res).catch(() => {
      if (!res.headersSent) res.writeHead(500, { ...HEADERS, 'Content-Length': '0' });
      res.end();
    });
  });
  return new Promise((resolve) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      resolve(E.left(err.code === 'EADDRINUSE' ? `inspector port ${options.port} is already in use (choose another with --inspect=PORT)` : `cannot serve the inspector: ${err.message}`)),
    );
    // loopback only: never reachable from another machine, whatever the firewall says
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      const addr = server.address();
      const port = typeof addr === 'object' && addr !== null ? addr.port : (options.port ?? 0);
      resolve(
        E.right({
          url: `http://127.0.0.1:${port}/${token}/`,
          port,
          get viewers() {
            return feeds.size;
          },
          close: () =>
            new Promise<void>((done) => {
              for (const f of feeds) f.close();
              feeds.clear();
              for (const r of open) r.end();
              server.close(() => done());
              server.closeAllConnections();
            }),
        }),
      );
    });
  });
}
