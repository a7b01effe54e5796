import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type Server } from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import * as E from 'fp-ts/lib/Either.js';
import { loadMetainfo, type LoadError } from '../../src/metainfo/index.js';
import { singleInfo, torrent } from './torrentFixtures.js';

let dir: string;
let server: Server;
let base: string;
const good = torrent(singleInfo());

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-load-'));
  await writeFile(join(dir, 'good.torrent'), good);
  await writeFile(join(dir, 'bad.torrent'), 'not bencode');
  server = createServer((req, res) => {
    const url = req.url ?? '/';
    if (url === '/good.torrent') return res.end(Buffer.from(good));
    if (url === '/redirect') return res.writeHead(302, { location: '/good.torrent' }).end();
    if (url.startsWith('/loop')) return res.writeHead(301, { location: `/loop${url.length}` }).end();
    if (url === '/huge') {
      // No Content-Length: the cap must be enforced while streaming.
      res.writeHead(200);
      const chunk = Buffer.alloc(64 * 1024);
      let sent = 0;
      const pump = (): void => {
        while (sent < 1024 * 1024 && res.write(chunk)) sent += chunk.length;
        if (sent < 1024 * 1024) res.once('drain', pump);
        else res.end();
      };
      pump();
      return;
    }
    if (url === '/slow') return void res.writeHead(200).write('d'); // never ends
    res.writeHead(404).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((r) => server.close(r));
  await rm(dir, { recursive: true, force: true });
});

const fails = async (source: string, tag: LoadError['_tag'], code: string, message: RegExp, limits = {}): Promise<void> => {
  const r = await loadMetainfo(source, limits)();
  if (E.isRight(r)) throw new Error('loaded');
  expect(r.left._tag).toBe(tag);
  expect(r.left.code).toBe(code);
  expect(r.left.message).toMatch(message);
  expect(r.left.message).not.toContain('\n');
};

describe('loadMetainfo', () => {
  it('loads a local file and a URL, following a redirect', async () => {
    for (const source of [join(dir, 'good.torrent'), `${base}/good.torrent`, `${base}/redirect`]) {
      const r = await loadMetainfo(source)();
      if (E.isLeft(r)) throw new Error(r.left.message);
      expect(r.right.name).toBe('file.bin');
    }
  });

  it('fails with tagged one-line errors', async () => {
    await fails(join(dir, 'missing.torrent'), 'SourceError', 'not-found', /missing.torrent: no such file/);
    await fails(dir, 'SourceError', 'read-failed', /not a regular file/);
    await fails(join(dir, 'good.torrent'), 'SourceError', 'too-large', /more than the 10-byte limit/, { maxBytes: 10 });
    await fails(join(dir, 'bad.torrent'), 'MetainfoError', 'bencode', /invalid torrent: not bencode/);
    await fails(`${base}/nothing`, 'SourceError', 'http-status', /HTTP 404/);
    await fails(`${base}/loop`, 'SourceError', 'too-many-redirects', /more than 3 redirects/, { maxRedirects: 3 });
    await fails(`${base}/huge`, 'SourceError', 'too-large', /more than the 100000-byte limit/, { maxBytes: 100_000 });
    await fails(`${base}/slow`, 'SourceError', 'timeout', /within 300 ms/, { timeoutMs: 300 });
  });
});
