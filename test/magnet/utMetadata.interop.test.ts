/**
 * The extension codecs and the metadata machine against python3-libtorrent on 127.0.0.1, before
 * the session wires them in: a bare connection (rawExtensionPeer.ts) fetches a torrent's
 * metadata from a libtorrent seeder through the machine, and serves it to a libtorrent client
 * that was given only a magnet link; libtorrent takes a peer from our ut_pex message and dials it.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtemp, rm, truncate, writeFile } from 'node:fs/promises';
import { createServer, connect, type AddressInfo, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as E from 'fp-ts/lib/Either.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActor, toPromise } from 'xstate';
import { metadataMachine, type MetadataEmitted } from '../../machines/metadata.machine.js';
import { encode } from '../../src/bencode/index.js';
import {
  answerMetadataRequest,
  decodeExtensionMessage,
  encodeUtPex,
  encodeExtendedHandshake,
  encodeUtMetadata,
  negotiatedIds,
  OUR_EXTENSION_IDS,
  PexFlags,
  UT_METADATA,
  UT_PEX,
  type DecodedExtendedHandshake,
  type PexMessage,
} from '../../src/extensions/index.js';
import { magnetLink, metainfoFromMetadata, parseMagnet } from '../../src/magnet/index.js';
import { parseMetainfo } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { generatePeerId, supportsExtensionProtocol, toHex, type WireMessage } from '../../src/wire/index.js';
import { stopChild, waitForOutput } from '../support/childLines.js';
import { startLibtorrentSeeder, type SeederProcess } from '../support/libtorrentPeer.js';
import { rawPeer } from './rawExtensionPeer.js';

const PIECES = 1024; // 16 KiB pieces: a 20 KiB info dictionary, two metadata pieces
let dir: string;
let torrentPath: string;
let metainfo: Metainfo;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'statorrent-magnet-'));
  const name = 'zeros.bin';
  await writeFile(join(dir, name), '');
  await truncate(join(dir, name), PIECES * 16384); // sparse zeros
  const zeroPiece = createHash('sha1').update(Buffer.alloc(16384)).digest();
  const torrent = encode({
    announce: 'http://127.0.0.1:1/announce',
    info: { length: PIECES * 16384, name, 'piece length': 16384, pieces: Buffer.concat(Array.from({ length: PIECES }, () => zeroPiece)) },
  });
  torrentPath = join(dir, 'zeros.torrent');
  await writeFile(torrentPath, torrent);
  const parsed = parseMetainfo(torrent);
  if (E.isLeft(parsed)) throw new Error(parsed.left.message);
  metainfo = parsed.right;
  expect(metainfo.infoBytes.length).toBeGreaterThan(16384);
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const extended = (extendedId: number, payload: Uint8Array): WireMessage => ({ type: 'extended', extendedId, payload });

describe('ut_metadata with libtorrent', () => {
  let seeder: SeederProcess | undefined;
  afterAll(async () => seeder?.stop());

  it('fetches the metadata from a libtorrent seeder through the metadata machine', async () => {
    seeder = await startLibtorrentSeeder(torrentPath, dir);
    const socket = connect(seeder.port, '127.0.0.1');
    const peer = rawPeer(socket, metainfo.infoHash, generatePeerId(), true);
    const theirs = await peer.handshake;
    expect(supportsExtensionProtocol(theirs.reserved)).toBe(true);

    const actor = createActor(metadataMachine, { input: { infoHashHex: metainfo.infoHashHex } });
    const emitted: MetadataEmitted[] = [];
    let ids: ReadonlyMap<string, number> = new Map();
    actor.on('*', (e) => {
      emitted.push(e);
      if (e.type === 'requestPiece') peer.send(extended(ids.get(UT_METADATA)!, encodeUtMetadata({ type: 'request', piece: e.piece })));
    });
    actor.start();
    // Ours first: an extension message before our extended handshake makes libtorrent hang up.
    peer.send(extended(0, encodeExtendedHandshake({ m: { [UT_METADATA]: OUR_EXTENSION_IDS.ut_metadata }, v: 'statorrent-test' })));
    peer.onMessage((m) => {
      if (m.type !== 'extended') return;
      const decoded = decodeExtensionMessage(m.extendedId, m.payload);
      if (E.isLeft(decoded)) throw new Error(decoded.left.message);
      const x = decoded.right;
      if (x.extension === 'handshake') {
        ids = negotiatedIds(ids, x.handshake);
        if (x.handshake.metadataSize !== undefined) actor.send({ type: 'PEER_HAS_METADATA', peerId: 'lt', size: x.handshake.metadataSize });
      } else if (x.extension === UT_METADATA && x.message.type === 'data') {
        actor.send({ type: 'PIECE_RECEIVED', peerId: 'lt', piece: x.message.piece, totalSize: x.message.totalSize, data: x.message.data.slice() });
      } else if (x.extension === UT_METADATA && x.message.type === 'reject') {
        actor.send({ type: 'PIECE_REJECTED', peerId: 'lt', piece: x.message.piece });
      }
    });

    const { infoBytes } = await toPromise(actor);
    peer.close();
    expect(Buffer.from(infoBytes).equals(Buffer.from(metainfo.infoBytes))).toBe(true);
    expect(emitted.filter((e) => e.type === 'requestPiece')).toHaveLength(2);
    expect(emitted.filter((e) => e.type === 'peerPenalised')).toEqual([]);
    const magnet = parseMagnet(magnetLink(metainfo));
    if (E.isLeft(magnet)) throw new Error(magnet.left.message);
    const built = metainfoFromMetadata(infoBytes, magnet.right);
    expect(E.isRight(built) && built.right.metainfo.infoHashHex).toBe(metainfo.infoHashHex);
    expect(E.isRight(built) && built.right.metainfo.announceList).toEqual([['http://127.0.0.1:1/announce']]);
  });

  it('serves the metadata to a libtorrent client that has only the magnet link', async () => {
    const served: number[] = [];
    const sockets: Socket[] = [];
    const server = createServer((socket) => {
      sockets.push(socket);
      const peer = rawPeer(socket, metainfo.infoHash, generatePeerId(), false);
      let ids: ReadonlyMap<string, number> = new Map();
      void peer.handshake.then(
        () => peer.send(extended(0, encodeExtendedHandshake({ m: { [UT_METADATA]: OUR_EXTENSION_IDS.ut_metadata }, metadataSize: metainfo.infoBytes.length, v: 'statorrent-test' }))),
        () => undefined,
      );
      peer.onMessage((m) => {
        if (m.type !== 'extended') return;
        const decoded = decodeExtensionMessage(m.extendedId, m.payload);
        if (E.isLeft(decoded)) return peer.close();
        const x = decoded.right;
        if (x.extension === 'handshake') ids = negotiatedIds(ids, x.handshake);
        else if (x.extension === UT_METADATA && x.message.type === 'request') {
          served.push(x.message.piece);
          peer.send(extended(ids.get(UT_METADATA)!, encodeUtMetadata(answerMetadataRequest(metainfo.infoBytes, x.message.piece))));
        }
      });
    });
    await new Promise<void>((res) => server.listen(0, '127.0.0.1', res));
    const port = (server.address() as AddressInfo).port;
    const script = fileURLToPath(new URL('./lt_magnet_fetch.py', import.meta.url));
    const child = spawn('/usr/bin/python3', [script, magnetLink(metainfo), join(dir, 'lt-download'), String(port)], { stdio: ['pipe', 'pipe', 'pipe'] });
    try {
      const m = await waitForOutput(child, [child.stdout], /METADATA (\S+) (\d+) (.*)\nMAGNET (\S+)/, 30_000, 'libtorrent magnet client');
      expect(m[1]).toBe(metainfo.infoHashHex);
      expect(Number(m[2])).toBe(PIECES);
      expect(m[3]).toBe('zeros.bin');
      expect([...new Set(served)].sort()).toEqual([0, 1]);
      // libtorrent's own magnet link for the torrent parses to the same hash and name
      const theirs = parseMagnet(m[4]!);
      expect(E.isRight(theirs) && theirs.right.infoHashHex).toBe(metainfo.infoHashHex);
      expect(E.isRight(theirs) && theirs.right.name).toBe('zeros.bin');
    } finally {
      child.stdin?.end();
      await stopChild(child);
      for (const s of sockets) s.destroy(); // server.close waits for every open connection
      await new Promise<void>((res) => server.close(() => res()));
    }
  });
});

describe('ut_pex with libtorrent', () => {
  let seeder: SeederProcess | undefined;
  afterAll(async () => seeder?.stop());

  it('libtorrent learns a peer from our PEX message and dials it', async () => {
    seeder = await startLibtorrentSeeder(torrentPath, dir);
    // The peer we advertise: a listener that only waits for libtorrent's handshake.
    let dialled!: (infoHashHex: string) => void;
    const dialledBy = new Promise<string>((res) => (dialled = res));
    const accepted: Socket[] = [];
    const advertised = createServer((socket) => {
      accepted.push(socket);
      const p = rawPeer(socket, metainfo.infoHash, generatePeerId(), false);
      p.handshake.then((h) => dialled(toHex(h.infoHash)), () => undefined);
    });
    await new Promise<void>((res) => advertised.listen(0, '127.0.0.1', res));
    const advertisedPort = (advertised.address() as AddressInfo).port;

    const peer = rawPeer(connect(seeder.port, '127.0.0.1'), metainfo.infoHash, generatePeerId(), true);
    await peer.handshake;
    peer.send(extended(0, encodeExtendedHandshake({ m: { [UT_PEX]: OUR_EXTENSION_IDS.ut_pex }, v: 'statorrent-test' })));
    const theirHandshake = await new Promise<DecodedExtendedHandshake>((res) =>
      peer.onMessage((m) => {
        if (m.type !== 'extended') return;
        const d = decodeExtensionMessage(m.extendedId, m.payload);
        if (E.isRight(d) && d.right.extension === 'handshake') res(d.right.handshake);
      }),
    );
    const pexId = theirHandshake.m.get(UT_PEX);
    expect(pexId).toBeGreaterThan(0);
    peer.send(extended(pexId!, encodeUtPex({ added: [{ ip: '127.0.0.1', port: advertisedPort, flags: PexFlags.reachable }], dropped: [] })));
    try {
      expect(await dialledBy).toBe(metainfo.infoHashHex);
    } finally {
      peer.close();
      for (const a of accepted) a.destroy(); // server.close waits for every open connection
      await new Promise<void>((res) => advertised.close(() => res()));
    }
  });

  it("decodes libtorrent's own ut_pex message naming another connected peer", async () => {
    // B: a peer connected to the seeder that tells its listen port in `p` (BEP 10).
    const bPort = 51_999; // only advertised, never dialled by the test
    const b = rawPeer(connect(seeder!.port, '127.0.0.1'), metainfo.infoHash, generatePeerId(), true);
    await b.handshake;
    b.send(extended(0, encodeExtendedHandshake({ m: {}, p: bPort })));
    // A: asks for PEX and waits for libtorrent's first message (its PEX timer ticks every second).
    const a = rawPeer(connect(seeder!.port, '127.0.0.1'), metainfo.infoHash, generatePeerId(), true);
    await a.handshake;
    a.send(extended(0, encodeExtendedHandshake({ m: { [UT_PEX]: OUR_EXTENSION_IDS.ut_pex } })));
    const pex = await new Promise<PexMessage>((res, rej) =>
      a.onMessage((m) => {
        if (m.type !== 'extended') return;
        const d = decodeExtensionMessage(m.extendedId, m.payload);
        if (E.isLeft(d)) rej(new Error(d.left.message));
        else if (d.right.extension === UT_PEX && d.right.message.added.some((p) => p.port === bPort)) res(d.right.message);
      }),
    );
    a.close();
    b.close();
    expect(pex.added.find((p) => p.port === bPort)?.ip).toBe('127.0.0.1');
  });
});
