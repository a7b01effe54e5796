import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTorrentTask } from '../../src/metainfo/index.js';
import type { Metainfo } from '../../src/metainfo/types.js';
import { Session } from '../../src/session/session.js';
import type { TorrentEvent } from '../../src/session/types.js';
import { decodeHandshake, encodeHandshake, encodeMessage, type WireMessage } from '../../src/wire/index.js';
import { RawPeerServer, type RawConnection } from '../support/rawPeer.js';
import { writeSample } from '../support/sampleContent.js';
import { Conditions } from '../support/conditions.js';

/** A session downloading a small torrent from one scripted raw peer. */
describe('session against a scripted hostile peer', () => {
  let dir: string;
  let metainfo: Metainfo;
  let server: RawPeerServer;
  let session: Session;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'st-hostile-'));
    await writeSample(join(dir, 'src'), [{ path: 'f.bin', length: 100_000 }]);
    const made = await createTorrentTask({ path: join(dir, 'src', 'f.bin'), pieceLength: 32_768 })();
    if (E.isLeft(made)) throw new Error(made.left.message);
    metainfo = made.right.metainfo;
    server = await RawPeerServer.listen();
    const s = await Session.start({ port: 0, host: '127.0.0.1' });
    if (E.isLeft(s)) throw new Error(s.left);
    session = s.right;
  });
  afterEach(async () => {
    await session.close();
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Starts the download, accepts our dial, exchanges handshakes; returns the raw side and our events/wire log. */
  async function connected(): Promise<{ peer: RawConnection; events: TorrentEvent[]; sent: WireMessage[] }> {
    const events: TorrentEvent[] = [];
    const sent: WireMessage[] = [];
    const t = await session.add({
      metainfo,
      downloadDir: join(dir, 'out'),
      useTrackers: false,
      peers: [{ ip: '127.0.0.1', port: server.port }],
      onWire: (_id, direction, m) => {
        if (direction === 'out') sent.push(m);
        changed();
      },
    });
    if (E.isLeft(t)) throw new Error(t.left);
    t.right.events$.subscribe((e) => {
      events.push(e);
      changed();
    });
    const peer = await server.accept();
    const theirs = decodeHandshake(await peer.read(68));
    if (E.isLeft(theirs)) throw new Error('bad handshake from us');
    peer.write(encodeHandshake({ reserved: new Uint8Array(8), infoHash: metainfo.infoHash, peerId: new Uint8Array(20).fill(7) }));
    return { peer, events, sent };
  }

  /** Conditions waiting for what we send or report next. */
  const conditions = new Conditions();
  const changed = (): void => conditions.changed();
  const until = (what: () => boolean, label: string): Promise<void> => conditions.until(what, label);

  it('takes a later bitfield as the new set (aria2: have-none, then a bitfield) and downloads', async () => {
    const { peer, sent, events } = await connected();
    peer.write(encodeMessage({ type: 'bitfield', bitfield: new Uint8Array(1) }));
    peer.write(encodeMessage({ type: 'bitfield', bitfield: new Uint8Array(1).fill(0xe0) }));
    peer.write(encodeMessage({ type: 'unchoke' }));
    await until(() => sent.some((m) => m.type === 'request'), 'a request after the second bitfield');
    expect(events.filter((e) => e.type === 'peerClosed')).toEqual([]);
  });

  it('closes a peer that keeps re-announcing its pieces (each one is a pass over every piece)', async () => {
    const { peer, events } = await connected();
    const all = new Uint8Array(1).fill(0xe0); // 3 pieces
    for (let i = 0; i < 9; i++) peer.write(encodeMessage({ type: 'bitfield', bitfield: all }));
    await until(() => events.some((e) => e.type === 'peerClosed'), 'peerClosed');
    const closed = events.find((e) => e.type === 'peerClosed') as { reason: string };
    expect(closed.reason).toMatch(/announced its pieces more than 8 times/);
  });

  it('does not take a block it never requested from that peer', async () => {
    const { peer, sent, events } = await connected();
    // before any request: inject piece 0's first block with wrong bytes
    peer.write(encodeMessage({ type: 'piece', index: 0, begin: 0, block: new Uint8Array(16_384).fill(0x55) }));
    peer.write(encodeMessage({ type: 'bitfield', bitfield: new Uint8Array(1).fill(0xe0) }));
    peer.write(encodeMessage({ type: 'unchoke' }));
    // we still ask for that very block: the injected copy was not counted as received
    await until(() => sent.some((m) => m.type === 'request' && m.index === 0 && m.begin === 0), 'request for piece 0 block 0');
    expect(events.filter((e) => e.type === 'pieceFailed')).toEqual([]);
  });
});
