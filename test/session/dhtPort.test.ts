/**
 * The DHT in a session's peer connections (BEP 5): the reserved DHT bit is set only when the
 * session's node runs for the torrent, our node's UDP port goes out in a `port` message, and a
 * peer's `port` makes our node ping that address. A private torrent (BEP 27) shows none of it.
 * Scripted raw peers on 127.0.0.1; the session's node has no bootstrap nodes and no state file.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeKrpc } from '../../src/dht/krpc.js';
import { createTorrentTask } from '../../src/metainfo/index.js';
import { Session } from '../../src/session/session.js';
import { decodeHandshake, encodeHandshake, encodeMessage, ourReserved, setDht, supportsDht } from '../../src/wire/index.js';
import { RawPeerServer, type RawConnection } from '../support/rawPeer.js';
import { writeSample } from '../support/sampleContent.js';

let dir: string;
let server: RawPeerServer;
let session: Session;
let udp: UdpSocket | undefined;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'st-dht-port-'));
  await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 100_000 }]);
  server = await RawPeerServer.listen();
  const s = await Session.start({ port: 0, host: '127.0.0.1', dht: { port: 0, stateDir: null, bootstrap: [] } });
  if (E.isLeft(s)) throw new Error(s.left);
  session = s.right;
});
afterEach(async () => {
  udp?.close();
  udp = undefined;
  await session.close();
  await server.close();
  await rm(dir, { recursive: true, force: true });
});

/** Adds the torrent with the raw peer to dial; returns the connection after both handshakes and the reserved bytes we sent. */
async function dialled(isPrivate: boolean): Promise<{ peer: RawConnection; ourReservedBytes: Uint8Array }> {
  const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: 32_768, private: isPrivate })();
  if (E.isLeft(made)) throw new Error(made.left.message);
  const m = made.right.metainfo;
  const t = await session.add({ metainfo: m, downloadDir: join(dir, 'out'), useTrackers: false, peers: [{ ip: '127.0.0.1', port: server.port }] });
  if (E.isLeft(t)) throw new Error(t.left);
  const peer = await server.accept();
  const ours = decodeHandshake(await peer.read(68));
  if (E.isLeft(ours)) throw new Error('bad handshake from us');
  // a peer that runs a DHT too (and the fast extension)
  peer.write(encodeHandshake({ reserved: setDht(ourReserved()), infoHash: m.infoHash, peerId: new Uint8Array(20).fill(7) }));
  return { peer, ourReservedBytes: ours.right.reserved };
}

/** Reads one length-prefixed message: [id, ...payload]. */
async function readMessage(peer: RawConnection): Promise<Uint8Array> {
  const len = new DataView((await peer.read(4)).buffer).getUint32(0);
  return peer.read(len);
}

describe('session DHT and the BEP 5 port message', () => {
  it("sets the DHT bit, sends our node's UDP port, and pings the node a peer names", async () => {
    const { peer, ourReservedBytes } = await dialled(false);
    expect(supportsDht(ourReservedBytes)).toBe(true);
    expect(await readMessage(peer)).toEqual(Uint8Array.of(0x0f)); // have none (BEP 6)
    const port = await readMessage(peer);
    expect(port[0]).toBe(9);
    expect(new DataView(port.buffer, port.byteOffset).getUint16(1)).toBe(session.dht!.address.port);

    // the peer's node: our node pings it on the peer's IP
    const sock = createSocket('udp4');
    udp = sock;
    await new Promise<void>((r) => sock.bind(0, '127.0.0.1', () => r()));
    const ping = new Promise<Uint8Array>((resolve) => sock.once('message', (b) => resolve(new Uint8Array(b))));
    peer.write(encodeMessage({ type: 'port', port: sock.address().port }));
    const q = decodeKrpc(await ping);
    expect(E.isRight(q) && q.right.kind === 'query' && q.right.method).toBe('ping');
  });

  it('a private torrent (BEP 27) connects without the DHT bit', async () => {
    const { ourReservedBytes } = await dialled(true);
    expect(supportsDht(ourReservedBytes)).toBe(false);
  });
});
