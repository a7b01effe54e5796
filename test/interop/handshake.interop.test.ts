import { execFile } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeWithSpans, type BValue } from '../../src/bencode/index.js';
import { bitfieldLength, emptyReserved, generatePeerId, ourReserved, setExtensionProtocol } from '../../src/wire/index.js';
import { connectPeer, type PeerProbe } from '../../streams/connectPeer.js';
import { startPeerLink } from '../../streams/peerLink.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { startTransmissionSeeder } from '../support/transmissionPeer.js';

const run = promisify(execFile);

// 31 pieces of 32 KiB, the last one short: the bitfield has one spare bit that must be zero
const PIECE_LENGTH = 32 * 1024;
const SIZE = 30 * PIECE_LENGTH + 12_345;
const PIECES = 31;

let dir = '';
let torrentPath = '';
let infoHash: Uint8Array = new Uint8Array(20);
const seeders: SeederProcess[] = [];
let lt: SeederProcess;
let tr: SeederProcess;

/** Info hash = SHA-1 of the original bytes of the `info` dictionary (BEP 3). */
const infoHashOf = async (path: string): Promise<Uint8Array> => {
  const bytes = new Uint8Array(await readFile(path));
  const decoded = decodeWithSpans(bytes);
  if (E.isLeft(decoded)) throw new Error(decoded.left.message);
  const info = (decoded.right.value as Map<string, BValue>).get('info') as object;
  const span = decoded.right.spans.get(info);
  if (span === undefined) throw new Error('no info span');
  return new Uint8Array(createHash('sha1').update(bytes.subarray(span[0], span[1])).digest());
};

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-interop-'));
  await writeFile(join(dir, 'payload.bin'), randomBytes(SIZE));
  torrentPath = join(dir, 'payload.torrent');
  // private, with an unreachable loopback tracker: no client looks for peers anywhere else
  await run('mktorrent', ['-l', '15', '-p', '-a', 'http://127.0.0.1:9/announce', '-o', torrentPath, join(dir, 'payload.bin')]);
  infoHash = await infoHashOf(torrentPath);
  const [a, b] = await Promise.allSettled([startLibtorrentSeeder(torrentPath, dir), startTransmissionSeeder(torrentPath, dir)]);
  for (const r of [a, b]) if (r.status === 'fulfilled') seeders.push(r.value);
  if (a.status === 'rejected') throw a.reason;
  if (b.status === 'rejected') throw b.reason;
  lt = a.value;
  tr = b.value;
}, 45_000);

afterAll(async () => {
  await Promise.all(seeders.map((s) => s.stop()));
  if (dir) await rm(dir, { recursive: true, force: true });
});

const probe = async (port: number, reserved?: Uint8Array, localAddress?: string): Promise<PeerProbe> => {
  const r = await connectPeer({
    ip: '127.0.0.1',
    port,
    infoHash,
    peerId: generatePeerId(),
    pieceCount: PIECES,
    timeoutMs: 10_000,
    ...(reserved === undefined ? {} : { reserved }),
    ...(localAddress === undefined ? {} : { localAddress }),
  });
  if (E.isLeft(r)) throw new Error(`${r.left.code}: ${r.left.message}`);
  return r.right;
};

const expectComplete = (p: PeerProbe): void => {
  if (p.availability.kind === 'bitfield') {
    expect(p.availability.bitfield.length).toBe(bitfieldLength(PIECES));
    expect(p.piecesHave).toBe(PIECES);
  } else {
    expect(p.availability.kind).toBe('all');
  }
};

describe('handshake and bitfield with real clients on 127.0.0.1', () => {
  it('libtorrent: handshake, extensions, have-all (fast extension on)', async () => {
    const p = await probe(lt.port);
    expect(p.client).toMatch(/^libtorrent /);
    expect(p.extensions).toMatchObject({ extensionProtocol: true, fast: true });
    expect(p.availability.kind).toBe('all');
    expectComplete(p);
  });

  it('libtorrent: a full bitfield with the spare bit clear when we do not offer the fast extension', async () => {
    const p = await probe(lt.port, emptyReserved());
    expect(p.availability.kind).toBe('bitfield');
    expectComplete(p);
  });

  it('Transmission: handshake, extended handshake only when we offer BEP 10, have-all', async () => {
    const p = await probe(tr.port);
    expect(p.client).toMatch(/^Transmission 3\./);
    expect(p.extensions).toMatchObject({ extensionProtocol: true, fast: true });
    // Transmission answers the BEP 10 bit with an extended handshake; we leave the bit off, so none comes
    expect(p.firstMessages.map((m) => m.type)).not.toContain('extended');
    // from another loopback address: Transmission keeps one connection per IP
    const offered = await probe(tr.port, setExtensionProtocol(ourReserved()), '127.0.0.7');
    expect(offered.firstMessages.map((m) => m.type)).toContain('extended'); // BEP 10 handshake came first
    expect(p.availability.kind).toBe('all');
  });

  it('Transmission: a full bitfield without the fast extension', async () => {
    // Transmission keeps one peer per address (shared/interop notes): dial from another loopback IP
    const p = await probe(tr.port, emptyReserved(), '127.0.0.2');
    expect(p.availability.kind).toBe('bitfield');
    expectComplete(p);
  });

  it('libtorrent through the peer machine: bitfield exchange, interest, then the seeder unchokes us', async () => {
    const link = startPeerLink({
      socket: connect({ host: '127.0.0.1', port: lt.port }),
      input: { infoHash, peerId: generatePeerId(), pieceCount: PIECES, outgoing: true },
    });
    // the machine does the bitfield exchange (have-none from us) and becomes interested from the
    // seeder's have-all by itself
    const unchoked = new Promise<void>((resolve) => {
      const sub = link.actor.subscribe((s) => {
        if (!s.matches({ active: { peerChoking: 'unchoked' } })) return;
        sub.unsubscribe();
        resolve();
      });
    });
    await Promise.race([unchoked, link.closed.then((r) => Promise.reject(new Error(r.message)))]);
    expect(link.commands.slice(0, 3)).toEqual(['handshake', 'ready', 'send:haveNone']);
    expect(link.commands).toContain('send:interested');
    expect(link.actor.getSnapshot().context.pieces.interesting).toBe(PIECES);
    link.actor.send({ type: 'CLOSE', message: 'interop test done' });
    expect(await link.closed).toEqual({ code: 'local', message: 'interop test done' });
  });
});
